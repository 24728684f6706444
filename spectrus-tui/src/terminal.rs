//! Taking over the terminal and giving it back: raw mode, the alternate screen, mouse,
//! bracketed paste and (where supported) key-release reporting. The terminal is restored when
//! the guard drops and on panic.

use std::io::{self, Stdout};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    KeyboardEnhancementFlags, PopKeyboardEnhancementFlags, PushKeyboardEnhancementFlags,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
    supports_keyboard_enhancement,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// The terminal, restored on drop.
pub struct TerminalGuard {
    /// The ratatui terminal.
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
    enhanced: bool,
}

impl TerminalGuard {
    /// Whether the terminal reports key releases (the keyboard enhancement protocol is on),
    /// so push-to-talk can hold while the key is down.
    pub fn reports_key_release(&self) -> bool {
        self.enhanced
    }
}

/// Sets the terminal up and installs a panic hook that restores it before the panic message.
pub fn setup() -> io::Result<TerminalGuard> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore(true);
        previous(info);
    }));
    enable_raw_mode()?;
    let mut out = io::stdout();
    let result = (|| {
        execute!(
            out,
            EnterAlternateScreen,
            EnableMouseCapture,
            EnableBracketedPaste
        )?;
        let enhanced = supports_keyboard_enhancement().unwrap_or(false);
        if enhanced {
            execute!(
                out,
                PushKeyboardEnhancementFlags(
                    KeyboardEnhancementFlags::DISAMBIGUATE_ESCAPE_CODES
                        | KeyboardEnhancementFlags::REPORT_EVENT_TYPES
                )
            )?;
        }
        let terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        Ok(TerminalGuard { terminal, enhanced })
    })();
    if result.is_err() {
        restore(true);
    }
    result
}

/// Gives the terminal back; errors are ignored (there is nowhere left to report them).
pub fn restore(enhanced: bool) {
    let mut out = io::stdout();
    if enhanced {
        let _ = execute!(out, PopKeyboardEnhancementFlags);
    }
    let _ = execute!(
        out,
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen
    );
    let _ = disable_raw_mode();
    let _ = execute!(out, crossterm::cursor::Show);
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore(self.enhanced);
    }
}
