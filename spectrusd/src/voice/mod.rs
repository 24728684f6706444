//! Voice: the in-process SFU (`spectrus-sfu`, one UDP port) and the registry of who is in
//! which voice channel; below `service`, beside the event bus.
//!
//! - [`VoiceService`] (in `AppState`) owns the SFU handle and the [`registry`] of who is in
//!   which voice channel, and turns changes into `VOICE_STATE_UPDATE` dispatches.
//! - The use cases on top (the gateway's voice ops, moderation, the task draining the SFU's
//!   events) are in `service::voice`.
//!
//! A voice session is tied to the gateway session that joined: it ends when that session
//! ends for good (removed, revoked, kicked, banned, reaped after the resume window) or when
//! the client closes its socket with a close frame. An abrupt drop keeps the member in voice
//! (media flows on UDP regardless) so a resume continues seamlessly; an unanswered offer is
//! sent again on resume. If the client does not resume within `voice.drop_grace_ms` (3 s by
//! default: a killed or quit client), the member leaves voice (`service::sessions`); the
//! gateway session stays resumable for its whole window.

pub(crate) mod registry;

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::{Mutex, MutexGuard};

use spectrus_proto::Id;
use spectrus_proto::gateway::{Dispatch, Speaking};
use spectrus_proto::model::VoiceState;
use spectrus_proto::permissions::Permission;
use spectrus_proto::rest::VoiceStatus;
use spectrus_sfu::{Sfu, SfuConfig, SfuEvent};
use tokio::sync::mpsc;

use crate::access::Access;
use crate::bus::{Audience, Hub};
use crate::config::VoiceConfig;
use registry::{Participant, Registry};

/// The voice service; see the module comment.
/// The voice port could not be bound: the daemon refuses to start, saying what to do.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot use UDP {udp} for voice ({reason}): free the port, set voice.udp \
     (SPECTRUS_VOICE_UDP) to another port, or set voice.enabled = false \
     (SPECTRUS_VOICE_ENABLED=false) to run without voice"
)]
pub(crate) struct VoiceStartError {
    udp: SocketAddr,
    reason: String,
}

pub(crate) struct VoiceService {
    sfu: Option<Sfu>,
    registry: Mutex<Registry>,
    refresh_tx: mpsc::UnboundedSender<Id>,
    refresh_rx: Mutex<Option<mpsc::UnboundedReceiver<Id>>>,
}

/// What the SFU task (`service::voice::events::spawn`) needs.
pub(crate) struct VoiceEvents(Option<mpsc::Receiver<SfuEvent>>);

/// The address to announce when bound to an unspecified address and none is configured:
/// the source address of the default route (no packet is sent).
fn default_route_ip() -> Option<IpAddr> {
    let s = UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("192.0.2.1:9").ok()?;
    let ip = s.local_addr().ok()?.ip();
    (!ip.is_unspecified()).then_some(ip)
}

impl VoiceService {
    /// Starts the SFU when voice is enabled. A bind failure disables voice with an error in
    /// the log rather than stopping the daemon (chat keeps working).
    ///
    /// A voice port that cannot be bound is an error (the daemon does not start: an operator
    /// must never miss that voice is off); `voice.enabled = false` starts without voice.
    pub(crate) async fn start(
        cfg: &VoiceConfig,
    ) -> Result<(VoiceService, VoiceEvents), VoiceStartError> {
        let (refresh_tx, refresh_rx) = mpsc::unbounded_channel();
        let mut svc = VoiceService {
            sfu: None,
            registry: Mutex::new(Registry::default()),
            refresh_tx,
            refresh_rx: Mutex::new(Some(refresh_rx)),
        };
        if !cfg.enabled {
            tracing::warn!("voice is disabled (voice.enabled = false): chat only");
            return Ok((svc, VoiceEvents(None)));
        }
        let mut sfu_cfg = SfuConfig::new(cfg.udp);
        sfu_cfg.announced_ip = cfg.announced_ip;
        if sfu_cfg.announced_ip.is_none() && cfg.udp.ip().is_unspecified() {
            match default_route_ip() {
                Some(ip) => {
                    tracing::warn!(
                        %ip,
                        "voice.announced_ip is not set: announcing the default route's address; set SPECTRUS_ANNOUNCED_IP to the address clients reach (the public IP behind NAT)"
                    );
                    sfu_cfg.announced_ip = Some(ip);
                }
                None => {
                    tracing::error!(
                        udp = %cfg.udp,
                        "voice disabled: bound to an unspecified address, no voice.announced_ip (SPECTRUS_ANNOUNCED_IP) and no default route to guess one from"
                    );
                    return Ok((svc, VoiceEvents(None)));
                }
            }
        }
        match Sfu::start(sfu_cfg).await {
            Ok((sfu, events)) => {
                tracing::info!(udp = %sfu.local_addr(), "voice SFU listening (open this one UDP port)");
                svc.sfu = Some(sfu);
                Ok((svc, VoiceEvents(Some(events))))
            }
            Err(e) => Err(VoiceStartError {
                udp: cfg.udp,
                reason: e.to_string().lines().next().unwrap_or_default().to_owned(),
            }),
        }
    }

    /// Enabled with the bound address, or disabled: for `/healthz` and `spectrusctl status`.
    pub(crate) fn status(&self) -> VoiceStatus {
        VoiceStatus {
            enabled: self.sfu.is_some(),
            udp: self.sfu.as_ref().map(|s| s.local_addr().to_string()),
        }
    }

    /// Whether voice is available.
    pub(crate) fn enabled(&self) -> bool {
        self.sfu.is_some()
    }

    pub(crate) fn sfu(&self) -> Option<&Sfu> {
        self.sfu.as_ref()
    }

    pub(crate) fn registry(&self) -> MutexGuard<'_, Registry> {
        self.registry.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Asks the voice task to re-apply `user`'s permissions now (timeouts, roles).
    pub(crate) fn refresh_user(&self, user: Id) {
        let _ = self.refresh_tx.send(user);
    }

    pub(crate) fn take_refresh(&self) -> Option<mpsc::UnboundedReceiver<Id>> {
        self.refresh_rx
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    /// Every voice state `user` may see (for `ready`).
    pub(crate) fn states_for(&self, access: &Access, user: Id) -> Vec<VoiceState> {
        self.registry()
            .participants()
            .filter(|p| access.can_view(user, p.channel))
            .map(state_of)
            .collect()
    }

    /// Sends `user` (all their sessions) a `SPEAKING` for everyone speaking now in a channel
    /// they can see (only `channel` when given): what they missed before connecting or
    /// joining.
    pub(crate) fn send_speakers(&self, hub: &Hub, access: &Access, user: Id, channel: Option<Id>) {
        let speaking: Vec<(Id, Id)> = self
            .registry()
            .participants()
            .filter(|p| p.speaking && p.user != user)
            .filter(|p| channel.is_none_or(|c| c == p.channel))
            .filter(|p| access.can_view(user, p.channel))
            .map(|p| (p.user, p.channel))
            .collect();
        for (user_id, channel_id) in speaking {
            hub.publish(
                Dispatch::Speaking(Speaking {
                    user_id,
                    channel_id,
                    speaking: true,
                }),
                Audience::User(user),
            );
        }
    }

    /// Puts back the moderators' flags the store kept (`(user, mute, deaf)`), at startup.
    pub(crate) fn restore_moderation(&self, flags: Vec<(Id, bool, bool)>) {
        let mut reg = self.registry();
        for (user, mute, deaf) in flags {
            reg.set_moderation(user, registry::Moderation { mute, deaf });
        }
    }

    /// `(participants, rooms)`.
    pub(crate) fn counts(&self) -> (usize, usize) {
        self.registry().counts()
    }

    /// The voice state of `user` (not in voice: `channel_id: null`, moderator flags).
    pub(crate) fn state_of_user(&self, user: Id) -> VoiceState {
        let reg = self.registry();
        match reg.by_user(user) {
            Some(p) => state_of(p),
            None => {
                let m = reg.moderation(user);
                VoiceState {
                    user_id: user,
                    channel_id: None,
                    self_mute: false,
                    self_deaf: false,
                    mute: m.mute,
                    deaf: m.deaf,
                }
            }
        }
    }

    /// Takes `user` out of voice (no-op when not in voice) and tells the channel.
    pub(crate) async fn leave_user(&self, hub: &Hub, user: Id) {
        let p = self.registry().remove_user(user);
        if let Some(p) = p {
            self.finish_leave(hub, p).await;
        }
    }

    /// Ends the voice session joined through gateway session `session_id`, if any.
    pub(crate) async fn session_ended(&self, hub: &Hub, session_id: &str) {
        let user = self.registry().by_session(session_id).map(|p| p.user);
        if let Some(user) = user {
            tracing::debug!(%user, "gateway session ended: leaving voice");
            self.leave_user(hub, user).await;
        }
    }

    /// After a gateway resume: re-send an offer the client may have missed.
    pub(crate) fn resumed(&self, hub: &Hub, session_id: &str) {
        let reg = self.registry();
        if let Some(p) = reg.by_session(session_id)
            && let Some(offer) = &p.pending_offer
        {
            hub.send_raw(&p.slot, offer.clone());
        }
    }

    async fn finish_leave(&self, hub: &Hub, p: Participant) {
        if let Some(sfu) = &self.sfu {
            sfu.leave(p.pid).await;
        }
        dispatch_left(hub, &p);
    }
}

/// The public voice state of a participant.
pub(crate) fn state_of(p: &Participant) -> VoiceState {
    VoiceState {
        user_id: p.user,
        channel_id: Some(p.channel),
        self_mute: p.self_mute,
        self_deaf: p.self_deaf,
        mute: p.mute,
        deaf: p.deaf,
    }
}

/// `VOICE_STATE_UPDATE` with the participant's current state, to those who see its channel.
pub(crate) fn dispatch_state(hub: &Hub, p: &Participant) {
    hub.publish(
        Dispatch::VoiceStateUpdate(state_of(p)),
        Audience::Channel(p.channel),
    );
}

/// `VOICE_STATE_UPDATE` with `channel_id: null`, to those who saw the channel it left.
pub(crate) fn dispatch_left(hub: &Hub, p: &Participant) {
    let mut s = state_of(p);
    s.channel_id = None;
    hub.publish(Dispatch::VoiceStateUpdate(s), Audience::Channel(p.channel));
}

/// Whether `user` is server-muted in `channel`: by a moderator, or lacking `voice:speak`
/// there (a timeout removes it).
pub(crate) fn effective_mute(access: &Access, reg: &Registry, user: Id, channel: Id) -> bool {
    reg.moderation(user).mute
        || !access
            .channel_permissions(user, channel)
            .is_some_and(|p| p.contains(Permission::VoiceSpeak))
}

impl VoiceEvents {
    pub(crate) fn take(self) -> Option<mpsc::Receiver<SfuEvent>> {
        self.0
    }
}
