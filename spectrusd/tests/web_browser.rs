//! The browser client's own checks, run from README's one test command:
//! - the end-to-end tests in `web/tests/*.test.mjs` (node's test runner driving Debian's
//!   headless Chromium through playwright-core against real daemons, one per test file);
//! - `tsc --noEmit -p web`: the client's JSDoc types (and `-p web/tests`, the harness's).
//!
//! Both need `web/node_modules` (`npm ci --prefix web`, which `.ci/run` does): missing, the
//! tests fail with that instruction rather than skip.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("spectrusd sits in the workspace")
        .to_path_buf()
}

fn web() -> PathBuf {
    workspace().join("web")
}

/// Fails the test with the one thing to do when the npm tooling is not installed.
fn require_node_modules() {
    let bin = web().join("node_modules/.bin");
    assert!(
        bin.join("tsc").exists() && web().join("node_modules/playwright-core").exists(),
        "web/node_modules is missing: run `npm ci --prefix web` (needs node and npm)"
    );
}

/// The browser test files, in a stable order.
fn test_files() -> Vec<PathBuf> {
    let dir = web().join("tests");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with(".test.mjs"))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn browser_end_to_end_tests_pass() {
    require_node_modules();
    // The harness (web/tests/lib/daemon.mjs) builds the daemon's environment itself; its
    // tests post faster than the per-user rate limits allow, so they run without them.
    let wrapper = tempfile::tempdir().unwrap();
    let daemon = spectrus_testkit::daemon_binary_without_rate_limits(wrapper.path())
        .expect("the spectrusd binary");
    let screenshots = workspace().join("target/web-screenshots");
    let files = test_files();
    assert!(!files.is_empty(), "no web/tests/*.test.mjs");
    // The runner's output goes straight to the terminal (inherited), test by test.
    let status = Command::new("node")
        .args(["--test", "--test-concurrency=1", "--test-reporter=spec"])
        .args(&files)
        .current_dir(web())
        .env("SPECTRUS_BIN", &daemon)
        .env("SPECTRUS_SCREENSHOTS", &screenshots)
        // `cargo test --workspace` builds the example plugin beside the daemon, wherever the
        // target directory is (CARGO_TARGET_DIR included).
        .env(
            "PLUGIN_ECHO_BIN",
            Path::new(env!("CARGO_BIN_EXE_spectrusd")).with_file_name("plugin-echo"),
        )
        .status()
        .expect("cannot run node: install nodejs (see README's test section)");
    assert!(
        status.success(),
        "the browser tests failed ({status}); screenshots in {}",
        screenshots.display()
    );
}

#[test]
fn client_type_checks() {
    require_node_modules();
    let tsc = web().join("node_modules/.bin/tsc");
    for project in ["web", "web/tests"] {
        let out = Command::new(&tsc)
            .args(["--noEmit", "-p", project])
            .current_dir(workspace())
            .output()
            .expect("cannot run tsc");
        assert!(
            out.status.success(),
            "tsc -p {project} found errors:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
