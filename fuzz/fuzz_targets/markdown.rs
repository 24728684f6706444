//! See `spectrus_fuzz::markdown` (fuzz/src/lib.rs) for what this target feeds and checks; the test
//! suite replays its seeds through the same body.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| spectrus_fuzz::markdown(data));
