//! Every JSON request body the daemon takes (public API and admin socket): the first byte
//! picks the type, the rest is the body. Decoding must never panic, and what decodes must
//! encode again.
//! (The body is `spectrus_fuzz::request_bodies`, which the test suite also replays over the seeds.)
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| spectrus_fuzz::request_bodies(data));
