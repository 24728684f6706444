// Types for the vendored preact.mjs: those of the npm package at the same pinned version
// (web/package.json devDependencies, installed by `npm ci --prefix web`).
export * from "preact";
