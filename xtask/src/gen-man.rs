//! Regenerates the committed manual pages: `cargo run -p xtask --bin gen-man`.
//! Writes into the workspace's `man/` directory, or into the directory given as argument.
//!
//! Lives in its own crate so that neither spectrusctl nor spectrusd depends on the other.

use std::path::PathBuf;

use anyhow::Context;

fn main() -> anyhow::Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let out_dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| root.join("man"), PathBuf::from);
    std::fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let pages = [
        ("spectrusctl.8", spectrusctl::man_page()),
        ("spectrusd.8", spectrusd::man::man_page()),
        ("spectrus-tui.1", spectrus_tui::man::man_page()),
    ];
    for (file, page) in pages {
        let path = out_dir.join(file);
        page.write(&path)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
