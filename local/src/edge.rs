//! What Vercel's proxy adds to a request before a function sees it: the client's address, in
//! `x-vercel-forwarded-for`, `x-real-ip` and `x-forwarded-for`, replacing whatever the client sent
//! in those headers (Vercel's "Request headers" page; `vercel dev` sets the same three from the
//! connection's peer).
//!
//! The stack listens on loopback only, so every peer is this machine. To let tests act as clients
//! anywhere, a request that already carries `x-vercel-forwarded-for` from a loopback peer is taken
//! to have passed Vercel's proxy, which that header names the client for; any other request gets
//! its peer's address. Either way `x-real-ip` and `x-forwarded-for` are overwritten with the same
//! address, so a client-sent value in them never reaches a function, as on Vercel.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request};
use http::HeaderValue;

/// The header Vercel's proxy names the client in, and which it never lets a client set.
pub const CLIENT_ADDRESS: &str = "x-vercel-forwarded-for";

/// Sets the client-address headers of `req` as Vercel's proxy would.
pub fn stamp(req: &mut Request) {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip());
    let forwarded = req.headers().get(CLIENT_ADDRESS).cloned();
    let Some(client) = client(peer, forwarded) else { return };
    let headers = req.headers_mut();
    for name in [CLIENT_ADDRESS, "x-real-ip", "x-forwarded-for"] {
        headers.insert(name, client.clone());
    }
}

/// A loopback peer's own `x-vercel-forwarded-for`, else the peer's address; `None` for a request
/// that came over no connection (a test's in-process call), which is left as it is.
fn client(peer: Option<IpAddr>, forwarded: Option<HeaderValue>) -> Option<HeaderValue> {
    let peer = peer?;
    match forwarded {
        Some(value) if peer.is_loopback() => Some(value),
        _ => HeaderValue::from_str(&peer.to_string()).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamped(peer: Option<&str>, sent: &[(&'static str, &'static str)]) -> Vec<Option<String>> {
        let mut builder = http::Request::get("/api/auth/login");
        for (name, value) in sent {
            builder = builder.header(*name, *value);
        }
        let mut req = builder.body(axum::body::Body::empty()).unwrap();
        if let Some(peer) = peer {
            req.extensions_mut().insert(ConnectInfo(SocketAddr::new(peer.parse().unwrap(), 40_000)));
        }
        stamp(&mut req);
        [CLIENT_ADDRESS, "x-real-ip", "x-forwarded-for"]
            .map(|name| req.headers().get(name).map(|v| v.to_str().unwrap().to_owned()))
            .to_vec()
    }

    #[test]
    fn a_client_gets_its_peer_address_in_all_three_whatever_it_sent() {
        let sent = [("x-real-ip", "192.0.2.9"), ("x-forwarded-for", "192.0.2.9, 10.0.0.1")];
        assert_eq!(stamped(Some("127.0.0.1"), &sent), vec![Some("127.0.0.1".to_owned()); 3]);
    }

    #[test]
    fn a_loopback_caller_standing_in_for_vercels_proxy_names_the_client() {
        let sent = [(CLIENT_ADDRESS, "2001:db8::7"), ("x-real-ip", "192.0.2.9")];
        assert_eq!(stamped(Some("127.0.0.1"), &sent), vec![Some("2001:db8::7".to_owned()); 3]);
    }

    #[test]
    fn a_remote_peer_cannot_name_another_client() {
        let sent = [(CLIENT_ADDRESS, "2001:db8::7")];
        assert_eq!(stamped(Some("203.0.113.5"), &sent), vec![Some("203.0.113.5".to_owned()); 3]);
    }

    #[test]
    fn a_request_over_no_connection_is_left_alone() {
        assert_eq!(stamped(None, &[("x-real-ip", "192.0.2.9")])[1].as_deref(), Some("192.0.2.9"));
    }
}
