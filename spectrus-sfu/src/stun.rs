//! Minimal, allocation-free STUN parsing: just enough to read the USERNAME of a binding
//! request so the demultiplexer can learn which participant a new address belongs to.
//! Everything else about STUN (integrity, responses) is the peer connection's job.

const MAGIC_COOKIE: u32 = 0x2112_A442;
const BINDING_REQUEST: u16 = 0x0001;
const ATTR_USERNAME: u16 = 0x0006;
const HEADER_LEN: usize = 20;

/// The kind of a datagram on the shared port, by its first byte (RFC 7983).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PacketKind {
    Stun,
    Dtls,
    Rtp,
    Other,
}

pub(crate) fn classify(buf: &[u8]) -> PacketKind {
    match buf.first() {
        Some(0..=3) => PacketKind::Stun,
        Some(20..=63) => PacketKind::Dtls,
        Some(128..=191) => PacketKind::Rtp,
        _ => PacketKind::Other,
    }
}

/// Whether `buf` is a STUN binding request (its header: type and magic cookie).
pub(crate) fn is_binding_request(buf: &[u8]) -> bool {
    buf.len() >= HEADER_LEN
        && u16::from_be_bytes([buf[0], buf[1]]) == BINDING_REQUEST
        && u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]) == MAGIC_COOKIE
}

/// If `buf` is a well-formed STUN binding request, the local (server-side) ufrag from its
/// USERNAME attribute (`"<server ufrag>:<client ufrag>"`).
pub(crate) fn binding_request_server_ufrag(buf: &[u8]) -> Option<&str> {
    if buf.len() < HEADER_LEN {
        return None;
    }
    let msg_type = u16::from_be_bytes([buf[0], buf[1]]);
    let msg_len = usize::from(u16::from_be_bytes([buf[2], buf[3]]));
    let cookie = u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]);
    if msg_type != BINDING_REQUEST || cookie != MAGIC_COOKIE || msg_len % 4 != 0 {
        return None;
    }
    let body = buf.get(HEADER_LEN..HEADER_LEN + msg_len)?;
    let mut rest = body;
    while rest.len() >= 4 {
        let attr_type = u16::from_be_bytes([rest[0], rest[1]]);
        let attr_len = usize::from(u16::from_be_bytes([rest[2], rest[3]]));
        let value = rest.get(4..4 + attr_len)?;
        if attr_type == ATTR_USERNAME {
            let username = std::str::from_utf8(value).ok()?;
            return username.split(':').next().filter(|u| !u.is_empty());
        }
        let padded = (attr_len + 3) & !3;
        rest = rest.get(4 + padded..)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(username: &[u8]) -> Vec<u8> {
        let padded = (username.len() + 3) & !3;
        let mut b = vec![0x00, 0x01];
        b.extend_from_slice(&((4 + padded) as u16).to_be_bytes());
        b.extend_from_slice(&MAGIC_COOKIE.to_be_bytes());
        b.extend_from_slice(&[7u8; 12]);
        b.extend_from_slice(&ATTR_USERNAME.to_be_bytes());
        b.extend_from_slice(&(username.len() as u16).to_be_bytes());
        b.extend_from_slice(username);
        b.resize(20 + 4 + padded, 0);
        b
    }

    #[test]
    fn reads_server_ufrag() {
        let r = request(b"srvfrag:cli");
        assert_eq!(binding_request_server_ufrag(&r), Some("srvfrag"));
        assert_eq!(classify(&r), PacketKind::Stun);
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(binding_request_server_ufrag(&[]), None);
        assert_eq!(binding_request_server_ufrag(&[0u8; 19]), None);
        let mut r = request(b"abc:def");
        r[2] = 0xff; // length past the end
        assert_eq!(binding_request_server_ufrag(&r), None);
        let mut r = request(b"abc:def");
        r[4] = 0; // bad cookie
        assert_eq!(binding_request_server_ufrag(&r), None);
        let mut r = request(b"abc:def");
        r[22] = 0xff; // attribute length past the end
        assert_eq!(binding_request_server_ufrag(&r), None);
        assert_eq!(binding_request_server_ufrag(&request(b":x")), None);
        for len in 0..64 {
            let junk: Vec<u8> = (0..len).map(|i| (i * 37 % 251) as u8).collect();
            let _ = binding_request_server_ufrag(&junk);
        }
    }
}
