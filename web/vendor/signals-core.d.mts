// Types for the vendored signals-core.mjs (@preact/signals-core, same pinned version).
export * from "@preact/signals-core";
