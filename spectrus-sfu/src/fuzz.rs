//! Entry point for the fuzz targets (`fuzz/`, replayed over their seeds by the daemon's test
//! suite): a datagram from anyone on the network reaching the SFU's one UDP port, before
//! any peer connection has checked it.

use std::net::SocketAddr;

use crate::demux::Demux;

/// The server-side ICE ufrag of the one participant the demultiplexer knows here.
pub const UFRAG: &str = "fuzzufrag";

/// Routes `buf`, from a new address, through the demultiplexer (RFC 7983 classification and
/// the STUN USERNAME's ufrag): it is routed to the known participant or to no one, and an
/// address is learned only when it is routed.
pub fn datagram(buf: &[u8]) {
    let mut demux = Demux::default();
    demux.register(UFRAG.to_owned(), 7);
    let from = SocketAddr::from(([192, 0, 2, 1], 5000));
    match demux.route(from, buf) {
        Some(p) => {
            assert_eq!(p, 7, "routed to a participant that does not exist");
            assert_eq!(demux.address_count(), 1);
        }
        None => assert_eq!(demux.address_count(), 0, "learned an unrouted address"),
    }
}
