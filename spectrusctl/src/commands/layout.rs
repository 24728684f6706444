//! `layout export|apply`: the community's structure as a file.

use std::path::Path;

use hyper::Method;
use spectrus_proto::admin::{LayoutApply, LayoutChanges};

use crate::cli::LayoutCommand;
use crate::commands::Ctx;
use crate::error::{CtlError, Result};
use crate::layout::{from_file_text, to_toml_document};
use crate::transport::decode;

/// Runs one `layout` subcommand.
pub async fn run(cmd: &LayoutCommand, ctx: &mut Ctx<'_>) -> Result<()> {
    match cmd {
        LayoutCommand::Export { file } => {
            let value = ctx.client.get("/layout").await?;
            let text = if ctx.out.is_json() {
                let mut text = serde_json::to_string_pretty(&value)
                    .map_err(|e| CtlError::Protocol(e.to_string()))?;
                text.push('\n');
                text
            } else {
                to_toml_document(&value)?
            };
            match file {
                None => ctx.out.raw(&text),
                Some(file) => {
                    let path = ctx.absolute(file);
                    std::fs::write(&path, text)
                        .map_err(|e| CtlError::io(format!("writing {}", path.display()), e))?;
                    if ctx.out.is_json() {
                        Ok(())
                    } else {
                        ctx.out
                            .line(format!("layout written to {}", file.display()))
                    }
                }
            }
        }
        LayoutCommand::Apply { file, dry_run } => {
            let layout = read_layout(&ctx.absolute(file))?;
            let body = LayoutApply {
                layout,
                dry_run: *dry_run,
            };
            let value = ctx
                .client
                .call(Method::POST, "/layout/apply", Some(&body))
                .await?;
            if ctx.out.is_json() {
                return ctx.out.json(&value);
            }
            let result: LayoutChanges = decode(value)?;
            for line in describe_changes(&result.changes, *dry_run) {
                ctx.out.line(line)?;
            }
            Ok(())
        }
    }
}

/// Reads a layout file (JSON when it is named `*.json`, TOML otherwise).
pub fn read_layout(path: &Path) -> Result<serde_json::Value> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CtlError::io(format!("reading {}", path.display()), e))?;
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    from_file_text(&text, is_json)
        .map_err(|e| CtlError::Invalid(format!("{}: {e}", path.display())))
}

/// The lines `layout apply` prints for people.
pub fn describe_changes(changes: &[String], dry_run: bool) -> Vec<String> {
    if changes.is_empty() {
        return vec!["no changes: the server already matches the layout".to_owned()];
    }
    let n = changes.len();
    let noun = if n == 1 { "change" } else { "changes" };
    let head = if dry_run {
        format!("would make {n} {noun} (dry run, nothing written):")
    } else {
        format!("applied {n} {noun}:")
    };
    std::iter::once(head)
        .chain(changes.iter().map(|c| format!("  {c}")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_descriptions() {
        assert_eq!(
            describe_changes(&[], true),
            vec!["no changes: the server already matches the layout"]
        );
        assert_eq!(
            describe_changes(&["create channel #rules".to_owned()], true),
            vec![
                "would make 1 change (dry run, nothing written):",
                "  create channel #rules"
            ]
        );
        assert_eq!(
            describe_changes(&["a".to_owned(), "b".to_owned()], false)[0],
            "applied 2 changes:"
        );
    }

    #[test]
    fn files_are_read_by_extension() {
        let dir = tempfile::tempdir().unwrap();
        let toml_path = dir.path().join("layout.toml");
        std::fs::write(&toml_path, "[[roles]]\nname = \"Mod\"\n").unwrap();
        assert_eq!(
            read_layout(&toml_path).unwrap(),
            serde_json::json!({"roles": [{"name": "Mod"}]})
        );
        let json_path = dir.path().join("layout.JSON");
        std::fs::write(&json_path, r#"{"roles": []}"#).unwrap();
        assert_eq!(
            read_layout(&json_path).unwrap(),
            serde_json::json!({"roles": []})
        );
        let e = read_layout(&dir.path().join("missing.toml")).unwrap_err();
        assert!(e.to_string().starts_with("reading "), "{e}");
        std::fs::write(&toml_path, "roles = [").unwrap();
        let e = read_layout(&toml_path).unwrap_err().to_string();
        assert!(
            e.contains("layout.toml: the layout is not valid TOML"),
            "{e}"
        );
    }
}
