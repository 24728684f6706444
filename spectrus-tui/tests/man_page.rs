//! The committed `man/spectrus-tui.1` must be what the generator produces from the clap
//! definition; when the command line changes, regenerate it:
//! `cargo run -p xtask --bin gen-man`.

// Test code: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

use std::path::PathBuf;

#[test]
fn committed_man_page_is_up_to_date() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(spectrus_tui::man::MAN_PAGE_PATH);
    if let Err(e) = spectrus_tui::man::man_page().check(&path) {
        panic!("{e}");
    }
}
