//! The client's WebRTC peer connection (the `webrtc` 0.21 crate, which runs its own socket
//! and driver task): always the answerer. It carries one local Opus track and receives one
//! remote track per other participant; remote RTP is handed to the receive
//! state ([`crate::shared`]), ICE candidates and connection state to the engine's signal channel.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::configuration::media_engine::{MIME_TYPE_OPUS, MediaEngine};
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodecParameters, RTCRtpCodingParameters, RTCRtpEncodingParameters,
    RTCRtpHeaderExtensionCapability, RtpCodecKind,
};
use tokio::sync::mpsc;
use webrtc::media_stream::track_local::static_rtp::TrackLocalStaticRTP;
use webrtc::media_stream::track_remote::{TrackRemote, TrackRemoteEvent};
use webrtc::peer_connection::{
    PeerConnection, PeerConnectionBuilder, PeerConnectionEventHandler, RTCConfigurationBuilder,
    RTCIceCandidateInit, RTCPeerConnectionIceEvent, RTCPeerConnectionState, RTCSessionDescription,
    Registry, SettingEngineBuilder,
};

use crate::sdp::speaker_of;
use crate::shared::Shared;
use crate::signal::EngineSignal;
use crate::{AUDIO_LEVEL_URI, VoiceError};

/// The Opus codec the client accepts (the SFU's offer adds `maxaveragebitrate`).
pub(crate) fn opus_codec() -> RTCRtpCodec {
    RTCRtpCodec {
        mime_type: MIME_TYPE_OPUS.to_owned(),
        clock_rate: 48_000,
        channels: 2,
        sdp_fmtp_line: "minptime=10;useinbandfec=1".to_owned(),
        rtcp_feedback: vec![],
    }
}

fn media_engine() -> Result<MediaEngine, VoiceError> {
    let mut me = MediaEngine::default();
    me.register_codec(
        RTCRtpCodecParameters {
            rtp_codec: opus_codec(),
            payload_type: 111,
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

struct Handler {
    shared: Arc<Shared>,
    signals: mpsc::Sender<EngineSignal>,
}

#[async_trait::async_trait]
impl PeerConnectionEventHandler for Handler {
    async fn on_ice_candidate(&self, event: RTCPeerConnectionIceEvent) {
        match event.candidate.to_json() {
            Ok(init) => {
                let _ = self
                    .signals
                    .send(EngineSignal::Candidate {
                        candidate: init.candidate,
                        sdp_mid: init.sdp_mid,
                        sdp_mline_index: init.sdp_mline_index,
                    })
                    .await;
            }
            Err(e) => tracing::debug!(error = %e, "unusable local candidate"),
        }
    }

    async fn on_connection_state_change(&self, state: RTCPeerConnectionState) {
        tracing::debug!(%state, "voice connection state");
        self.shared.connected.store(
            state == RTCPeerConnectionState::Connected,
            Ordering::Relaxed,
        );
        let _ = self
            .signals
            .send(EngineSignal::ConnectionState(state.to_string()))
            .await;
    }

    async fn on_track(&self, track: Arc<dyn TrackRemote>) {
        let stream_id = track.stream_id().await;
        let ssrc = track.ssrcs().await.first().copied().unwrap_or_default();
        let speaker = speaker_of(&stream_id).unwrap_or(u64::from(ssrc) | (1 << 63));
        tracing::debug!(speaker, ssrc, %stream_id, "remote track");
        let shared = self.shared.clone();
        let generation = self.shared.next_generation();
        let task = tokio::spawn(async move {
            while let Some(event) = track.poll().await {
                match event {
                    TrackRemoteEvent::OnRtpPacket(packet) => shared.receive(speaker, packet),
                    TrackRemoteEvent::OnEnded => break,
                    _ => {}
                }
            }
            shared.track_ended(speaker, generation);
        });
        self.shared.add_track_task(speaker, generation, task);
    }
}

/// The answering peer connection and its local track.
pub(crate) struct ClientPeer {
    pub pc: Arc<dyn PeerConnection>,
    pub track: Arc<TrackLocalStaticRTP>,
    pub ssrc: u32,
}

impl ClientPeer {
    pub(crate) async fn new(
        udp_addrs: Vec<String>,
        shared: Arc<Shared>,
        signals: mpsc::Sender<EngineSignal>,
    ) -> Result<Self, VoiceError> {
        let handler = Arc::new(Handler { shared, signals });
        let pc = PeerConnectionBuilder::new()
            .with_configuration(RTCConfigurationBuilder::new().build())
            .with_media_engine(media_engine()?)
            // No interceptors: the engine sends its own compound reports (crate::reports).
            .with_interceptor_registry(Registry::new())
            .with_setting_engine(SettingEngineBuilder::new().build())
            .with_handler(handler)
            .with_udp_addrs(udp_addrs)
            .build()
            .await?;
        let pc: Arc<dyn PeerConnection> = Arc::new(pc);
        let ssrc: u32 = rand::random();
        let track = Arc::new(TrackLocalStaticRTP::new(MediaStreamTrack::new(
            format!("spectrus-local-{ssrc}"),
            format!("audio-{ssrc}"),
            "microphone".to_owned(),
            RtpCodecKind::Audio,
            vec![RTCRtpEncodingParameters {
                rtp_coding_parameters: RTCRtpCodingParameters {
                    ssrc: Some(ssrc),
                    ..Default::default()
                },
                codec: opus_codec(),
                ..Default::default()
            }],
        )));
        pc.add_track(track.clone()).await?;
        Ok(Self { pc, track, ssrc })
    }

    /// Apply an offer and return the answer SDP.
    pub(crate) async fn answer(&self, offer_sdp: String) -> Result<String, VoiceError> {
        let offer = RTCSessionDescription::offer(offer_sdp)?;
        self.pc.set_remote_description(offer).await?;
        let answer = self.pc.create_answer(None).await?;
        self.pc.set_local_description(answer).await?;
        self.pc
            .local_description()
            .await
            .map(|d| d.sdp)
            .ok_or_else(|| VoiceError::WebRtc("no local description after answer".into()))
    }

    pub(crate) async fn add_candidate(
        &self,
        candidate: String,
        sdp_mid: Option<String>,
        sdp_mline_index: Option<u16>,
    ) -> Result<(), VoiceError> {
        self.pc
            .add_ice_candidate(RTCIceCandidateInit {
                candidate,
                sdp_mid,
                sdp_mline_index,
                ..Default::default()
            })
            .await?;
        Ok(())
    }
}
