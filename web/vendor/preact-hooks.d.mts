// Types for the vendored preact-hooks.mjs (preact/hooks, same pinned version).
export * from "preact/hooks";
