//! Speaking detection with hysteresis, from the RFC 6464 audio level of each packet (or, when
//! the sender does not send that header extension, from the Opus payload size).

use std::time::{Duration, Instant};

use crate::SfuEvent;

/// Audio level (−dBov, 0 = loudest, 127 = silence) at or below which a packet is "loud".
const LOUD_LEVEL: u8 = 60;
/// Opus payloads larger than this count as loud when there is no audio level.
const LOUD_PAYLOAD_BYTES: usize = 20;
/// Loud packets in a row needed to switch on.
const ON_AFTER: u32 = 2;
/// Quiet time needed to switch off.
const OFF_AFTER: Duration = Duration::from_millis(300);

/// One participant's speaking state.
#[derive(Debug, Default)]
pub(crate) struct SpeakingDetector {
    speaking: bool,
    loud_run: u32,
    last_loud: Option<Instant>,
}

impl SpeakingDetector {
    /// Feed one packet; returns `Some(new_state)` when the state flips.
    pub(crate) fn on_packet(
        &mut self,
        now: Instant,
        audio_level: Option<u8>,
        payload_len: usize,
    ) -> Option<bool> {
        let loud = match audio_level {
            Some(level) => level & 0x7f <= LOUD_LEVEL,
            None => payload_len > LOUD_PAYLOAD_BYTES,
        };
        if loud {
            self.loud_run += 1;
            self.last_loud = Some(now);
            if !self.speaking && self.loud_run >= ON_AFTER {
                self.speaking = true;
                return Some(true);
            }
        } else {
            self.loud_run = 0;
        }
        self.on_tick(now)
    }

    /// Called periodically (and on packets): switches off after enough quiet.
    pub(crate) fn on_tick(&mut self, now: Instant) -> Option<bool> {
        if self.speaking
            && self
                .last_loud
                .is_none_or(|t| now.saturating_duration_since(t) >= OFF_AFTER)
        {
            self.speaking = false;
            self.loud_run = 0;
            return Some(false);
        }
        None
    }

    /// When [`SpeakingDetector::on_tick`] would switch it off if nothing loud arrives.
    pub(crate) fn off_deadline(&self) -> Option<Instant> {
        if self.speaking {
            self.last_loud.map(|t| t + OFF_AFTER)
        } else {
            None
        }
    }

    /// Force the state off (e.g. on mute); returns `Some(false)` if it was on.
    pub(crate) fn reset(&mut self) -> Option<bool> {
        self.loud_run = 0;
        self.last_loud = None;
        if self.speaking {
            self.speaking = false;
            Some(false)
        } else {
            None
        }
    }
}

/// Queue the [`SfuEvent::Speaking`] of a detector's state change, if there is one.
pub(crate) fn speaking_event(
    events: &mut Vec<SfuEvent>,
    participant: u64,
    room: u64,
    change: Option<bool>,
) {
    if let Some(speaking) = change {
        events.push(SfuEvent::Speaking {
            participant,
            room,
            speaking,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hysteresis() {
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut d = SpeakingDetector::default();
        assert_eq!(d.on_packet(ms(0), Some(30), 80), None);
        assert_eq!(d.on_packet(ms(20), Some(30), 80), Some(true));
        // One quiet packet and short gaps do not flip it off.
        assert_eq!(d.on_packet(ms(40), Some(127), 5), None);
        assert_eq!(d.on_packet(ms(60), Some(30), 80), None);
        assert_eq!(d.on_tick(ms(200)), None);
        assert_eq!(d.on_tick(ms(361)), Some(false));
        assert_eq!(d.on_tick(ms(400)), None);
        // A single loud packet is not enough to switch on.
        assert_eq!(d.on_packet(ms(500), Some(30), 80), None);
        assert_eq!(d.on_packet(ms(520), Some(120), 80), None);
        assert_eq!(d.on_packet(ms(540), Some(30), 80), None);
    }

    #[test]
    fn size_fallback_and_reset() {
        let t0 = Instant::now();
        let mut d = SpeakingDetector::default();
        assert_eq!(d.on_packet(t0, None, 100), None);
        assert_eq!(d.on_packet(t0, None, 100), Some(true));
        assert_eq!(d.reset(), Some(false));
        assert_eq!(d.reset(), None);
        assert_eq!(d.on_packet(t0, None, 3), None);
    }
}
