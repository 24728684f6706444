//! The media configuration the SFU offers (Opus with the room's bitrate, RFC 6464 audio
//! level) and the little SDP reading the SFU needs.

use rtc::peer_connection::configuration::media_engine::{MIME_TYPE_OPUS, MediaEngine};
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodecParameters, RTCRtpHeaderExtensionCapability, RtpCodecKind,
};

/// RFC 6464 client-to-mixer audio level header extension.
pub const AUDIO_LEVEL_URI: &str = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";
/// The payload type the SFU offers Opus under.
pub(crate) const OPUS_PAYLOAD_TYPE: u8 = 111;
/// Bitrate offered when the join does not say.
pub const DEFAULT_BITRATE: u32 = 64_000;

/// The Opus codec, with `maxaveragebitrate` set to `bitrate`.
pub(crate) fn opus_codec(bitrate: u32) -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_OPUS.to_owned(),
        clock_rate: 48_000,
        channels: 2,
        sdp_fmtp_line: format!("minptime=10;useinbandfec=1;maxaveragebitrate={bitrate}"),
        rtcp_feedback: vec![],
    }
}

/// A media engine that knows only Opus and the audio level extension.
pub(crate) fn media_engine(bitrate: u32) -> Result<MediaEngine, rtc::shared::error::Error> {
    let mut me = MediaEngine::default();
    me.register_codec(
        RTCRtpCodecParameters {
            rtp_codec: opus_codec(bitrate),
            payload_type: OPUS_PAYLOAD_TYPE,
        },
        RtpCodecKind::Audio,
    )?;
    me.register_header_extension(
        RTCRtpHeaderExtensionCapability {
            uri: AUDIO_LEVEL_URI.to_owned(),
        },
        RtpCodecKind::Audio,
        None,
    )?;
    Ok(me)
}

/// The id an SDP maps `uri` to (`a=extmap:<id>[/dir] <uri>`), if any.
pub fn extmap_id(sdp: &str, uri: &str) -> Option<u8> {
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

    #[test]
    fn finds_extmap() {
        let sdp = "v=0\r\na=extmap:3 urn:x\r\na=extmap:5/sendrecv urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n";
        assert_eq!(extmap_id(sdp, AUDIO_LEVEL_URI), Some(5));
        assert_eq!(extmap_id(sdp, "urn:x"), Some(3));
        assert_eq!(extmap_id(sdp, "urn:y"), None);
        assert_eq!(extmap_id("a=extmap:zz urn:x", "urn:x"), None);
    }
}
