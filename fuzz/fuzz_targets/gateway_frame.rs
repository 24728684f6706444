//! A gateway frame from a client (JSON text) into the wire type the daemon decodes it into;
//! whatever decodes must encode again and decode to the same frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spectrus_proto::gateway::ClientFrame;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(frame) = serde_json::from_str::<ClientFrame>(text) {
        let again = serde_json::to_string(&frame).expect("a decoded frame encodes");
        let back: ClientFrame = serde_json::from_str(&again).expect("an encoded frame decodes");
        assert_eq!(
            serde_json::to_string(&back).expect("encodes"),
            again,
            "not stable"
        );
    }
});
