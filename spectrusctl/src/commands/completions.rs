//! `completions SHELL`: a completion script generated from the clap definition.

use clap_complete::Shell;

use crate::cli::{Cli, CompletionShell};
use crate::commands::Ctx;
use crate::error::Result;

/// Prints the completion script for `shell`.
pub fn run(shell: CompletionShell, ctx: &mut Ctx<'_>) -> Result<()> {
    ctx.out.raw(&script(shell))
}

/// The completion script for `shell`.
pub fn script(shell: CompletionShell) -> String {
    let shell = match shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "spectrusctl", &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_know_the_subcommands() {
        for shell in [
            CompletionShell::Bash,
            CompletionShell::Zsh,
            CompletionShell::Fish,
        ] {
            let s = script(shell);
            assert!(s.contains("reset-password"), "{shell:?}");
            assert!(s.contains("setup-code"), "{shell:?}");
        }
        assert!(script(CompletionShell::Bash).contains("complete -F"));
        assert!(script(CompletionShell::Zsh).starts_with("#compdef spectrusctl"));
    }
}
