// Types for the vendored signals.mjs (@preact/signals, same pinned version).
export * from "@preact/signals";
