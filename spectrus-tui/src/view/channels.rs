//! The rows of the channel list (categories, channels with their unread and mention counts,
//! voice participants), the channel cursor's row and the list's scroll: what the list shows,
//! which the drawing and the reducer's clicks and keys agree on.

use spectrus_proto::Id;
use spectrus_proto::model::ChannelType;

use crate::state::{ServerState, Voice, VoiceStatus};

/// One row of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelRow {
    /// A category heading.
    Category {
        /// Its name.
        name: String,
    },
    /// A text or voice channel.
    Channel {
        /// Its id.
        id: Id,
        /// Text or voice.
        kind: ChannelType,
        /// Its name.
        name: String,
        /// Unread messages.
        unread: u64,
        /// Mentions.
        mentions: u64,
        /// Whether it is the open channel.
        open: bool,
        /// Whether we are in (or joining) this voice channel.
        joined: bool,
    },
    /// Someone in a voice channel.
    Participant {
        /// Who.
        user: Id,
        /// Their name.
        name: String,
        /// Speaking right now.
        speaking: bool,
        /// Muted (by themselves or the server).
        muted: bool,
        /// Deafened.
        deafened: bool,
    },
}

/// The heading above direct messages.
pub const DM_HEADING: &str = "Direct Messages";
/// The heading above the uncategorised channels when direct messages are listed above them.
pub const CHANNELS_HEADING: &str = "Channels";

/// The rows for a server.
pub fn rows(s: &ServerState, voice: &Voice) -> Vec<ChannelRow> {
    let joined = match voice.status {
        VoiceStatus::Joining { server, channel } | VoiceStatus::Connected { server, channel }
            if server == s.key =>
        {
            Some(channel)
        }
        _ => None,
    };
    let mut out = Vec::new();
    let mut in_dms = false;
    for c in s.ordered_channels() {
        // Direct messages come first under their own heading; the server's channels follow.
        if c.kind.is_private() && !in_dms {
            in_dms = true;
            out.push(ChannelRow::Category {
                name: DM_HEADING.into(),
            });
        } else if in_dms && !c.kind.is_private() {
            in_dms = false;
            if c.kind != ChannelType::Category {
                out.push(ChannelRow::Category {
                    name: CHANNELS_HEADING.into(),
                });
            }
        }
        if c.kind == ChannelType::Category {
            out.push(ChannelRow::Category {
                name: c.name.clone(),
            });
            continue;
        }
        out.push(ChannelRow::Channel {
            id: c.id,
            kind: c.kind,
            name: c.name.clone(),
            unread: s.unread(c.id),
            mentions: s.mentions(c.id),
            open: s.active_channel == Some(c.id),
            joined: joined == Some(c.id),
        });
        if c.kind == ChannelType::Voice {
            for user in s.voice_participants(c.id) {
                let v = s.voice_states.get(&user);
                out.push(ChannelRow::Participant {
                    user,
                    name: s.member_name(user).unwrap_or_else(|| user.to_string()),
                    speaking: s.speaking.contains(&user),
                    muted: v.is_some_and(|v| v.self_mute || v.mute),
                    deafened: v.is_some_and(|v| v.self_deaf || v.deaf),
                });
            }
        }
    }
    out
}

/// The row index of the `cursor`-th channel (categories and participants are not counted).
pub fn cursor_row(rows: &[ChannelRow], cursor: usize) -> usize {
    rows.iter()
        .enumerate()
        .filter(|(_, r)| matches!(r, ChannelRow::Channel { .. }))
        .nth(cursor)
        .map_or(0, |(i, _)| i)
}

/// The first row shown so that `row` is visible in `height` rows.
pub fn scroll_offset(row: usize, height: usize) -> usize {
    if height == 0 || row < height {
        0
    } else {
        row + 1 - height
    }
}
