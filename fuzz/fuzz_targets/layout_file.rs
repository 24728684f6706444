//! A layout file as `spectrusctl layout apply` reads it (TOML, or JSON when the first byte
//! is odd): parsing must never panic, and a parsed layout must render back to TOML.
//! (The body is `spectrus_fuzz::layout_file`, which the test suite also replays over the seeds.)
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| spectrus_fuzz::layout_file(data));
