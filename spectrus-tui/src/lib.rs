//! The Spectrus terminal client as a library: state, reducer, views and the event loop.
//!
//! The shape is Elm-like. Everything that happens becomes an [`action::Action`];
//! [`reducer::update`] applies it to the [`state::AppState`] without doing any I/O and returns
//! the [`effect::Effect`]s to carry out; a [`runner::EffectRunner`] carries them out and feeds
//! their results back as actions; [`ui::draw`] draws a frame from the state alone.
//!
//! The network side is [`net`]: [`net::ClientRunner`] carries effects out with
//! `spectrus-client`.
//!
//! `main.rs` only parses the command line ([`cli`]), builds the first state ([`startup`])
//! and hands over to [`event_loop`].

pub mod action;
pub mod audio;
pub mod candidate;
pub mod cli;
pub mod commands;
pub mod completion;
pub mod composer;
pub mod config;
pub mod effect;
pub mod emoji;
pub mod event_loop;
pub mod fuzzy;
pub mod keymap;
pub mod man;
pub mod net;
pub mod plugins;
pub mod reducer;
pub mod runner;
pub mod saved;
pub mod startup;
pub mod state;
pub mod terminal;
pub mod textbuf;
pub mod tomlfile;
pub mod ui;
pub mod view;
