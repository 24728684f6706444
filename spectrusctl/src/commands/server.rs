//! `status`, `setup-code` and `config`: what the daemon says about itself.

use hyper::Method;
use serde_json::Value;
use spectrus_proto::admin::{AdminUser, SetupCode, Status};
use spectrus_proto::model::ServerInfo;
use spectrus_proto::rest::PatchServer;

use crate::cli::{ServerCommand, ServerSet};
use crate::commands::Ctx;
use crate::error::Result;
use crate::output::{human_bytes, human_span, or_dash};
use crate::table::Table;
use crate::transport::decode;

/// `spectrusctl status`.
pub async fn status(ctx: &mut Ctx<'_>) -> Result<()> {
    super::show(ctx, "/status", |status: &Status| status_table(status)).await
}

/// The status as a two-column table (no header row).
pub fn status_table(s: &Status) -> Table {
    let licence = super::license::summary(&s.license);
    let mut t = Table::headless();
    t.row(["version", &s.version]);
    t.row(["uptime", &human_span(s.uptime_seconds)]);
    t.row(["members", &format!("{} ({} online)", s.members, s.online)]);
    let rooms = format!(
        "{} {}, {} {}",
        s.voice_rooms,
        plural(s.voice_rooms, "room", "rooms"),
        s.voice_participants,
        plural(s.voice_participants, "participant", "participants")
    );
    let voice = match &s.voice {
        Some(v) if v.enabled => format!("on UDP {}: {rooms}", v.udp.as_deref().unwrap_or("?")),
        Some(_) => "disabled (voice.enabled = false)".to_owned(),
        // A daemon that does not say.
        None => rooms,
    };
    t.row(["voice", &voice]);
    t.row(["database", &human_bytes(s.database_bytes)]);
    t.row(["licence", &licence]);
    t
}

fn plural<'a>(n: u64, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// `spectrusctl server show|set`.
pub async fn server(cmd: &ServerCommand, ctx: &mut Ctx<'_>) -> Result<()> {
    let patch = match cmd {
        ServerCommand::Show => {
            let value = ctx.client.get("/server").await?;
            return print_server(ctx, value).await;
        }
        ServerCommand::Set(ServerSet::Name { name }) => PatchServer {
            name: Some(name.clone()),
            ..Default::default()
        },
        ServerCommand::Set(ServerSet::Description { text }) => PatchServer {
            description: Some((!text.is_empty()).then(|| text.clone())),
            ..Default::default()
        },
    };
    let value = ctx
        .client
        .call(Method::PATCH, "/server", Some(&patch))
        .await?;
    print_server(ctx, value).await
}

/// The JSON as is, or a table naming the owner (one more request).
async fn print_server(ctx: &mut Ctx<'_>, value: Value) -> Result<()> {
    if ctx.out.is_json() {
        return ctx.out.json(&value);
    }
    let info: ServerInfo = decode(value)?;
    let owner = match info.owner_id {
        Some(id) => Some(
            ctx.client
                .get_as::<AdminUser>(&format!("/users/{id}"))
                .await?
                .username,
        ),
        None => None,
    };
    ctx.out.table(&server_table(&info, owner.as_deref()))
}

/// The server's public settings as a two-column table.
pub fn server_table(s: &ServerInfo, owner: Option<&str>) -> Table {
    let mut t = Table::headless();
    t.row(["name", &s.name]);
    t.row(["description", &or_dash(s.description.as_deref())]);
    t.row(["registration", s.registration.as_str()]);
    t.row(["owner", owner.unwrap_or("unclaimed (see setup-code)")]);
    t.row([
        "voice",
        if s.voice_enabled {
            "enabled"
        } else {
            "disabled"
        },
    ]);
    t
}

/// `spectrusctl setup-code`.
pub async fn setup_code(ctx: &mut Ctx<'_>) -> Result<()> {
    let value = ctx.client.get("/setup-code").await?;
    if ctx.out.is_json() {
        return ctx.out.json(&value);
    }
    let code: SetupCode = decode(value)?;
    match code.setup_code {
        Some(code) => ctx.out.line(code),
        None => ctx
            .out
            .line("no setup code: the owner account has already been claimed"),
    }
}

/// `spectrusctl config`: TOML for people (the configuration file's own format), JSON with
/// `--json`.
pub async fn config(ctx: &mut Ctx<'_>) -> Result<()> {
    let value: Value = ctx.client.get("/config").await?;
    if ctx.out.is_json() {
        return ctx.out.json(&value);
    }
    let text = config_toml(&value)?;
    ctx.out.raw(&text)
}

/// The effective configuration as TOML.
pub fn config_toml(value: &Value) -> Result<String> {
    let body = crate::layout::to_toml(value)?;
    Ok(format!(
        "# Effective configuration of spectrusd (secrets redacted)\n{body}"
    ))
}

#[cfg(test)]
mod tests {
    use spectrus_proto::admin::{LicenseState, LicenseStatus};

    use super::*;

    fn sample() -> Status {
        Status {
            version: "0.1.0".into(),
            uptime_seconds: 3 * 86_400 + 4 * 3_600,
            members: 42,
            online: 7,
            voice_rooms: 1,
            voice_participants: 5,
            voice: Some(spectrus_proto::rest::VoiceStatus {
                enabled: true,
                udp: Some("0.0.0.0:10000".into()),
            }),
            database_bytes: 12 * 1024 * 1024,
            license: LicenseStatus {
                state: LicenseState::Valid,
                premium: true,
                plan: Some("Pro".into()),
                lapses_at: Some("2026-12-13T10:00:00Z".into()),
                ..Default::default()
            },
        }
    }

    #[test]
    fn status_reads_as_a_table() {
        assert_eq!(
            status_table(&sample()).render(),
            "version   0.1.0\n\
             uptime    3d 4h\n\
             members   42 (7 online)\n\
             voice     on UDP 0.0.0.0:10000: 1 room, 5 participants\n\
             database  12.0 MiB\n\
             licence   valid (premium, plan Pro, lapses 2026-12-13T10:00:00Z)\n"
        );
    }

    #[test]
    fn disabled_voice_is_said() {
        let mut s = sample();
        s.voice = Some(spectrus_proto::rest::VoiceStatus::default());
        let text = status_table(&s).render();
        assert!(
            text.contains("voice     disabled (voice.enabled = false)"),
            "{text}"
        );
    }

    #[test]
    fn config_prints_as_toml() {
        let v = serde_json::json!({
            "bind": "0.0.0.0:3000",
            "jwt_secret": "<redacted>",
            "voice": {"udp": "0.0.0.0:10000", "announced_ip": null}
        });
        let text = config_toml(&v).unwrap();
        assert!(text.starts_with("# Effective configuration"), "{text}");
        assert!(text.contains("bind = \"0.0.0.0:3000\""), "{text}");
        assert!(text.contains("[voice]"), "{text}");
        assert!(!text.contains("announced_ip"), "{text}");
        assert!(!text.contains("Spectrus layout"), "{text}");
    }
}
