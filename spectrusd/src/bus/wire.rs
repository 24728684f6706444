//! The frames the server writes (RFC 6455 text and close frames, unmasked, never
//! fragmented), written by hand on the hot path: a dispatch is its shared prefix plus the
//! session's sequence number, framed without copying the prefix into a message value first.
//! Reading the client's frames is tungstenite's job (`gateway::reader`).

use std::sync::Arc;

/// A dispatch frame without its sequence number: `{"op":"dispatch","t":"..","d":...`.
pub(super) type FramePrefix = Arc<str>;

const FIN_TEXT: u8 = 0x81;
const FIN_CLOSE: u8 = 0x88;

fn header(buf: &mut Vec<u8>, first: u8, len: usize) {
    buf.push(first);
    if len < 126 {
        buf.push(len as u8);
    } else if let Ok(short) = u16::try_from(len) {
        buf.push(126);
        buf.extend_from_slice(&short.to_be_bytes());
    } else {
        buf.push(127);
        buf.extend_from_slice(&(len as u64).to_be_bytes());
    }
}

/// Appends a text frame carrying `parts` concatenated.
pub(super) fn text(buf: &mut Vec<u8>, parts: &[&[u8]]) {
    let len = parts.iter().map(|p| p.len()).sum();
    buf.reserve(len + 10);
    header(buf, FIN_TEXT, len);
    for p in parts {
        buf.extend_from_slice(p);
    }
}

/// Appends a dispatch frame: `prefix` (`{"op":"dispatch",..,"d":..`) then `,"s":seq}`.
pub(super) fn dispatch(buf: &mut Vec<u8>, prefix: &str, seq: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut n = seq;
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    text(buf, &[prefix.as_bytes(), b",\"s\":", &digits[at..], b"}"]);
}

/// Appends a close frame (the reason is cut to fit a control frame's 125 bytes).
pub(super) fn close(buf: &mut Vec<u8>, code: u16, reason: &str) {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    header(buf, FIN_CLOSE, 2 + end);
    buf.extend_from_slice(&code.to_be_bytes());
    buf.extend_from_slice(&reason.as_bytes()[..end]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_use_the_shortest_header() {
        for (len, header_len) in [(0, 2), (125, 2), (126, 4), (65_535, 4), (65_536, 10)] {
            let body = "x".repeat(len);
            let mut buf = Vec::new();
            text(&mut buf, &[body.as_bytes()]);
            assert_eq!(buf.len(), len + header_len, "payload of {len}");
            assert_eq!(buf[0], 0x81);
            match header_len {
                2 => assert_eq!(usize::from(buf[1]), len),
                4 => assert_eq!(usize::from(u16::from_be_bytes([buf[2], buf[3]])), len),
                _ => assert_eq!(buf[2..10], (len as u64).to_be_bytes()),
            }
        }
    }

    #[test]
    fn dispatch_appends_the_sequence_number() {
        let mut buf = Vec::new();
        dispatch(&mut buf, r#"{"op":"dispatch","t":"X","d":1"#, 42);
        assert_eq!(&buf[2..], br#"{"op":"dispatch","t":"X","d":1,"s":42}"#);
        assert_eq!(usize::from(buf[1]), buf.len() - 2);
    }

    #[test]
    fn close_frames_carry_the_code_and_a_cut_reason() {
        let mut buf = Vec::new();
        close(&mut buf, 4009, "session timed out");
        assert_eq!(buf[0], 0x88);
        assert_eq!(&buf[2..4], &4009u16.to_be_bytes());
        assert_eq!(&buf[4..], b"session timed out");
        let mut long = Vec::new();
        close(&mut long, 1000, &"é".repeat(100));
        assert!(long.len() - 2 <= 125);
        assert!(std::str::from_utf8(&long[4..]).is_ok());
    }
}
