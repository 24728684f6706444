//! The committed `man/spectrusd.8` must be what the generator produces; when the command
//! line or the configuration changes, regenerate it: `cargo run -p xtask --bin gen-man`.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

#[test]
fn committed_man_page_is_up_to_date() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(spectrusd::man::MAN_PAGE_PATH);
    if let Err(e) = spectrusd::man::man_page().check(&path) {
        panic!("{e}");
    }
}
