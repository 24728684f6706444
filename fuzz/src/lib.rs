//! The bodies of the fuzz targets, one function each, so that libFuzzer (fuzz_targets/, with
//! sanitizers, scripts/fuzz.sh) and the workspace's test suite (spectrusd/tests/fuzz_replay.rs,
//! which includes this file and replays every committed seed, no libFuzzer) run the same code.
//! Each may panic only on a real bug: that is what the fuzzer looks for.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A target's body.
pub type Body = fn(&[u8]);

/// Every target: its name (its seed directory, fuzz/seeds/<name>) and its body.
pub const TARGETS: &[(&str, Body)] = &[
    ("gateway_frame", gateway_frame),
    ("request_bodies", request_bodies),
    ("layout_file", layout_file),
    ("sdp", sdp),
    ("mentions", mentions),
    ("markdown", markdown),
    ("search_query", search_query),
    ("plugin_manifest", plugin_manifest),
    ("license_file", license_file),
    ("ice_datagram", ice_datagram),
];

/// A gateway frame from a client (JSON text) into the wire type the daemon decodes it into;
/// whatever decodes must encode again and decode to the same frame.
pub fn gateway_frame(data: &[u8]) {
    use spectrus_proto::gateway::ClientFrame;
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
}

fn body<T: DeserializeOwned + Serialize>(json: &[u8]) {
    if let Ok(v) = serde_json::from_slice::<T>(json) {
        let text = serde_json::to_vec(&v).expect("a decoded body encodes");
        let _: T = serde_json::from_slice(&text).expect("an encoded body decodes");
    }
}

/// Every JSON request body the daemon takes (public API and admin socket): the first byte
/// picks the type, the rest is the body. Decoding must never panic, and what decodes must
/// encode again.
pub fn request_bodies(data: &[u8]) {
    use spectrus_proto::{admin, rest};
    let Some((&which, json)) = data.split_first() else {
        return;
    };
    match which % 23 {
        0 => body::<rest::RegisterRequest>(json),
        1 => body::<rest::LoginRequest>(json),
        2 => body::<rest::RefreshRequest>(json),
        3 => body::<rest::PatchMe>(json),
        4 => body::<rest::PatchServer>(json),
        5 => body::<rest::CreateChannel>(json),
        6 => body::<rest::PatchChannel>(json),
        7 => body::<Vec<rest::ChannelPosition>>(json),
        8 => body::<rest::OverwriteBody>(json),
        9 => body::<rest::CreateMessage>(json),
        10 => body::<rest::EditMessage>(json),
        11 => body::<rest::AckRequest>(json),
        12 => body::<rest::CreateInvite>(json),
        13 => body::<rest::PatchMember>(json),
        14 => body::<rest::PatchVoiceMember>(json),
        15 => body::<admin::BanRequest>(json),
        16 => body::<admin::CreateRole>(json),
        17 => body::<admin::PatchRole>(json),
        18 => body::<Vec<admin::RolePosition>>(json),
        19 => body::<admin::CreateUser>(json),
        20 => body::<admin::ResetPassword>(json),
        21 => body::<admin::LayoutApply>(json),
        _ => body::<admin::BackupRequest>(json),
    }
}

/// A layout file as `spectrusctl layout apply` reads it (TOML, or JSON when the first byte
/// is odd): parsing must never panic, and a parsed layout must render back to TOML.
pub fn layout_file(data: &[u8]) {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    if let Ok(layout) = spectrusctl::layout::from_file_text(text, kind % 2 == 1) {
        let _ = spectrusctl::layout::to_toml_document(&layout);
    }
}

/// SDP from a client (a `voice_answer`): the SFU's own scan for header extensions, and the
/// WebRTC stack's parse of the answer. Neither may panic on any text.
pub fn sdp(data: &[u8]) {
    use rtc::peer_connection::sdp::RTCSessionDescription;
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = spectrus_sfu::sdp::extmap_id(text, spectrus_sfu::sdp::AUDIO_LEVEL_URI);
    if let Ok(answer) = RTCSessionDescription::answer(text.to_owned()) {
        let _ = answer.unmarshal();
    }
}

/// Message content as the daemon reads it for mentions (`<@id>`, `<@&id>`, `@everyone`).
pub fn mentions(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        spectrusd::domain::fuzz::mentions(text);
    }
}

/// Message content as the terminal client renders it (its markdown parser): someone else's
/// message must never crash a reader's client.
pub fn markdown(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let segments = spectrus_tui::ui::markdown::parse(text);
        assert!(
            segments.iter().map(|s| s.text.len()).sum::<usize>() <= text.len() * 4 + 16,
            "rendered text far longer than its source"
        );
    }
}

/// A search query (first line) and a message to highlight its terms in (the rest).
pub fn search_query(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        spectrusd::domain::fuzz::search_query(text);
    }
}

/// A plugin manifest as fetched from a plugin's repository.
pub fn plugin_manifest(data: &[u8]) {
    spectrusd::domain::fuzz::plugin_manifest(data);
}

/// A licence file as an operator installs it (`spectrusctl license install FILE`).
pub fn license_file(data: &[u8]) {
    spectrusd::domain::fuzz::license_file(data);
}

/// A UDP datagram from anyone to the SFU's port: its demultiplexer (STUN USERNAME), then the
/// WebRTC stack's parsers the datagram's kind leads to — a STUN message (ICE connectivity
/// checks), and RTP and RTCP as a peer's packets are read once SRTP has opened them.
pub fn ice_datagram(data: &[u8]) {
    use rtc::shared::marshal::Unmarshal;
    spectrus_sfu::fuzz::datagram(data);
    let mut stun = rtc::stun::message::Message::new();
    let _ = stun.unmarshal_binary(data);
    let _ = rtc::rtp::packet::Packet::unmarshal(&mut &data[..]);
    let _ = rtc::rtcp::packet::unmarshal(&mut &data[..]);
}
