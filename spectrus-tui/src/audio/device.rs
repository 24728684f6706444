//! Sound cards through cpal: listing input and output devices (`spectrus-tui devices`) and
//! finding the one `--input-device` / `--output-device` names. Every failure is an
//! [`AudioError`] with a sentence a user can act on; nothing here panics on a machine with
//! no sound card.

use cpal::traits::{DeviceTrait, HostTrait};

/// Why audio could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    /// No device of that direction exists (e.g. a server with no sound card).
    #[error(
        "no {0} device found (no sound card?); run `spectrus-tui devices`, or use --headless-audio FILE.wav / --record-to FILE.wav"
    )]
    NoDevice(Direction),
    /// No device of that direction has the given name.
    #[error("no {direction} device named {name:?} (known: {known}); see `spectrus-tui devices`")]
    NotFound {
        /// Input or output.
        direction: Direction,
        /// The name asked for.
        name: String,
        /// The names there are, comma-separated.
        known: String,
    },
    /// The system's default device exists in name but cannot be used (e.g. ALSA's
    /// "default" on a machine with no sound card).
    #[error(
        "no {direction} device available: the default one cannot be opened ({message}); pick one from `spectrus-tui devices` with --{direction}-device, or use --headless-audio FILE.wav / --record-to FILE.wav"
    )]
    DefaultUnavailable {
        /// Input or output.
        direction: Direction,
        /// What the audio system said.
        message: String,
    },
    /// The audio system refused (device busy, unsupported format...).
    #[error("{direction} device {device:?}: {message}")]
    Device {
        /// Input or output.
        direction: Direction,
        /// Which device.
        device: String,
        /// What the audio system said.
        message: String,
    },
    /// The audio system itself is unavailable.
    #[error("audio system unavailable: {0}")]
    Host(String),
    /// A WAV file could not be opened or created.
    #[error("{path}: {message}")]
    Wav {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
}

impl AudioError {
    /// This error, as said about the default device of `direction`.
    pub fn for_default(self, direction: Direction) -> AudioError {
        match self {
            AudioError::Device { message, .. } => {
                AudioError::DefaultUnavailable { direction, message }
            }
            other => other,
        }
    }
}

/// Capture or playback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A microphone.
    Input,
    /// Speakers or headphones.
    Output,
}

impl std::fmt::Display for Direction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Direction::Input => "input",
            Direction::Output => "output",
        })
    }
}

/// A device as `spectrus-tui devices` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceInfo {
    /// Its name (what `--input-device` / `--output-device` take).
    pub name: String,
    /// The host's id for it, e.g. `alsa:default` (also accepted).
    pub id: String,
    /// Whether it is the system default.
    pub default: bool,
}

/// Every device of one direction on the default host.
pub fn list(direction: Direction) -> Result<Vec<DeviceInfo>, AudioError> {
    let host = cpal::default_host();
    let default = default_device(&host, direction);
    let default_id = default.as_ref().and_then(|d| d.id().ok());
    let devices = match direction {
        Direction::Input => host.input_devices().map(|d| d.collect::<Vec<_>>()),
        Direction::Output => host.output_devices().map(|d| d.collect::<Vec<_>>()),
    }
    .map_err(|e| AudioError::Host(e.to_string()))?;
    let mut list: Vec<DeviceInfo> = devices
        .iter()
        .map(|d| {
            let id = d.id().ok();
            DeviceInfo {
                name: d.to_string(),
                id: id.as_ref().map(ToString::to_string).unwrap_or_default(),
                default: id.is_some() && id == default_id,
            }
        })
        .collect();
    // The host's default is not always among the devices it enumerates (ALSA's `default`):
    // list it first, marked, so that the default is always visible.
    if let Some(d) = default
        && !list.iter().any(|i| i.default)
    {
        list.insert(
            0,
            DeviceInfo {
                name: d.to_string(),
                id: default_id.map(|i| i.to_string()).unwrap_or_default(),
                default: true,
            },
        );
    }
    Ok(list)
}

fn default_device(host: &cpal::Host, direction: Direction) -> Option<cpal::Device> {
    match direction {
        Direction::Input => host.default_input_device(),
        Direction::Output => host.default_output_device(),
    }
}

/// The device called `name` (or the default one when `None`).
pub fn find(direction: Direction, name: Option<&str>) -> Result<cpal::Device, AudioError> {
    let host = cpal::default_host();
    let Some(name) = name else {
        return default_device(&host, direction).ok_or(AudioError::NoDevice(direction));
    };
    let mut devices: Vec<cpal::Device> = match direction {
        Direction::Input => host.input_devices().map(|d| d.collect()),
        Direction::Output => host.output_devices().map(|d| d.collect()),
    }
    .map_err(|e| AudioError::Host(e.to_string()))?;
    let labels: Vec<(String, String)> = devices
        .iter()
        .map(|d| {
            (
                d.to_string(),
                d.id().map(|i| i.to_string()).unwrap_or_default(),
            )
        })
        .collect();
    match pick(&labels, name) {
        Some(i) => Ok(devices.swap_remove(i)),
        None if devices.is_empty() => Err(AudioError::NoDevice(direction)),
        None => Err(AudioError::NotFound {
            direction,
            name: name.to_owned(),
            known: labels
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// Which of `(name, id)` a user's `wanted` means: an exact name or id (ignoring case), else
/// the only one whose name contains it.
pub fn pick(labels: &[(String, String)], wanted: &str) -> Option<usize> {
    let w = wanted.trim().to_lowercase();
    if w.is_empty() {
        return None;
    }
    if let Some(i) = labels
        .iter()
        .position(|(n, id)| n.to_lowercase() == w || id.to_lowercase() == w)
    {
        return Some(i);
    }
    let mut hits = labels
        .iter()
        .enumerate()
        .filter(|(_, (n, _))| n.to_lowercase().contains(&w));
    match (hits.next(), hits.next()) {
        (Some((i, _)), None) => Some(i),
        _ => None,
    }
}

/// The text of `spectrus-tui devices`: both lists, with a clear line where one is empty.
pub fn describe(
    inputs: &Result<Vec<DeviceInfo>, AudioError>,
    outputs: &Result<Vec<DeviceInfo>, AudioError>,
) -> String {
    let mut out = String::new();
    for (title, direction, list) in [
        ("Input devices", Direction::Input, inputs),
        ("Output devices", Direction::Output, outputs),
    ] {
        out.push_str(title);
        out.push_str(":\n");
        match list {
            Err(e) => out.push_str(&format!("  (cannot list: {e})\n")),
            Ok(l) if l.is_empty() => {
                out.push_str(&format!("  no {direction} devices found\n"));
            }
            Ok(l) => {
                if !l.iter().any(|d| d.default) {
                    out.push_str(&format!(
                        "  (no default {direction} device: name one with --{direction}-device)\n"
                    ));
                }
                for d in l {
                    let mark = if d.default { "*" } else { " " };
                    out.push_str(&format!("{mark} {}", d.name));
                    if !d.id.is_empty() && d.id != d.name {
                        out.push_str(&format!("  [{}]", d.id));
                    }
                    out.push('\n');
                }
            }
        }
    }
    out.push_str("(* = default; pass a name or [id] to --input-device / --output-device)\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Vec<(String, String)> {
        [
            ("default", "alsa:default"),
            ("USB Headset Microphone", "alsa:hw:1,0"),
            ("Built-in Audio Analog Stereo", "alsa:hw:0,0"),
        ]
        .iter()
        .map(|(n, i)| (n.to_string(), i.to_string()))
        .collect()
    }

    #[test]
    fn picks_by_name_id_or_unique_part() {
        let l = labels();
        assert_eq!(pick(&l, "default"), Some(0));
        assert_eq!(pick(&l, "ALSA:HW:0,0"), Some(2));
        assert_eq!(pick(&l, "headset"), Some(1));
        assert_eq!(pick(&l, "a"), None, "ambiguous");
        assert_eq!(pick(&l, "speakers"), None);
        assert_eq!(pick(&l, " "), None);
    }

    #[test]
    fn empty_lists_say_so() {
        let text = describe(
            &Ok(vec![]),
            &Ok(vec![DeviceInfo {
                name: "default".into(),
                id: "alsa:default".into(),
                default: true,
            }]),
        );
        assert!(text.contains("no input devices found"), "{text}");
        assert!(text.contains("* default  [alsa:default]"), "{text}");
        let err = describe(&Err(AudioError::Host("gone".into())), &Ok(vec![]));
        assert!(
            err.contains("cannot list: audio system unavailable: gone"),
            "{err}"
        );
        assert!(err.contains("no output devices found"), "{err}");
    }

    #[test]
    fn the_default_is_marked_or_its_absence_said() {
        let null = DeviceInfo {
            name: "Discard all samples".into(),
            id: "alsa:null".into(),
            default: false,
        };
        let text = describe(&Ok(vec![null.clone()]), &Ok(vec![]));
        assert!(
            text.contains("(no default input device: name one with --input-device)"),
            "{text}"
        );
        let mut marked = null;
        marked.default = true;
        let text = describe(&Ok(vec![marked]), &Ok(vec![]));
        assert!(
            text.contains("* Discard all samples  [alsa:null]"),
            "{text}"
        );
        assert!(!text.contains("no default input"), "{text}");
    }

    #[test]
    fn errors_tell_what_to_do() {
        let e = AudioError::NoDevice(Direction::Input).to_string();
        assert!(e.starts_with("no input device found"), "{e}");
        assert!(e.contains("--headless-audio"), "{e}");
        let e = AudioError::Device {
            direction: Direction::Output,
            device: "Default Audio Device".into(),
            message: "not available".into(),
        }
        .for_default(Direction::Output)
        .to_string();
        assert!(e.starts_with("no output device available"), "{e}");
        assert!(e.contains("--output-device"), "{e}");
    }
}
