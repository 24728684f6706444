//! `plugins install|list|remove`.

use hyper::Method;
use spectrus_proto::admin::{Plugin, PluginManifest, PluginPreview, PluginSource};

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
        PluginsCommand::Install { source, yes } => install(ctx, source, *yes).await,
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
    t.row(["installed", &p.installed_at]);
    t
}

async fn install(ctx: &mut Ctx<'_>, source: &str, yes: bool) -> Result<()> {
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
    if !ctx.out.is_json() {
        ctx.out
            .table(&manifest_table(&preview.source, &preview.manifest))?;
    }
    if !yes {
        ctx.out.line_now("Install this plugin? [y/N]")?;
        let mut line = String::new();
        ctx.stdin
            .read_line(&mut line)
            .map_err(|e| CtlError::io("reading the answer from standard input", e))?;
        if !matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
            return Err(CtlError::Invalid("not installed".into()));
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
        return ctx.out.json(&serde_json::json!({ "plugin": value }));
    }
    let plugin: Plugin = decode(value)?;
    ctx.out.line(format!(
        "plugin {} {} installed from {}",
        plugin.id, plugin.manifest.version, plugin.source
    ))
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
    let mut t = Table::new(["ID", "NAME", "VERSION", "ENABLED", "SOURCE"]);
    for p in plugins {
        t.row([
            p.id.as_str(),
            p.manifest.name.as_str(),
            p.manifest.version.as_str(),
            if p.enabled { "yes" } else { "no" },
            p.source.as_str(),
        ]);
    }
    t
}
