//! The first state of the app, from what the command line, the environment and the saved
//! servers file say: which servers are on the rail, which is shown, what the login form
//! holds, and whether a scripted login (`--server`, `--user` and `SPECTRUS_PASSWORD`) submits
//! it at once. Pure: `main.rs` reads the files and the environment, this decides.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::action::Action;
use crate::cli::Target;
use crate::config::Config;
use crate::saved::SavedServer;
use crate::state::{AppState, LoginField, ServerKey};

/// What the app starts from (no `Debug`: it may hold a password).
#[derive(Clone, Default)]
pub struct Startup {
    /// The settings.
    pub config: Config,
    /// The saved servers, in rail order.
    pub saved: Vec<SavedServer>,
    /// The server (or invite link) given as the argument.
    pub target: Option<Target>,
    /// `--server` and `--user`: log in to this server as this user.
    pub login: Option<(Target, String)>,
    /// `SPECTRUS_PASSWORD`, for the `--server`/`--user` login.
    pub password: Option<String>,
}

/// The first state and what to do with it.
#[derive(Debug, Clone)]
pub struct Started {
    /// The state to draw first.
    pub state: AppState,
    /// Actions to apply before the first input (the scripted login's Enter).
    pub initial: Vec<Action>,
    /// The server logged in to with a password now, not with a kept token.
    pub scripted: Option<ServerKey>,
}

impl AppState {
    /// The first state: the saved servers on the rail, then the argument's server (shown,
    /// with an invite's code on a register form), then the `--server`/`--user` login (shown,
    /// at the password unless `SPECTRUS_PASSWORD` submits it). The login form is filled from
    /// the shown server and starts at the first field left to fill.
    pub fn from_startup(startup: Startup) -> Started {
        let Startup {
            config,
            saved,
            target,
            login,
            password,
        } = startup;
        let mut state = AppState::new(config);
        for s in &saved {
            let key = state.add_server(&s.url);
            if let Some(srv) = state.server_mut(key) {
                srv.last_channel = s.last_channel;
                srv.username = s.username.clone();
            }
        }
        let mut initial = Vec::new();
        let mut scripted = None;
        if let Some(target) = target {
            let key = state.add_server(&target.url);
            state.active = Some(key);
            state.login.server.set(&target.url);
            if let Some(code) = target.invite {
                state.login.register = true;
                state.login.invite.set(&code);
                state.login.field = LoginField::Username;
            }
        }
        if let Some((target, user)) = login {
            let key = state.add_server(&target.url);
            state.active = Some(key);
            state.login.server.set(&target.url);
            state.login.username.set(&user);
            // Without SPECTRUS_PASSWORD the login screen asks for it (masked, never echoed).
            state.login.field = LoginField::Password;
            if let Some(pw) = password {
                state.login.password.set(&pw);
                scripted = Some(key);
                initial.push(Action::Key(KeyEvent::new(
                    KeyCode::Enter,
                    KeyModifiers::NONE,
                )));
            }
        }
        if let Some(s) = state.active_server() {
            let (url, user) = (s.url.clone(), s.username.clone());
            state.login.server.set(&url);
            if state.login.username.is_empty()
                && let Some(u) = user
            {
                state.login.username.set(&u);
                state.login.field = LoginField::Password;
            }
        }
        if state.login.field == LoginField::Server && !state.login.server.is_empty() {
            state.login.field = LoginField::Username;
        }
        Started {
            state,
            initial,
            scripted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spectrus_proto::Id;

    fn target(url: &str, invite: Option<&str>) -> Target {
        Target {
            url: url.into(),
            invite: invite.map(Into::into),
        }
    }

    fn saved(url: &str, user: Option<&str>, channel: Option<u64>) -> SavedServer {
        SavedServer {
            url: url.into(),
            username: user.map(Into::into),
            last_channel: channel.map(Id),
        }
    }

    #[test]
    fn nothing_saved_asks_for_a_server() {
        let st = AppState::from_startup(Startup::default());
        assert!(st.state.servers.is_empty());
        assert_eq!(st.state.active, None);
        assert_eq!(st.state.login.field, LoginField::Server);
        assert!(st.initial.is_empty());
        assert_eq!(st.scripted, None);
    }

    #[test]
    fn saved_servers_fill_the_rail_and_the_form() {
        let st = AppState::from_startup(Startup {
            saved: vec![
                saved("https://a.example/", Some("ann"), Some(7)),
                saved("https://b.example", None, None),
            ],
            ..Startup::default()
        });
        let s = &st.state;
        let urls: Vec<&str> = s.servers.iter().map(|s| s.url.as_str()).collect();
        assert_eq!(urls, ["https://a.example", "https://b.example"]);
        assert_eq!(s.active_server().map(|s| s.url.as_str()), Some(urls[0]));
        assert_eq!(s.servers[0].last_channel, Some(Id(7)));
        assert_eq!(s.login.server.text(), "https://a.example");
        assert_eq!(s.login.username.text(), "ann");
        assert_eq!(s.login.field, LoginField::Password);
        assert!(st.initial.is_empty());
    }

    #[test]
    fn an_invite_link_opens_the_register_form_on_its_server() {
        let st = AppState::from_startup(Startup {
            saved: vec![saved("https://a.example", Some("ann"), None)],
            target: Some(target("https://b.example", Some("c0de"))),
            ..Startup::default()
        });
        let s = &st.state;
        assert_eq!(s.servers.len(), 2);
        assert_eq!(
            s.active_server().map(|s| s.url.as_str()),
            Some("https://b.example")
        );
        assert!(s.login.register);
        assert_eq!(s.login.invite.text(), "c0de");
        assert_eq!(s.login.server.text(), "https://b.example");
        assert_eq!(s.login.field, LoginField::Username);
    }

    #[test]
    fn a_scripted_login_submits_with_the_password_and_waits_without() {
        let login = Some((target("http://localhost:3000", None), "me".to_owned()));
        let st = AppState::from_startup(Startup {
            login: login.clone(),
            password: Some("secret".into()),
            ..Startup::default()
        });
        let key = st.state.active;
        assert!(key.is_some());
        assert_eq!(st.scripted, key);
        assert_eq!(st.state.login.username.text(), "me");
        assert_eq!(st.state.login.password.text(), "secret");
        assert!(matches!(
            st.initial.as_slice(),
            [Action::Key(k)] if k.code == KeyCode::Enter
        ));

        let st = AppState::from_startup(Startup {
            login,
            ..Startup::default()
        });
        assert_eq!(st.scripted, None);
        assert!(st.initial.is_empty());
        assert_eq!(st.state.login.field, LoginField::Password);
        assert!(st.state.login.password.is_empty());
    }
}
