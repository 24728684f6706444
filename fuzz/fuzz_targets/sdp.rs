//! SDP from a client (a `voice_answer`): the SFU's own scan for header extensions, and the
//! WebRTC stack's parse of the answer. Neither may panic on any text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rtc::peer_connection::sdp::RTCSessionDescription;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = spectrus_sfu::sdp::extmap_id(text, spectrus_sfu::sdp::AUDIO_LEVEL_URI);
    if let Ok(answer) = RTCSessionDescription::answer(text.to_owned()) {
        let _ = answer.unmarshal();
    }
});
