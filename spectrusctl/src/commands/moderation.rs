//! `members`, `voice` and `messages`: moderation from the command line, through the same
//! use cases (and audit entries) as the moderators' own clients.

use hyper::Method;
use spectrus_proto::admin::{
    KickRequest, ModerateMember, ModerateVoice, PurgeRequest, PurgeResult,
};
use spectrus_proto::model::{Channel, Member, VoiceState};
use time::OffsetDateTime;

use crate::cli::{MembersCommand, MessagesCommand, VoiceCommand, VoiceTarget};
use crate::commands::Ctx;
use crate::error::Result;
use crate::transport::{decode, segment};

/// Runs one `members` subcommand.
pub async fn members(cmd: &MembersCommand, ctx: &mut Ctx<'_>) -> Result<()> {
    match cmd {
        MembersCommand::Kick { user, reason } => {
            let route = format!("/members/{}/kick", segment(user));
            let body = KickRequest {
                reason: reason.clone(),
            };
            let value = ctx.client.call(Method::POST, &route, Some(&body)).await?;
            ctx.out
                .either(&value, |out| out.line(format!("kicked {user}")))
        }
        MembersCommand::Timeout {
            user,
            duration,
            reason,
        } => {
            let until = duration.until(OffsetDateTime::now_utc());
            let body = ModerateMember {
                timeout_until: Some(until),
                reason: reason.clone(),
                ..Default::default()
            };
            let member = patch_member(ctx, user, &body).await?;
            if let Some(m) = member {
                let line = match m.timeout_until {
                    Some(t) => format!("{user} is timed out until {t}"),
                    None => format!("{user} is no longer timed out"),
                };
                ctx.out.line(line)?;
            }
            Ok(())
        }
        MembersCommand::Nick {
            user,
            nick,
            clear: _,
            reason,
        } => {
            let body = ModerateMember {
                nick: Some(nick.clone()),
                reason: reason.clone(),
                ..Default::default()
            };
            if let Some(m) = patch_member(ctx, user, &body).await? {
                let line = match m.nick {
                    Some(n) => format!("{user} is now called {n:?}"),
                    None => format!("{user} has no nickname now"),
                };
                ctx.out.line(line)?;
            }
            Ok(())
        }
    }
}

/// `PATCH /members/{user}`: prints the JSON with `--json` (answering `None`), else answers
/// the member for a sentence.
async fn patch_member(
    ctx: &mut Ctx<'_>,
    user: &str,
    body: &ModerateMember,
) -> Result<Option<Member>> {
    let route = format!("/members/{}", segment(user));
    let value = ctx.client.call(Method::PATCH, &route, Some(body)).await?;
    if ctx.out.is_json() {
        ctx.out.json(&value)?;
        return Ok(None);
    }
    Ok(Some(decode(value)?))
}

/// Runs one `voice` subcommand.
pub async fn voice(cmd: &VoiceCommand, ctx: &mut Ctx<'_>) -> Result<()> {
    let (target, body, done) = match cmd {
        VoiceCommand::Mute(t) => (t.user.as_str(), flags(t, Some(true), None), "muted"),
        VoiceCommand::Unmute(t) => (t.user.as_str(), flags(t, Some(false), None), "unmuted"),
        VoiceCommand::Deafen(t) => (t.user.as_str(), flags(t, None, Some(true)), "deafened"),
        VoiceCommand::Undeafen(t) => (t.user.as_str(), flags(t, None, Some(false)), "undeafened"),
        VoiceCommand::Move {
            user,
            channel,
            reason,
        } => (
            user.as_str(),
            ModerateVoice {
                channel: Some(Some(channel.clone())),
                reason: reason.clone(),
                ..Default::default()
            },
            "moved",
        ),
        VoiceCommand::Disconnect(t) => (
            t.user.as_str(),
            ModerateVoice {
                channel: Some(None),
                reason: t.reason.clone(),
                ..Default::default()
            },
            "disconnected",
        ),
    };
    let route = format!("/voice/{}", segment(target));
    let value = ctx.client.call(Method::PATCH, &route, Some(&body)).await?;
    if ctx.out.is_json() {
        return ctx.out.json(&value);
    }
    let state: VoiceState = decode(value)?;
    let now = match (state.channel_id, state.mute, state.deaf) {
        (None, ..) => "not in voice".to_owned(),
        (Some(ch), mute, deaf) => {
            let channels: Vec<Channel> = ctx.client.get_as("/channels").await?;
            let name = channels
                .iter()
                .find(|c| c.id == ch)
                .map_or_else(|| ch.to_string(), |c| c.name.clone());
            let mut s = format!("in {name}");
            if mute {
                s.push_str(", server-muted");
            }
            if deaf {
                s.push_str(", server-deafened");
            }
            s
        }
    };
    ctx.out.line(format!("{done} {target} (now {now})"))
}

fn flags(t: &VoiceTarget, mute: Option<bool>, deaf: Option<bool>) -> ModerateVoice {
    ModerateVoice {
        mute,
        deaf,
        channel: None,
        reason: t.reason.clone(),
    }
}

/// Runs one `messages` subcommand.
pub async fn messages(cmd: &MessagesCommand, ctx: &mut Ctx<'_>) -> Result<()> {
    match cmd {
        MessagesCommand::Purge(a) => {
            let body = PurgeRequest {
                user: a.user.clone(),
                since: a
                    .since
                    .as_ref()
                    .map(|s| s.to_rfc3339(OffsetDateTime::now_utc())),
                reason: a.reason.clone(),
            };
            let route = format!("/channels/{}/purge", segment(&a.channel));
            let value = ctx.client.call(Method::POST, &route, Some(&body)).await?;
            if ctx.out.is_json() {
                return ctx.out.json(&value);
            }
            let r: PurgeResult = decode(value)?;
            let noun = if r.deleted == 1 {
                "message"
            } else {
                "messages"
            };
            ctx.out
                .line(format!("deleted {} {noun} from {}", r.deleted, a.channel))
        }
    }
}
