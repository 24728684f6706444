//! SDP from a client (a `voice_answer`): the SFU's own scan for header extensions, and the
//! WebRTC stack's parse of the answer. Neither may panic on any text.
//! (The body is `spectrus_fuzz::sdp`, which the test suite also replays over the seeds.)
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| spectrus_fuzz::sdp(data));
