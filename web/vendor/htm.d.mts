// Types for the vendored htm.mjs (htm, same pinned version).
export { default } from "htm";
