//! The spectrus-tui(1) manual page, from the clap definition ([`crate::cli::Cli`]) plus the
//! files and keys a user needs. `cargo run -p xtask --bin gen-man` writes it; a test checks
//! that the committed `man/spectrus-tui.1` is up to date.

use clap::CommandFactory;
use spectrus_man::ManPage;

use crate::cli::Cli;

/// Where the committed manual page lives, relative to the workspace root.
pub const MAN_PAGE_PATH: &str = "man/spectrus-tui.1";

/// The page.
pub fn man_page() -> ManPage {
    ManPage::new(Cli::command(), "1")
        .section("Keys", KEYS)
        .section("Environment", ENVIRONMENT)
        .section("Files", FILES)
        .section("See also", "spectrusd(8), spectrusctl(8)")
}

const KEYS: &str = "\
Tab, Shift+Tab\tcycle the panes; j/k or the arrows move; Enter opens a channel (joins a voice channel).
Ctrl+K\tthe channel switcher (fuzzy). ? lists every binding. q or Ctrl+C quits.
Composer\tEnter sends, Alt+Enter starts a new line, Up edits your last message, Esc cancels; \
/join, /leave, /mute, /deafen, /volume, /nick, /reply, /react, /invite, /search, /pins, /jump; Tab completes @names, commands and the server's custom :emoji: (two characters after the colon); custom emoji read as :name:.
Voice\tm mutes, d deafens, L leaves; in the member list + and - play the selected member louder or softer (also /volume @name 0-200). F2 is push-to-talk when [voice] mode = \"ptt\": held where the terminal reports key releases (kitty keyboard protocol), toggled elsewhere.
Audio\tcapture and playback use the default sound card, or --input-device/--output-device (see spectrus-tui devices); --headless-audio FILE.wav and --record-to FILE.wav replace them with files. The status line shows the voice channel and the microphone level.
Keys and colours can be changed in ~/.config/spectrus/tui.toml.";

const ENVIRONMENT: &str = "\
SPECTRUS_PASSWORD
\tthe password for --server/--user, instead of typing it.";

const FILES: &str = "\
~/.config/spectrus/tui.toml
\tkey bindings ([keys]), colours ([colors]) and voice ([voice]: mode = \"vad\", \"ptt\" or \"open\";
vad_threshold, an RMS level from 0 to 1, default 0.01; vad_hangover_ms, default 300).

$XDG_DATA_HOME/spectrus/
\tsaved servers (URL, last username, last channel; never a password); where no keychain
exists, the refresh token in a file of mode 0600.";
