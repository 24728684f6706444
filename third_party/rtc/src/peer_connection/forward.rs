//! Spectrus patch (see third_party/README.md): sealing an RTP packet outside the pipeline,
//! and opening one.

use crate::peer_connection::RTCPeerConnection;
use shared::error::Result;
use shared::marshal::Unmarshal;
use shared::util::{match_srtcp, match_srtp};
use shared::{TaggedBytesMut, TransportContext};
use std::time::Instant;

impl RTCPeerConnection {
    /// The SRTP protection profile and master keys and salts (RFC 5764 §4.2) the DTLS
    /// handshake produced, once it has completed: for a forwarding server that protects and
    /// unprotects its media with contexts of its own. `None` before the handshake completed.
    pub fn srtp_master_keys(
        &self,
    ) -> Option<(srtp::protection_profile::ProtectionProfile, &srtp::config::SessionKeys)> {
        self.pipeline_context
            .dtls_handler_context
            .srtp_master_keys
            .as_ref()
            .map(|(p, k)| (*p, k))
    }

    /// The remote address of the selected ICE candidate pair (where media goes), if ICE has
    /// selected one.
    pub fn selected_remote_addr(&self) -> Option<std::net::SocketAddr> {
        self.pipeline_context
            .ice_handler_context
            .ice_transport
            .agent
            .get_selected_candidate_pair()
            .map(|(_, remote)| remote.addr())
    }

    /// Protects one RTP packet with this connection's outbound SRTP context and addresses it
    /// to the selected ICE candidate pair, without the handler pipeline or the interceptors.
    ///
    /// For a forwarding server that sends the same packet to many connections: `plaintext`
    /// is the marshalled packet and `header` its header. The packet is not seen by the
    /// interceptors (no sender-report or NACK bookkeeping) nor counted in the statistics.
    /// `Ok(None)` until ICE has a selected pair and DTLS has produced the SRTP keys.
    pub fn seal_rtp(
        &mut self,
        now: Instant,
        plaintext: &[u8],
        header: &rtp::header::Header,
    ) -> Result<Option<TaggedBytesMut>> {
        let ctx = &mut self.pipeline_context;
        let Some((local, remote)) = ctx
            .ice_handler_context
            .ice_transport
            .agent
            .get_selected_candidate_pair()
        else {
            return Ok(None);
        };
        let transport = TransportContext {
            local_addr: local.base_addr(),
            peer_addr: remote.addr(),
            transport_protocol: local.network_type().to_protocol(),
            ecn: None,
        };
        let Some(srtp) = ctx.srtp_handler_context.local_srtp_context.as_mut() else {
            return Ok(None);
        };
        let message = srtp.encrypt_rtp_with_header(plaintext, header)?;
        ctx.now = ctx.now.max(now);
        Ok(Some(TaggedBytesMut {
            now,
            transport,
            message,
        }))
    }

    /// Opens one SRTP packet received from the remote peer with this connection's inbound
    /// SRTP context and parses it, without the handler pipeline or the interceptors.
    ///
    /// For a forwarding server that has already seen the packet's SSRC go through
    /// [`RTCPeerConnection::handle_read`] (so the track is bound): the packet is not seen by
    /// the interceptors (no receiver-report bookkeeping: the caller keeps its own) nor
    /// counted in the statistics. `Ok(None)` if `datagram` is not SRTP (RTCP, STUN, DTLS
    /// all go to `handle_read`), or until ICE has a selected pair and DTLS has produced the
    /// SRTP keys. Errors are those of decryption (authentication, replay) and parsing.
    pub fn open_rtp(&mut self, now: Instant, datagram: &[u8]) -> Result<Option<rtp::Packet>> {
        if !match_srtp(datagram) {
            return Ok(None);
        }
        let ctx = &mut self.pipeline_context;
        if ctx
            .ice_handler_context
            .ice_transport
            .agent
            .get_selected_candidate_pair()
            .is_none()
        {
            return Ok(None);
        }
        let Some(srtp) = ctx.srtp_handler_context.remote_srtp_context.as_mut() else {
            return Ok(None);
        };
        let mut decrypted = srtp.decrypt_rtp(datagram)?;
        let packet = rtp::Packet::unmarshal(&mut decrypted)?;
        ctx.now = ctx.now.max(now);
        Ok(Some(packet))
    }

    /// Opens one SRTCP packet received from the remote peer with this connection's inbound
    /// SRTP context and parses its RTCP packets, without the handler pipeline or the
    /// interceptors (for a caller that keeps its own reception statistics: the pipeline's
    /// endpoint would drop a sender report whose SSRC it cannot tie to a track).
    /// `Ok(None)` if `datagram` is not SRTCP, or until ICE has a selected pair and DTLS has
    /// produced the SRTP keys. Errors are those of decryption and parsing.
    pub fn open_rtcp(
        &mut self,
        now: Instant,
        datagram: &[u8],
    ) -> Result<Option<Vec<Box<dyn rtcp::Packet>>>> {
        if !match_srtcp(datagram) {
            return Ok(None);
        }
        let ctx = &mut self.pipeline_context;
        if ctx
            .ice_handler_context
            .ice_transport
            .agent
            .get_selected_candidate_pair()
            .is_none()
        {
            return Ok(None);
        }
        let Some(srtp) = ctx.srtp_handler_context.remote_srtp_context.as_mut() else {
            return Ok(None);
        };
        let mut decrypted = srtp.decrypt_rtcp(datagram)?;
        let packets = rtcp::packet::unmarshal(&mut decrypted)?;
        ctx.now = ctx.now.max(now);
        Ok(Some(packets))
    }
}
