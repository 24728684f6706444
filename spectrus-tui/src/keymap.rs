//! Key bindings: every command the keyboard can give, its default keys, the overrides from
//! `tui.toml`, and the lookup from a key press to a command. The help overlay is generated
//! from [`Keymap::entries`], so it cannot drift from what the keys do.

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Everywhere in the main view, even while typing.
    Global,
    /// In the panes (rail, channels, messages, members), not while typing.
    Panes,
    /// In the composer.
    Composer,
    /// In the channel switcher.
    Switcher,
    /// On the login screen.
    Login,
}

impl Scope {
    /// The heading in the help overlay.
    pub fn title(self) -> &'static str {
        match self {
            Scope::Global => "Everywhere",
            Scope::Panes => "Panes",
            Scope::Composer => "Composer",
            Scope::Switcher => "Channel switcher",
            Scope::Login => "Login screen",
        }
    }
}

macro_rules! commands {
    ($($variant:ident = $name:literal, $scope:ident, [$($key:literal),*], $desc:literal;)*) => {
        /// Something a key can do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Command { $(#[doc = $desc] $variant,)* }

        impl Command {
            /// Every command, in help order.
            pub const ALL: &'static [Command] = &[$(Command::$variant,)*];

            /// The name used in `tui.toml`'s `[keys]` table.
            pub fn name(self) -> &'static str {
                match self { $(Command::$variant => $name,)* }
            }

            /// Where it applies.
            pub fn scope(self) -> Scope {
                match self { $(Command::$variant => Scope::$scope,)* }
            }

            /// What it does, for the help overlay.
            pub fn description(self) -> &'static str {
                match self { $(Command::$variant => $desc,)* }
            }

            /// The default keys, as written in `tui.toml`.
            pub fn default_keys(self) -> &'static [&'static str] {
                match self { $(Command::$variant => &[$($key),*],)* }
            }

            /// The command called `name` in `tui.toml`.
            pub fn from_name(name: &str) -> Option<Command> {
                match name { $($name => Some(Command::$variant),)* _ => None }
            }
        }
    };
}

commands! {
    Quit = "quit", Global, ["ctrl+c"], "Quit";
    NextPane = "next_pane", Global, ["tab"], "Next pane (composer: complete @name or /command)";
    PrevPane = "prev_pane", Global, ["shift+tab"], "Previous pane";
    Switcher = "switcher", Global, ["ctrl+k"], "Channel switcher (fuzzy, every server)";
    NextServer = "next_server", Global, ["alt+down"], "Next server in the rail";
    PrevServer = "prev_server", Global, ["alt+up"], "Previous server in the rail";
    PushToTalk = "push_to_talk", Global, ["f2"], "Push-to-talk: hold, or press to toggle";
    QuitPane = "quit_pane", Panes, ["q"], "Quit";
    Help = "help", Panes, ["?", "f1"], "This help";
    Up = "up", Panes, ["k", "up"], "Up (messages: older; loads more at the top)";
    Down = "down", Panes, ["j", "down"], "Down (messages: newer)";
    PageUp = "page_up", Panes, ["pageup"], "Ten up";
    PageDown = "page_down", Panes, ["pagedown"], "Ten down";
    Top = "top", Panes, ["g", "home"], "First";
    Bottom = "bottom", Panes, ["G", "end"], "Last (messages: follow new ones)";
    Activate = "activate", Panes, ["enter"], "Open channel, join voice channel";
    Compose = "compose", Panes, ["i", "esc"], "Write a message";
    Reply = "reply", Panes, ["r"], "Reply to the selected message";
    Edit = "edit", Panes, ["e"], "Edit the selected message (yours)";
    Delete = "delete", Panes, ["x"], "Delete the selected message (yours; press twice)";
    OpenAttachment = "open_attachment", Panes, ["o"], "Open the selected message's file";
    ToggleMute = "toggle_mute", Panes, ["m"], "Mute or unmute the microphone";
    ToggleDeafen = "toggle_deafen", Panes, ["d"], "Deafen or undeafen";
    LeaveVoice = "leave_voice", Panes, ["L"], "Leave voice";
    VolumeUp = "volume_up", Panes, ["+", "="], "Selected member louder (member list)";
    VolumeDown = "volume_down", Panes, ["-"], "Selected member softer (member list)";
    Logout = "logout", Panes, ["ctrl+l"], "Log out of this server";
    Send = "send", Composer, ["enter"], "Send (or save the edit)";
    Newline = "newline", Composer, ["alt+enter", "shift+enter"], "New line";
    Cancel = "cancel", Composer, ["esc"], "Cancel the edit or reply; else leave the composer";
    LineUp = "line_up", Composer, ["up"], "Line up; when empty, edit your last message";
    LineDown = "line_down", Composer, ["down"], "Line down";
    CharLeft = "char_left", Composer, ["left"], "Cursor left";
    CharRight = "char_right", Composer, ["right"], "Cursor right";
    WordLeft = "word_left", Composer, ["ctrl+left", "alt+b"], "Word left";
    WordRight = "word_right", Composer, ["ctrl+right", "alt+f"], "Word right";
    LineStart = "line_start", Composer, ["home", "ctrl+a"], "Start of line";
    LineEnd = "line_end", Composer, ["end", "ctrl+e"], "End of line";
    Backspace = "backspace", Composer, ["backspace"], "Delete the character before the cursor";
    DeleteChar = "delete_char", Composer, ["delete"], "Delete the character under the cursor";
    DeleteWord = "delete_word", Composer, ["ctrl+w", "ctrl+backspace"], "Delete the word before the cursor";
    SwitcherUp = "switcher_up", Switcher, ["up", "ctrl+p"], "Previous match";
    SwitcherDown = "switcher_down", Switcher, ["down", "ctrl+n"], "Next match";
    SwitcherOpen = "switcher_open", Switcher, ["enter"], "Open the match";
    SwitcherClose = "switcher_close", Switcher, ["esc"], "Close";
    LoginNextField = "login_next_field", Login, ["tab", "down"], "Next field";
    LoginPrevField = "login_prev_field", Login, ["shift+tab", "up"], "Previous field";
    LoginSubmit = "login_submit", Login, ["enter"], "Log in / register";
    LoginToggleMode = "login_toggle_mode", Login, ["ctrl+r"], "Switch between log in and register";
    LoginQuit = "login_quit", Login, ["esc", "ctrl+c"], "Quit";
}

/// One key with its modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    /// The key.
    pub code: KeyCode,
    /// Ctrl, Alt, Shift (Shift is folded into characters and Tab).
    pub mods: KeyModifiers,
}

/// A key description in `tui.toml` could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeymapError {
    /// Not a key this parser knows.
    #[error("unknown key {0:?} (write e.g. \"ctrl+k\", \"alt+enter\", \"f1\", \"q\")")]
    BadKey(String),
    /// Not a command name.
    #[error("unknown command {0:?} in [keys]")]
    UnknownCommand(String),
}

impl Key {
    /// Normalises a terminal key event for lookup.
    pub fn from_event(ev: &KeyEvent) -> Key {
        Key::normalise(ev.code, ev.modifiers)
    }

    fn normalise(code: KeyCode, mods: KeyModifiers) -> Key {
        let mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        match code {
            KeyCode::Char(c) => {
                let c = if mods.contains(KeyModifiers::CONTROL) {
                    c.to_ascii_lowercase()
                } else {
                    c
                };
                Key {
                    code: KeyCode::Char(c),
                    mods: mods - KeyModifiers::SHIFT,
                }
            }
            KeyCode::BackTab => Key {
                code: KeyCode::BackTab,
                mods: mods - KeyModifiers::SHIFT,
            },
            KeyCode::Tab if mods.contains(KeyModifiers::SHIFT) => Key {
                code: KeyCode::BackTab,
                mods: mods - KeyModifiers::SHIFT,
            },
            other => Key { code: other, mods },
        }
    }

    /// Parses `"ctrl+k"`, `"shift+tab"`, `"alt+enter"`, `"f1"`, `"G"`, `"?"`.
    pub fn parse(s: &str) -> Result<Key, KeymapError> {
        let bad = || KeymapError::BadKey(s.to_owned());
        let mut mods = KeyModifiers::NONE;
        let parts: Vec<&str> = if s == "+" {
            vec!["+"]
        } else {
            s.split('+').collect()
        };
        let (last, prefix) = parts.split_last().ok_or_else(bad)?;
        for m in prefix {
            mods |= match m.to_ascii_lowercase().as_str() {
                "ctrl" | "control" => KeyModifiers::CONTROL,
                "alt" | "meta" => KeyModifiers::ALT,
                "shift" => KeyModifiers::SHIFT,
                _ => return Err(bad()),
            };
        }
        let lower = last.to_ascii_lowercase();
        let code = match lower.as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" => KeyCode::Insert,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "space" => KeyCode::Char(' '),
            f if f.len() >= 2
                && f.starts_with('f')
                && f[1..].bytes().all(|b| b.is_ascii_digit()) =>
            {
                KeyCode::F(f[1..].parse().map_err(|_| bad())?)
            }
            _ => {
                let mut chars = last.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(c),
                    _ => return Err(bad()),
                }
            }
        };
        Ok(Key::normalise(code, mods))
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl+")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt+")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift+")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) if self.mods.contains(KeyModifiers::CONTROL) => {
                write!(f, "{}", c.to_ascii_uppercase())
            }
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::BackTab => f.write_str("Shift+Tab"),
            KeyCode::F(n) => write!(f, "F{n}"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            other => write!(f, "{other}"),
        }
    }
}

/// Every binding, by command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: BTreeMap<Command, Vec<Key>>,
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = Command::ALL
            .iter()
            .map(|c| {
                let keys = c
                    .default_keys()
                    .iter()
                    .filter_map(|k| Key::parse(k).ok())
                    .collect();
                (*c, keys)
            })
            .collect();
        Keymap { bindings }
    }
}

impl Keymap {
    /// The defaults with `[keys]` from `tui.toml` laid over them: a command named there gets
    /// exactly the keys listed (an empty list unbinds it).
    pub fn with_overrides(
        overrides: &BTreeMap<String, Vec<String>>,
    ) -> Result<Keymap, KeymapError> {
        let mut map = Keymap::default();
        for (name, keys) in overrides {
            let cmd = Command::from_name(name)
                .ok_or_else(|| KeymapError::UnknownCommand(name.clone()))?;
            let parsed = keys
                .iter()
                .map(|k| Key::parse(k))
                .collect::<Result<Vec<_>, _>>()?;
            map.bindings.insert(cmd, parsed);
        }
        Ok(map)
    }

    /// The command a key gives in a scope.
    pub fn lookup(&self, scope: Scope, ev: &KeyEvent) -> Option<Command> {
        let key = Key::from_event(ev);
        Command::ALL
            .iter()
            .find(|c| c.scope() == scope && self.keys(**c).contains(&key))
            .copied()
    }

    /// The keys bound to a command.
    pub fn keys(&self, cmd: Command) -> &[Key] {
        self.bindings.get(&cmd).map_or(&[], |v| v.as_slice())
    }

    /// The keys of a command as the help shows them, e.g. `"k, Up"`.
    pub fn keys_label(&self, cmd: Command) -> String {
        let keys: Vec<String> = self.keys(cmd).iter().map(|k| k.to_string()).collect();
        if keys.is_empty() {
            "(unbound)".to_owned()
        } else {
            keys.join(", ")
        }
    }

    /// Every binding grouped by scope, in help order: `(scope, [(keys, description)])`.
    pub fn entries(&self) -> Vec<(Scope, Vec<(String, &'static str)>)> {
        let mut out: Vec<(Scope, Vec<(String, &'static str)>)> = Vec::new();
        for cmd in Command::ALL {
            let row = (self.keys_label(*cmd), cmd.description());
            match out.iter_mut().find(|(s, _)| *s == cmd.scope()) {
                Some((_, rows)) => rows.push(row),
                None => out.push((cmd.scope(), vec![row])),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn defaults_cover_the_issue() {
        let k = Keymap::default();
        let c = |code, m| ev(code, m);
        assert_eq!(
            k.lookup(Scope::Global, &c(KeyCode::Tab, KeyModifiers::NONE)),
            Some(Command::NextPane)
        );
        assert_eq!(
            k.lookup(Scope::Global, &c(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Command::PrevPane)
        );
        assert_eq!(
            k.lookup(Scope::Global, &c(KeyCode::Char('k'), KeyModifiers::CONTROL)),
            Some(Command::Switcher)
        );
        assert_eq!(
            k.lookup(Scope::Global, &c(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Command::Quit)
        );
        assert_eq!(
            k.lookup(Scope::Panes, &c(KeyCode::Char('q'), KeyModifiers::NONE)),
            Some(Command::QuitPane)
        );
        assert_eq!(
            k.lookup(Scope::Panes, &c(KeyCode::Char('?'), KeyModifiers::SHIFT)),
            Some(Command::Help)
        );
        assert_eq!(
            k.lookup(Scope::Panes, &c(KeyCode::Char('j'), KeyModifiers::NONE)),
            Some(Command::Down)
        );
        assert_eq!(
            k.lookup(Scope::Panes, &c(KeyCode::Up, KeyModifiers::NONE)),
            Some(Command::Up)
        );
        assert_eq!(
            k.lookup(Scope::Panes, &c(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            Some(Command::Bottom)
        );
        assert_eq!(
            k.lookup(Scope::Panes, &c(KeyCode::Char('m'), KeyModifiers::NONE)),
            Some(Command::ToggleMute)
        );
        assert_eq!(
            k.lookup(Scope::Panes, &c(KeyCode::Char('d'), KeyModifiers::NONE)),
            Some(Command::ToggleDeafen)
        );
        assert_eq!(
            k.lookup(Scope::Composer, &c(KeyCode::Enter, KeyModifiers::ALT)),
            Some(Command::Newline)
        );
        assert_eq!(
            k.lookup(Scope::Composer, &c(KeyCode::Enter, KeyModifiers::NONE)),
            Some(Command::Send)
        );
    }

    #[test]
    fn overrides_replace_a_commands_keys() {
        let mut o = BTreeMap::new();
        o.insert(
            "toggle_mute".to_owned(),
            vec!["ctrl+m".to_owned(), "M".to_owned()],
        );
        let k = Keymap::with_overrides(&o).expect("valid overrides");
        assert_eq!(
            k.lookup(Scope::Panes, &ev(KeyCode::Char('m'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            k.lookup(Scope::Panes, &ev(KeyCode::Char('M'), KeyModifiers::SHIFT)),
            Some(Command::ToggleMute)
        );
        assert_eq!(k.keys_label(Command::ToggleMute), "Ctrl+M, M");
    }

    #[test]
    fn bad_overrides_are_reported() {
        let mut o = BTreeMap::new();
        o.insert("fly".to_owned(), vec!["x".to_owned()]);
        assert_eq!(
            Keymap::with_overrides(&o),
            Err(KeymapError::UnknownCommand("fly".into()))
        );
        let mut o = BTreeMap::new();
        o.insert("quit".to_owned(), vec!["hyper+x".to_owned()]);
        assert!(matches!(
            Keymap::with_overrides(&o),
            Err(KeymapError::BadKey(_))
        ));
    }

    #[test]
    fn every_default_key_parses() {
        for cmd in Command::ALL {
            for k in cmd.default_keys() {
                assert!(Key::parse(k).is_ok(), "{k}");
            }
        }
    }
}
