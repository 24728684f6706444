//! The committed `man/spectrusctl.8` must be what the generator produces from the clap
//! definition; when the command line changes, regenerate it:
//! `cargo run -p xtask --bin gen-man`.

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

#[test]
fn committed_man_page_is_up_to_date() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(spectrusctl::MAN_PAGE_PATH);
    if let Err(e) = spectrusctl::man_page().check(&path) {
        panic!("{e}");
    }
}

#[test]
fn man_page_documents_every_command_and_the_restore() {
    let page = String::from_utf8(spectrusctl::man_page().render().unwrap()).unwrap();
    for command in [
        "spectrusctl status",
        "spectrusctl users reset-password",
        "spectrusctl roles grant",
        "spectrusctl invites create",
        "spectrusctl channels move",
        "spectrusctl bans add",
        "spectrusctl members kick",
        "spectrusctl members timeout",
        "spectrusctl voice move",
        "spectrusctl messages purge",
        "spectrusctl server set name",
        "spectrusctl backup",
        "spectrusctl layout apply",
        "spectrusctl events",
        "spectrusctl completions",
    ] {
        assert!(page.contains(&format!(".SS \"{command}\"")), "{command}");
    }
    assert!(page.contains(".SH \"BACKUP AND RESTORE\""));
    assert!(page.contains("systemctl stop spectrusd"));
    assert!(page.contains(".SH \"EXIT STATUS\""));
}
