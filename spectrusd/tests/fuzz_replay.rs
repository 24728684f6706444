//! The fuzz targets in the ordinary test suite, without libFuzzer or sanitizers: every
//! target's body (fuzz/src/lib.rs, included here) runs over every committed seed of its
//! corpus (fuzz/seeds/<target>/*, and fuzz/corpus/<target>/* when kept), and over every
//! prefix of each (truncated input is what clients send most often by mistake). Bounded:
//! well under a second. Real fuzzing is scripts/fuzz.sh (docs/operations.md).

// An integration test: a panic here is a failed test, so unwrapping is the point.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

#[path = "../../fuzz/src/lib.rs"]
#[allow(unreachable_pub)]
mod targets;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The files of `dir`, sorted (none if it does not exist).
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

#[test]
fn every_fuzz_target_runs_over_its_committed_seeds() {
    let dir = fuzz_dir();
    // Every target binary in fuzz/fuzz_targets has a body here, and seeds.
    let mut binaries: Vec<String> = files(&dir.join("fuzz_targets"))
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    binaries.sort();
    let mut names: Vec<String> = targets::TARGETS
        .iter()
        .map(|(n, _)| n.to_string())
        .collect();
    names.sort();
    assert_eq!(
        binaries, names,
        "fuzz/fuzz_targets and fuzz/src/lib.rs TARGETS differ"
    );

    for (name, run) in targets::TARGETS {
        let mut inputs = files(&dir.join("seeds").join(name));
        assert!(
            !inputs.is_empty(),
            "no seeds for {name} in fuzz/seeds/{name}"
        );
        inputs.extend(files(&dir.join("corpus").join(name)));
        let mut runs = 0usize;
        for path in &inputs {
            let data = std::fs::read(path).unwrap();
            let outcome = std::panic::catch_unwind(|| {
                run(&data);
                for cut in 0..data.len() {
                    run(&data[..cut]);
                }
            });
            assert!(
                outcome.is_ok(),
                "fuzz target {name} panicked on {} (or a prefix of it)",
                path.display()
            );
            runs += data.len() + 1;
        }
        println!("{name}: {} inputs, {runs} runs", inputs.len());
    }
}
