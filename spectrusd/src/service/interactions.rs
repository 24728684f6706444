//! Slash commands: the enabled plugins' commands (`GET /commands`), running one in a channel
//! (`POST /channels/{id}/interactions`: checked like posting, its options checked against
//! the command's declaration, POSTed signed to the plugin's webhook, which answers within
//! [`ANSWER_TIMEOUT`] with a message — posted by its bot — or a deferral), and a deferred
//! interaction's follow-ups (`POST /interactions/{id}/{token}/followup`), authorised by the
//! interaction's token alone.

use std::collections::BTreeMap;
use std::time::Duration;

use spectrus_proto::admin::{CommandOption, SlashCommand};
use spectrus_proto::interactions::{
    AvailableCommand, CommandInteraction, CommandList, InteractionMessage, InteractionResponse,
    InteractionResult, InteractionStatus, InvokeCommand, RESPONSE_DEFERRED, RESPONSE_MESSAGE,
    WEBHOOK_COMMAND,
};
use spectrus_proto::model::Message;
use spectrus_proto::rest::CreateMessage;
use spectrus_proto::{Id, Permission};

use crate::bots::delivery::PostError;
use crate::bots::interactions::Interaction;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store;

/// How long a plugin has to answer a command.
pub(crate) const ANSWER_TIMEOUT: Duration = Duration::from_secs(3);

/// The largest answer read from a plugin.
const MAX_ANSWER: usize = 64 * 1024;

/// An enabled plugin with a bot, as commands see it.
struct Offer {
    plugin: store::plugins::Row,
    bot_id: Id,
}

async fn offers(state: &AppState) -> Result<Vec<Offer>, ApiError> {
    let (plugins, bots) = state
        .store
        .read(|c| Ok::<_, store::StoreError>((store::plugins::list(c)?, store::plugins::bots(c)?)))
        .await?;
    Ok(plugins
        .into_iter()
        .filter(|p| p.enabled)
        .filter_map(|p| {
            let bot = bots.iter().find(|b| b.plugin_id == p.id)?;
            Some(Offer {
                bot_id: bot.user_id,
                plugin: p,
            })
        })
        .collect())
}

/// `GET /commands`: every enabled plugin's commands.
pub(crate) async fn list(state: &AppState) -> Result<CommandList, ApiError> {
    let mut commands = Vec::new();
    for o in offers(state).await? {
        for c in &o.plugin.manifest.commands {
            commands.push(AvailableCommand {
                plugin_id: o.plugin.id.clone(),
                plugin_name: o.plugin.manifest.name.clone(),
                bot_id: o.bot_id,
                name: c.name.clone(),
                description: c.description.clone(),
                options: c.options.clone(),
            });
        }
    }
    commands.sort_by(|a, b| a.name.cmp(&b.name).then(a.plugin_id.cmp(&b.plugin_id)));
    Ok(CommandList { commands })
}

/// `POST /channels/{id}/interactions`: runs `/command` for `user` in `channel`.
pub(crate) async fn invoke(
    state: &AppState,
    user: Id,
    channel: Id,
    req: InvokeCommand,
) -> Result<InteractionResult, ApiError> {
    state
        .access
        .require_in(user, channel, Permission::MessagesSend)?;
    let name = req.command.trim().trim_start_matches('/');
    let found = offers(state).await?.into_iter().find_map(|o| {
        let cmd = o
            .plugin
            .manifest
            .commands
            .iter()
            .find(|c| c.name == name)
            .cloned()?;
        Some((o, cmd))
    });
    let Some((offer, command)) = found else {
        return Err(ApiError::UnknownCommand(format!(
            "no installed plugin offers /{name}"
        )));
    };
    check_options(state, user, &command, &req.options)?;
    let who = state
        .store
        .read(move |c| store::users::by_id(c, user))
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    let id = state.ids.next();
    let token = crate::bots::new_token();
    let plugin_id = offer.plugin.id.clone();
    state.bots.interactions.insert(
        id,
        Interaction {
            plugin_id: plugin_id.clone(),
            bot_id: offer.bot_id,
            channel_id: channel,
        },
        &token,
    );
    let body = serde_json::to_vec(&CommandInteraction {
        kind: WEBHOOK_COMMAND,
        id,
        token,
        plugin_id: plugin_id.clone(),
        channel_id: channel,
        user: who.to_ref(),
        command: command.name.clone(),
        options: req.options,
    })
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    let answer = ask(state, &offer.plugin, id, body).await?;
    match answer.kind {
        RESPONSE_MESSAGE => {
            let content = answer.data.map(|d| d.content).unwrap_or_default();
            let message = post_as_bot(state, &plugin_id, offer.bot_id, channel, content).await?;
            Ok(InteractionResult {
                id,
                status: InteractionStatus::Answered,
                message: Some(message),
            })
        }
        RESPONSE_DEFERRED => Ok(InteractionResult {
            id,
            status: InteractionStatus::Deferred,
            message: None,
        }),
        other => Err(ApiError::PluginUnavailable(format!(
            "plugin {plugin_id:?} answered with type {other}; a command's answer is type 4 (a message) or 5 (deferred)"
        ))),
    }
}

/// POSTs the interaction to the plugin's webhook and reads its answer.
async fn ask(
    state: &AppState,
    plugin: &store::plugins::Row,
    id: Id,
    body: Vec<u8>,
) -> Result<InteractionResponse, ApiError> {
    let pid = &plugin.id;
    let unavailable = |why: String| {
        ApiError::PluginUnavailable(format!("plugin {pid:?} did not answer the command: {why}"))
    };
    let resp = state
        .bots
        .deliveries
        .poster()
        .post(
            &state.bots.signer,
            &plugin.manifest.webhook_url,
            "INTERACTION",
            &id.to_string(),
            body,
            ANSWER_TIMEOUT,
        )
        .await
        .map_err(|e| {
            unavailable(match e {
                PostError::Refused(r) => {
                    tracing::warn!(plugin = %pid, url = %plugin.manifest.webhook_url, error = %r,
                        "slash command not sent: set plugins.allow_private_webhooks to reach a plugin on this host or network");
                    format!("its webhook's address is refused ({r})")
                }
                e if e.is_timeout() => {
                    format!("no answer within {} s", ANSWER_TIMEOUT.as_secs())
                }
                _ => "its webhook cannot be reached".into(),
            })
        })?;
    let status = resp.status();
    if !status.is_success() {
        return Err(unavailable(format!(
            "its webhook answered HTTP {}",
            status.as_u16()
        )));
    }
    if resp.content_length().is_some_and(|n| n > MAX_ANSWER as u64) {
        return Err(unavailable("its answer is too large".into()));
    }
    let bytes = resp.bytes().await.map_err(|e| {
        unavailable(if e.is_timeout() {
            format!("no answer within {} s", ANSWER_TIMEOUT.as_secs())
        } else {
            "its answer was cut short".into()
        })
    })?;
    if bytes.len() > MAX_ANSWER {
        return Err(unavailable("its answer is too large".into()));
    }
    serde_json::from_slice(&bytes).map_err(|_| {
        unavailable("its answer is not an interaction response (JSON with \"type\")".into())
    })
}

/// Posts a plugin's message as its bot, with the bot's permissions.
async fn post_as_bot(
    state: &AppState,
    plugin_id: &str,
    bot: Id,
    channel: Id,
    content: String,
) -> Result<Message, ApiError> {
    let req = CreateMessage {
        content,
        reply_to: None,
        nonce: None,
    };
    match super::messages::post(state, bot, channel, req).await {
        Ok((m, _)) => Ok(m),
        Err(
            e @ (ApiError::NotFound(_) | ApiError::MissingPermission(_) | ApiError::Forbidden(_)),
        ) => Err(ApiError::PluginUnavailable(format!(
            "plugin {plugin_id:?}'s bot may not post in this channel ({e})"
        ))),
        Err(ApiError::Validation(f)) => Err(ApiError::PluginUnavailable(format!(
            "plugin {plugin_id:?} answered with a message that cannot be posted ({})",
            f.iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join("; ")
        ))),
        Err(e) => Err(e),
    }
}

/// `POST /interactions/{id}/{token}/followup`: the plugin's follow-up, posted by its bot in
/// the interaction's channel.
pub(crate) async fn followup(
    state: &AppState,
    id: Id,
    token: &str,
    msg: InteractionMessage,
) -> Result<Message, ApiError> {
    let i = state.bots.interactions.check(id, token).ok_or_else(|| {
        ApiError::InvalidToken(
            "this interaction token is not valid: unknown, for another interaction, or older than 15 minutes".into(),
        )
    })?;
    let req = CreateMessage {
        content: msg.content,
        reply_to: None,
        nonce: None,
    };
    Ok(super::messages::post(state, i.bot_id, i.channel_id, req)
        .await?
        .0)
}

/// Checks option values against the command's declaration: each required one present, no
/// unknown one, each of its type (`user`: a member's id, `channel`: a channel the member can
/// view, both as strings).
fn check_options(
    state: &AppState,
    user: Id,
    command: &SlashCommand,
    given: &BTreeMap<String, serde_json::Value>,
) -> Result<(), ApiError> {
    let bad = |m: String| Err(ApiError::InvalidOptions(m));
    for name in given.keys() {
        if !command.options.iter().any(|o| &o.name == name) {
            return bad(format!("/{} has no option {name:?}", command.name));
        }
    }
    for opt in &command.options {
        match given.get(&opt.name) {
            None | Some(serde_json::Value::Null) if opt.required => {
                return bad(format!(
                    "option {:?} of /{} is required",
                    opt.name, command.name
                ));
            }
            None | Some(serde_json::Value::Null) => {}
            Some(v) => {
                if let Err(why) = check_value(state, user, opt, v) {
                    return bad(format!("option {:?} {why}", opt.name));
                }
            }
        }
    }
    Ok(())
}

fn check_value(
    state: &AppState,
    user: Id,
    opt: &CommandOption,
    v: &serde_json::Value,
) -> Result<(), &'static str> {
    let id = || -> Option<Id> {
        match v {
            serde_json::Value::String(s) => s.parse::<u64>().ok().map(Id),
            _ => None,
        }
    };
    match opt.kind.as_str() {
        "string" if v.is_string() => Ok(()),
        "string" => Err("must be a string"),
        "integer" if v.is_i64() || v.is_u64() => Ok(()),
        "integer" => Err("must be an integer"),
        "boolean" if v.is_boolean() => Ok(()),
        "boolean" => Err("must be true or false"),
        "user" => match id() {
            Some(u) if state.access.is_member(u) => Ok(()),
            Some(_) => Err("names no member"),
            None => Err("must be a user id (a string of digits)"),
        },
        "channel" => match id() {
            Some(c) if state.access.can_view(user, c) => Ok(()),
            Some(_) => Err("names no channel you can see"),
            None => Err("must be a channel id (a string of digits)"),
        },
        _ => Err("has a type this server does not know"),
    }
}
