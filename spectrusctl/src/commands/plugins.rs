//! `plugins install|update|list|show|enable|disable|remove|token`.

use hyper::Method;
use spectrus_proto::admin::{
    BotToken, Plugin, PluginInstalled, PluginManifest, PluginPreview, PluginSource,
};

use crate::cli::PluginsCommand;
use crate::commands::Ctx;
use crate::error::{CtlError, Result};
use crate::table::Table;
use crate::transport::{decode, segment};

/// Runs a `plugins` command.
pub async fn run(cmd: &PluginsCommand, ctx: &mut Ctx<'_>) -> Result<()> {
    match cmd {
        PluginsCommand::List => {
            super::show(ctx, "/plugins", |p: &Vec<Plugin>| plugins_table(p)).await
        }
        PluginsCommand::Remove { id } => {
            let route = format!("/plugins/{}", segment(id));
            let value = ctx.client.call(Method::DELETE, &route, None::<&()>).await?;
            ctx.out
                .either(&value, |out| out.line(format!("plugin {id} removed")))
        }
        PluginsCommand::Token { id } => {
            let route = format!("/plugins/{}/token", segment(id));
            let value = ctx.client.call(Method::POST, &route, None::<&()>).await?;
            if ctx.out.is_json() {
                return ctx.out.json(&value);
            }
            let t: BotToken = decode(value)?;
            ctx.out.line(format!(
                "plugin {} has a new bot token; the old one no longer works",
                t.plugin_id
            ))?;
            ctx.out
                .line(format!("bot token (shown once): {}", t.bot_token))?;
            ctx.out.line(format!(
                "webhook signing key (Ed25519, hex): {}",
                t.public_key
            ))
        }
        PluginsCommand::Install { source, yes } => install(ctx, source, None, *yes).await,
        PluginsCommand::Update { id, yes } => {
            let route = format!("/plugins/{}", segment(id));
            let installed: Plugin = ctx.client.get_as(&route).await?;
            install(ctx, &installed.source, Some(&installed), *yes).await
        }
        PluginsCommand::Show { id } => {
            let route = format!("/plugins/{}", segment(id));
            super::show(ctx, &route, |p: &Plugin| plugin_table(p)).await
        }
        PluginsCommand::Enable { id } | PluginsCommand::Disable { id } => {
            let on = matches!(cmd, PluginsCommand::Enable { .. });
            let route = format!(
                "/plugins/{}/{}",
                segment(id),
                if on { "enable" } else { "disable" }
            );
            let value = ctx.client.call(Method::POST, &route, None::<&()>).await?;
            ctx.out.either(&value, |out| {
                out.line(format!(
                    "plugin {id} {}",
                    if on { "enabled" } else { "disabled" }
                ))
            })
        }
    }
}

/// One installed plugin.
pub fn plugin_table(p: &Plugin) -> Table {
    let mut t = manifest_table(&p.source, &p.manifest);
    t.row(["enabled", if p.enabled { "yes" } else { "no" }]);
    t.row([
        "healthy",
        if p.healthy {
            "yes"
        } else {
            "no (webhook deliveries keep failing)"
        },
    ]);
    t.row(["installed", &p.installed_at]);
    if let Some(bot) = p.bot_id {
        t.row(["bot", &format!("{} ({bot})", p.manifest.id)]);
    }
    if let Some(key) = &p.public_key {
        t.row(["signing key", key]);
    }
    t
}

/// Installs `source` (or updates `installed` from it), showing what it asks for first.
async fn install(
    ctx: &mut Ctx<'_>,
    source: &str,
    installed: Option<&Plugin>,
    yes: bool,
) -> Result<()> {
    if ctx.out.is_json() && !yes {
        return Err(CtlError::Invalid(
            "--json installs only with --yes (there is no one to confirm)".into(),
        ));
    }
    let ask = PluginSource {
        source: source.to_owned(),
        sha256: None,
    };
    let preview: PluginPreview = decode(
        ctx.client
            .call(Method::POST, "/plugins/preview", Some(&ask))
            .await?,
    )?;
    if let Some(old) = installed
        && old.manifest.id != preview.manifest.id
    {
        return Err(CtlError::Invalid(format!(
            "{} now describes plugin {:?}, not {:?}; install it as a new plugin instead",
            preview.source, preview.manifest.id, old.manifest.id
        )));
    }
    if !ctx.out.is_json() {
        ctx.out
            .table(&manifest_table(&preview.source, &preview.manifest))?;
        if let Some(old) = installed {
            for line in changes(&old.manifest, &preview.manifest) {
                ctx.out.line(line)?;
            }
        }
    }
    if !yes {
        ctx.out.line_now(if installed.is_some() {
            "Update this plugin? [y/N]"
        } else {
            "Install this plugin? [y/N]"
        })?;
        let mut line = String::new();
        ctx.stdin
            .read_line(&mut line)
            .map_err(|e| CtlError::io("reading the answer from standard input", e))?;
        if !matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
            return Err(CtlError::Invalid(
                if installed.is_some() {
                    "not updated"
                } else {
                    "not installed"
                }
                .into(),
            ));
        }
    }
    let confirmed = PluginSource {
        source: preview.source.clone(),
        sha256: Some(preview.sha256),
    };
    let value = ctx
        .client
        .call(Method::POST, "/plugins", Some(&confirmed))
        .await?;
    if ctx.out.is_json() {
        return ctx.out.json(&value);
    }
    let done: PluginInstalled = decode(value)?;
    let plugin = done.plugin;
    ctx.out.line(format!(
        "plugin {} {} {} from {}",
        plugin.id,
        plugin.manifest.version,
        if installed.is_some() {
            "updated"
        } else {
            "installed"
        },
        plugin.source
    ))?;
    if let Some(token) = done.bot_token {
        ctx.out.line(format!(
            "bot token (shown once; use it as Authorization: Bot <token>): {token}"
        ))?;
    }
    ctx.out.line(format!(
        "webhook signing key (Ed25519, hex): {}",
        done.public_key
    ))
}

/// What an update changes in what the plugin asks for: `+ permission x`, `- event y`, …
pub fn changes(old: &PluginManifest, new: &PluginManifest) -> Vec<String> {
    let mut out = Vec::new();
    if old.version != new.version {
        out.push(format!("version {} -> {}", old.version, new.version));
    }
    let diff = |what: &str, a: &[String], b: &[String], out: &mut Vec<String>| {
        out.extend(
            b.iter()
                .filter(|x| !a.contains(x))
                .map(|x| format!("+ {what} {x}")),
        );
        out.extend(
            a.iter()
                .filter(|x| !b.contains(x))
                .map(|x| format!("- {what} {x}")),
        );
    };
    diff("permission", &old.permissions, &new.permissions, &mut out);
    diff("event", &old.events, &new.events, &mut out);
    let names = |m: &PluginManifest| -> Vec<String> {
        m.commands.iter().map(|c| format!("/{}", c.name)).collect()
    };
    diff("command", &names(old), &names(new), &mut out);
    if old.webhook_url != new.webhook_url {
        out.push(format!(
            "webhook {} -> {}",
            old.webhook_url, new.webhook_url
        ));
    }
    if out.is_empty() {
        out.push("nothing it asks for changed".into());
    }
    out
}

/// What a manifest asks for, before installing.
pub fn manifest_table(source: &str, m: &PluginManifest) -> Table {
    let list = |v: &[String]| {
        if v.is_empty() {
            "-".to_owned()
        } else {
            v.join(", ")
        }
    };
    let mut t = Table::headless();
    t.row(["plugin", &format!("{} ({}) {}", m.name, m.id, m.version)]);
    t.row(["from", source]);
    t.row(["author", &m.author]);
    t.row(["about", &m.description]);
    t.row(["permissions", &list(&m.permissions)]);
    t.row(["events", &list(&m.events)]);
    t.row(["webhook", &m.webhook_url]);
    let commands: Vec<String> = m.commands.iter().map(|c| format!("/{}", c.name)).collect();
    t.row(["commands", &list(&commands)]);
    t
}

/// `plugins list`.
pub fn plugins_table(plugins: &[Plugin]) -> Table {
    let mut t = Table::new(["ID", "NAME", "VERSION", "ENABLED", "HEALTH", "SOURCE"]);
    for p in plugins {
        t.row([
            p.id.as_str(),
            p.manifest.name.as_str(),
            p.manifest.version.as_str(),
            if p.enabled { "yes" } else { "no" },
            if p.healthy { "healthy" } else { "unhealthy" },
            p.source.as_str(),
        ]);
    }
    t
}
