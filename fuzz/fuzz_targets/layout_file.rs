//! A layout file as `spectrusctl layout apply` reads it (TOML, or JSON when the first byte
//! is odd): parsing must never panic, and a parsed layout must render back to TOML.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&kind, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    if let Ok(layout) = spectrusctl::layout::from_file_text(text, kind % 2 == 1) {
        let _ = spectrusctl::layout::to_toml_document(&layout);
    }
});
