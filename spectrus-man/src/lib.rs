//! Manual pages rendered from clap definitions with clap_mangen, plus what clap does not
//! know: one COMMANDS section describing every nested subcommand with its options, and
//! free-form sections (ENVIRONMENT, FILES, EXIT STATUS, ...).
//!
//! Self-contained (clap, clap_mangen and roff only) so the other binaries' pages use it too:
//! `ManPage::new(spectrusd::cli::Args::command(), "8").section("FILES", "...").write(path)`, and a
//! test that calls [`ManPage::check`] on the committed file.

use std::io;
use std::path::Path;

use clap::{Arg, Command};
use clap_mangen::Man;
use roff::{Roff, bold, italic, roman};

/// A manual page about to be rendered.
#[derive(Debug, Clone)]
pub struct ManPage {
    cmd: Command,
    section: String,
    extra: Vec<(String, String)>,
}

/// The committed page differs from what the generator produces.
#[derive(Debug, thiserror::Error)]
pub enum ManError {
    /// The file is missing or unreadable.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The page's path.
        path: String,
        /// Why.
        source: io::Error,
    },
    /// The file is out of date.
    #[error("{path} is out of date; regenerate it with `cargo run -p xtask --bin gen-man`")]
    Stale {
        /// The page's path.
        path: String,
    },
    /// Rendering failed (only on a writer error, which a `Vec` does not have).
    #[error("rendering the page: {0}")]
    Render(#[from] io::Error),
}

impl ManPage {
    /// A page for `cmd` in manual `section` ("1" for user commands, "8" for administration).
    pub fn new(cmd: Command, section: &str) -> ManPage {
        ManPage {
            cmd,
            section: section.to_owned(),
            extra: Vec::new(),
        }
    }

    /// Adds a section after the generated ones. `text` is paragraphs separated by blank
    /// lines; lines indented by two spaces are shown verbatim (commands, files).
    pub fn section(mut self, title: &str, text: &str) -> ManPage {
        self.extra.push((title.to_owned(), text.to_owned()));
        self
    }

    /// The page as roff source.
    pub fn render(&self) -> Result<Vec<u8>, ManError> {
        let mut cmd = self.cmd.clone();
        cmd.build();
        let man = Man::new(cmd.clone()).section(self.section.clone());
        let mut out = Vec::new();
        man.render_title(&mut out)?;
        man.render_name_section(&mut out)?;
        man.render_synopsis_section(&mut out)?;
        man.render_description_section(&mut out)?;
        man.render_options_section(&mut out)?;
        if cmd.has_subcommands() {
            let mut roff = Roff::new();
            roff.control("SH", ["COMMANDS"]);
            for sub in visible_subcommands(&cmd) {
                render_command(&mut roff, sub);
            }
            roff.to_writer(&mut out)?;
        }
        for (title, text) in &self.extra {
            let mut roff = Roff::new();
            roff.control("SH", [title.to_uppercase().as_str()]);
            render_text(&mut roff, text);
            roff.to_writer(&mut out)?;
        }
        man.render_version_section(&mut out)?;
        Ok(single_preamble(out))
    }

    /// Writes the page to `path`.
    pub fn write(&self, path: &Path) -> Result<(), ManError> {
        std::fs::write(path, self.render()?).map_err(ManError::Render)
    }

    /// Fails when the file at `path` is not what [`ManPage::render`] produces.
    pub fn check(&self, path: &Path) -> Result<(), ManError> {
        let committed = std::fs::read(path).map_err(|source| ManError::Read {
            path: path.display().to_string(),
            source,
        })?;
        if committed == self.render()? {
            Ok(())
        } else {
            Err(ManError::Stale {
                path: path.display().to_string(),
            })
        }
    }
}

/// What roff writes at the top of every rendered piece; one at the top of the page suffices.
const APOSTROPHE_PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";

fn single_preamble(page: Vec<u8>) -> Vec<u8> {
    let text = String::from_utf8_lossy(&page);
    match text.strip_prefix(APOSTROPHE_PREAMBLE) {
        Some(rest) => format!(
            "{APOSTROPHE_PREAMBLE}{}",
            rest.replace(APOSTROPHE_PREAMBLE, "")
        )
        .into_bytes(),
        None => page,
    }
}

/// Renders `cmd` (built, so its bin name is the full path) and its subcommands, depth first.
fn render_command(roff: &mut Roff, cmd: &Command) {
    if cmd.has_subcommands() {
        for sub in visible_subcommands(cmd) {
            render_command(roff, sub);
        }
        return;
    }
    let name = cmd.get_bin_name().unwrap_or_else(|| cmd.get_name());
    roff.control("SS", [name]);
    let usage = cmd.clone().render_usage().to_string();
    let usage = usage.strip_prefix("Usage: ").unwrap_or(&usage).trim();
    roff.text([bold(usage)]);
    roff.control("PP", []);
    if let Some(about) = cmd.get_long_about().or_else(|| cmd.get_about()) {
        render_text(roff, &about.to_string());
    }
    for arg in cmd.get_arguments().filter(|a| own_argument(a)) {
        roff.control("TP", []);
        roff.text(arg_heading(arg));
        if let Some(help) = arg.get_long_help().or_else(|| arg.get_help()) {
            roff.text([roman(help.to_string())]);
        }
    }
}

fn visible_subcommands(cmd: &Command) -> impl Iterator<Item = &Command> {
    cmd.get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
}

/// Arguments of this subcommand, not the global ones (documented under OPTIONS) or help.
fn own_argument(arg: &Arg) -> bool {
    !arg.is_hide_set() && !arg.is_global_set() && arg.get_id() != "help"
}

fn arg_heading(arg: &Arg) -> Vec<roff::Inline> {
    let value = arg
        .get_value_names()
        .map(|v| v.join(" "))
        .unwrap_or_else(|| arg.get_id().as_str().to_uppercase());
    if arg.is_positional() {
        return vec![italic(value)];
    }
    let mut heading = Vec::new();
    if let Some(short) = arg.get_short() {
        heading.push(bold(format!("-{short}")));
        heading.push(roman(", "));
    }
    if let Some(long) = arg.get_long() {
        heading.push(bold(format!("--{long}")));
    }
    if arg.get_action().takes_values() {
        heading.push(roman(" "));
        heading.push(italic(value));
    }
    heading
}

/// Renders free text. Paragraphs are separated by blank lines. A paragraph whose lines are
/// all indented by two spaces is shown verbatim (commands); one whose second line starts with
/// a tab is a definition (its first line, in bold, is the term: files, variables).
fn render_text(roff: &mut Roff, text: &str) {
    for (i, paragraph) in text.split("\n\n").enumerate() {
        let lines: Vec<&str> = paragraph.lines().filter(|l| !l.trim().is_empty()).collect();
        let Some(first) = lines.first() else {
            continue;
        };
        if lines.iter().all(|l| l.starts_with("  ")) {
            if i > 0 {
                roff.control("PP", []);
            }
            roff.control("RS", ["4"]);
            roff.control("nf", []);
            for line in &lines {
                roff.text([roman(line.trim_start())]);
            }
            roff.control("fi", []);
            roff.control("RE", []);
        } else if lines.get(1).is_some_and(|l| l.starts_with('\t')) {
            roff.control("TP", []);
            roff.text([bold(first.trim())]);
            for line in &lines[1..] {
                roff.text([roman(line.trim())]);
            }
        } else {
            if i > 0 {
                roff.control("PP", []);
            }
            for line in &lines {
                roff.text([roman(*line)]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Command {
        Command::new("demo")
            .version("1.0")
            .about("A demo")
            .arg(
                Arg::new("verbose")
                    .long("verbose")
                    .global(true)
                    .action(clap::ArgAction::SetTrue),
            )
            .subcommand(
                Command::new("users").subcommand(
                    Command::new("create")
                        .about("Create a user")
                        .arg(Arg::new("name").required(true).help("The name"))
                        .arg(
                            Arg::new("password-stdin")
                                .long("password-stdin")
                                .action(clap::ArgAction::SetTrue)
                                .help("Read it"),
                        ),
                ),
            )
    }

    #[test]
    fn nested_commands_get_their_own_entries() {
        let page = ManPage::new(demo(), "8")
            .section(
                "Exit status",
                "0 on success.\n\n  demo users create x\n\nTERM\n\tits meaning",
            )
            .render()
            .unwrap();
        let text = String::from_utf8(page).unwrap();
        assert!(text.contains("\n.TH demo 8 "), "{text}");
        assert_eq!(text.matches(".ds Aq").count(), 2, "one preamble: {text}");
        assert!(text.contains(".SH COMMANDS"), "{text}");
        assert!(text.contains(".SS \"demo users create\""), "{text}");
        assert!(text.contains("\\-\\-password\\-stdin"), "{text}");
        assert!(text.contains("Read it"), "{text}");
        assert!(text.contains(".SH \"EXIT STATUS\""), "{text}");
        assert!(text.contains(".nf\ndemo users create x\n.fi"), "{text}");
        assert!(text.contains(".TP\n\\fBTERM\\fR\nits meaning"), "{text}");
        // The global flag is documented once, under OPTIONS, not per command.
        assert_eq!(text.matches("\\-\\-verbose").count(), 2, "{text}");
    }

    #[test]
    fn check_notices_a_stale_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("demo.8");
        let page = ManPage::new(demo(), "8");
        assert!(matches!(page.check(&path), Err(ManError::Read { .. })));
        page.write(&path).unwrap();
        page.check(&path).unwrap();
        std::fs::write(&path, b".TH old").unwrap();
        let e = page.check(&path).unwrap_err();
        assert!(
            e.to_string().contains("cargo run -p xtask --bin gen-man"),
            "{e}"
        );
    }
}
