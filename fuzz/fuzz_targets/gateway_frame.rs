//! A gateway frame from a client (JSON text) into the wire type the daemon decodes it into;
//! whatever decodes must encode again and decode to the same frame.
//! (The body is `spectrus_fuzz::gateway_frame`, which the test suite also replays over the seeds.)
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| spectrus_fuzz::gateway_frame(data));
