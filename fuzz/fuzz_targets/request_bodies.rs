//! Every JSON request body the daemon takes (public API and admin socket): the first byte
//! picks the type, the rest is the body. Decoding must never panic, and what decodes must
//! encode again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde::Serialize;
use serde::de::DeserializeOwned;
use spectrus_proto::{admin, rest};

fn body<T: DeserializeOwned + Serialize>(json: &[u8]) {
    if let Ok(v) = serde_json::from_slice::<T>(json) {
        let text = serde_json::to_vec(&v).expect("a decoded body encodes");
        let _: T = serde_json::from_slice(&text).expect("an encoded body decodes");
    }
}

fuzz_target!(|data: &[u8]| {
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
});
