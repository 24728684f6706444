//! The REST effects: one request each, its answer (or failure) fed back as an action.

use std::sync::Arc;

use spectrus_client::HistoryQuery;
use spectrus_proto::interactions::InvokeCommand;
use spectrus_proto::rest::{CreateInvite, CreateMessage, PatchMember};

use super::Ctx;
use super::session::{Link, human};
use crate::action::Action;
use crate::effect::Effect;

/// Carries out one REST effect on `link`'s server. `effect` must be one of the REST kinds;
/// anything else is ignored.
pub async fn run(ctx: Arc<Ctx>, link: Link, effect: Effect) {
    let c = &link.client;
    let server = link.server;
    let failed = |what: &str, e: &spectrus_client::ClientError| Action::RequestFailed {
        server,
        what: what.into(),
        error: human(e),
    };
    let result = match effect {
        Effect::ProbeServer { .. } => match c.server().await {
            Ok(info) => Some(Action::ServerProbed { server, info }),
            Err(e) => {
                tracing::info!(url = %link.url, "probing the server: {e}");
                None
            }
        },
        Effect::SendMessage {
            channel,
            content,
            reply_to,
            nonce,
            ..
        } => {
            let req = CreateMessage {
                content,
                reply_to,
                nonce: Some(nonce.clone()),
            };
            // The message itself comes back as MESSAGE_CREATE with the nonce.
            c.send_message(channel, &req)
                .await
                .err()
                .map(|e| Action::SendFailed {
                    server,
                    nonce,
                    error: human(&e),
                })
        }
        Effect::EditMessage {
            channel,
            message,
            content,
            ..
        } => c
            .edit_message(channel, message, &content)
            .await
            .err()
            .map(|e| failed("edit", &e)),
        Effect::DeleteMessage {
            channel, message, ..
        } => c
            .delete_message(channel, message)
            .await
            .err()
            .map(|e| failed("delete", &e)),
        Effect::FetchHistory {
            channel,
            before,
            limit,
            ..
        } => {
            let q = HistoryQuery {
                before,
                limit: Some(u32::try_from(limit).unwrap_or(u32::MAX)),
                ..Default::default()
            };
            Some(match c.messages(channel, q).await {
                Ok(messages) => Action::HistoryLoaded {
                    server,
                    channel,
                    before,
                    messages,
                },
                Err(e) => Action::HistoryFailed {
                    server,
                    channel,
                    error: human(&e),
                },
            })
        }
        Effect::Search { query, .. } => Some(
            match c
                .search_messages(&spectrus_client::SearchQuery::text(&query))
                .await
            {
                Ok(r) => Action::Found {
                    server,
                    title: format!("search: {query}"),
                    total: r.total,
                    messages: r.messages.into_iter().map(|h| h.message).collect(),
                },
                Err(e) => Action::RequestFailed {
                    server,
                    what: "search".into(),
                    error: human(&e),
                },
            },
        ),
        Effect::FetchPins { channel, .. } => Some(match c.pins(channel).await {
            Ok(messages) => Action::Found {
                server,
                title: "pinned messages".into(),
                total: messages.len() as u64,
                messages,
            },
            Err(e) => Action::RequestFailed {
                server,
                what: "pins".into(),
                error: human(&e),
            },
        }),
        Effect::FetchCommands { .. } => match c.commands().await {
            Ok(list) => Some(Action::CommandsLoaded {
                server,
                commands: list.commands,
            }),
            Err(e) => {
                // A server without plugins (or older than them): no plugin commands.
                tracing::info!("loading slash commands: {e}");
                None
            }
        },
        Effect::InvokeCommand {
            channel,
            command,
            options,
            plugin,
            bot,
            ..
        } => {
            let req = InvokeCommand {
                command: command.clone(),
                options,
            };
            let result = c
                .invoke_command(channel, &req)
                .await
                .map_err(|e| (e.code().map(str::to_owned), human(&e)));
            Some(Action::CommandRan {
                server,
                channel,
                command,
                plugin,
                bot,
                result,
            })
        }
        Effect::OpenDm { user, .. } => Some(match c.open_dm(&[user]).await {
            Ok(channel) => Action::DmOpened { server, channel },
            Err(e) => failed("direct message", &e),
        }),
        Effect::Ack {
            channel, message, ..
        } => {
            if let Err(e) = c.ack(channel, message).await {
                tracing::info!("ack failed: {e}");
            }
            None
        }
        Effect::SendTyping { channel, .. } => {
            if let Err(e) = c.typing(channel).await {
                tracing::debug!("typing failed: {e}");
            }
            None
        }
        Effect::React {
            channel,
            message,
            emoji,
            add,
            ..
        } => {
            let r = if add {
                c.react(channel, message, &emoji).await
            } else {
                c.unreact(channel, message, &emoji).await
            };
            r.err().map(|e| failed("reaction", &e))
        }
        Effect::SetNick { nick, .. } => match c.user() {
            Some(me) => {
                let req = PatchMember {
                    nick: Some(nick),
                    ..Default::default()
                };
                c.patch_member(me.id, &req, None)
                    .await
                    .err()
                    .map(|e| failed("nickname", &e))
            }
            None => Some(Action::RequestFailed {
                server,
                what: "nickname".into(),
                error: "not logged in".into(),
            }),
        },
        Effect::UploadFile { channel, path, .. } => {
            let name = std::path::Path::new(&path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "file".into());
            match tokio::fs::read(&path).await {
                // The message arrives over the gateway like any other.
                Ok(data) => match c.upload(channel, "", &name, &data).await {
                    Ok(_) => None,
                    Err(e) => Some(failed("upload", &e)),
                },
                Err(e) => Some(Action::RequestFailed {
                    server,
                    what: "upload".into(),
                    error: format!("cannot read {path}: {e}"),
                }),
            }
        }
        Effect::CreateInvite { .. } => match c.create_invite(&CreateInvite::default()).await {
            Ok(invite) => Some(Action::InviteCreated { server, invite }),
            Err(e) => Some(failed("invite", &e)),
        },
        other => {
            tracing::warn!(?other, "not a REST effect");
            None
        }
    };
    link.keep_token(&ctx).await;
    if let Some(action) = result {
        ctx.send(action);
    }
}
