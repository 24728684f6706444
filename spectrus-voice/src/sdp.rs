//! What the client reads from the SFU's offers and its own answers: the Opus payload type
//! and bitrate, the audio-level extension id, and which participants a section carries.

/// The participant id of a remote track, from its msid stream id `spectrus-<id>`.
pub(crate) fn speaker_of(stream_id: &str) -> Option<u64> {
    stream_id.strip_prefix("spectrus-")?.parse().ok()
}

/// The speakers an offer sends to us: msid `spectrus-<id>` in a `sendonly`/`sendrecv` section.
pub(crate) fn offered_speakers(sdp: &str) -> Vec<u64> {
    let mut speakers = Vec::new();
    for section in sdp.split("\nm=").skip(1) {
        let sending = section.lines().any(|l| {
            let l = l.trim();
            l == "a=sendonly" || l == "a=sendrecv"
        });
        if !sending {
            continue;
        }
        if let Some(id) = section.lines().find_map(|l| {
            let msid = l.trim().strip_prefix("a=msid:")?;
            speaker_of(msid.split_whitespace().next()?)
        }) {
            speakers.push(id);
        }
    }
    speakers
}

/// Pull a number after `key` in an SDP.
pub(crate) fn sdp_number(sdp: &str, key: &str) -> Option<u32> {
    let start = sdp.find(key)? + key.len();
    let digits: String = sdp[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The payload type the SDP maps to Opus at 48 kHz.
pub(crate) fn opus_payload_type(sdp: &str) -> Option<u8> {
    sdp.lines().find_map(|l| {
        let rest = l.trim().strip_prefix("a=rtpmap:")?;
        let (pt, codec) = rest.split_once(' ')?;
        if codec.to_ascii_lowercase().starts_with("opus/48000") {
            pt.parse().ok()
        } else {
            None
        }
    })
}

/// The id of header extension `uri` in the SDP.
pub(crate) fn extmap_id(sdp: &str, uri: &str) -> Option<u8> {
    sdp.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("a=extmap:")?;
        let (id, ext_uri) = rest.split_once(' ')?;
        if ext_uri.split_whitespace().next()? != uri {
            return None;
        }
        id.split('/').next()?.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AUDIO_LEVEL_URI;

    #[test]
    fn parses_speaker_ids() {
        assert_eq!(speaker_of("spectrus-42"), Some(42));
        assert_eq!(speaker_of("spectrus-x"), None);
        assert_eq!(speaker_of("other"), None);
    }

    #[test]
    fn finds_offered_speakers() {
        let sdp = "v=0\r\nm=audio 9 x 111\r\na=recvonly\r\nm=audio 9 x 111\r\na=sendonly\r\na=msid:spectrus-7 t\r\nm=audio 9 x 111\r\na=inactive\r\na=msid:spectrus-8 t\r\nm=audio 9 x 111\r\na=msid:spectrus-9 t\r\na=sendrecv\r\n";
        assert_eq!(offered_speakers(sdp), vec![7, 9]);
    }

    #[test]
    fn sdp_helpers() {
        let sdp = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;maxaveragebitrate=24000\r\na=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n";
        assert_eq!(sdp_number(sdp, "maxaveragebitrate="), Some(24_000));
        assert_eq!(opus_payload_type(sdp), Some(111));
        assert_eq!(extmap_id(sdp, AUDIO_LEVEL_URI), Some(1));
        assert_eq!(sdp_number("", "x="), None);
    }
}
