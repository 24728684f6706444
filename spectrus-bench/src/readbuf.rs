//! The read buffer both fan-out readers (`irc`, `wsclient`) keep: consumed bytes dropped and
//! room made before each read, so one read can bring what the socket has.

/// How much room a read gets at least (what the IRC client's line buffer held).
pub(crate) const READ: usize = 4096;

/// Drops `buf[..*start]` (what was handed over) when that is everything or when the free
/// room is short, then makes sure [`READ`] bytes are free.
pub(crate) fn make_room(buf: &mut Vec<u8>, start: &mut usize) {
    if *start == buf.len() {
        buf.clear();
        *start = 0;
    } else if buf.capacity() - buf.len() < READ {
        buf.drain(..*start);
        *start = 0;
    }
    if buf.capacity() - buf.len() < READ {
        buf.reserve(READ);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_unconsumed_tail_at_the_front_and_leaves_room_for_a_read() {
        let mut buf = Vec::with_capacity(READ);
        buf.extend(std::iter::repeat_n(b'x', READ - 10));
        buf.extend_from_slice(b"tail");
        let mut start = READ - 10;
        make_room(&mut buf, &mut start);
        assert_eq!((&buf[..], start), (&b"tail"[..], 0));
        assert!(buf.capacity() - buf.len() >= READ);
        // Everything consumed: emptied, whatever the room.
        let mut start = 4;
        make_room(&mut buf, &mut start);
        assert_eq!((buf.len(), start), (0, 0));
    }
}
