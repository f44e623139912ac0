//! Outages: a stand-in killed mid-request and brought back. From the kill on, every call in flight
//! to the service loses its connection without an answer, and every new call is cut the same way as
//! soon as it arrives, until the service is restored: what a client sees of a crashed server.
//!
//! The stack serves every stand-in on one listener, so a dead service cannot refuse connections;
//! its calls are cut on arrival instead. [`serve`] runs each connection next to a [`Cut`] handle that
//! the outage layer pulls to drop the socket (with a reset) while the request is still unanswered.
//! [`Service::Redis`] is different: the REST stand-in stays up and the `redis-server` behind it is
//! stopped and restarted ([`Backend`]), so the stand-in answers as Upstash does without its database.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

use crate::faults::Service;

/// A dependency that can really be stopped and started again (the Upstash stand-in's own
/// `redis-server`).
pub trait Backend: Send + Sync {
    fn kill(&self);
    fn restore(&self);
}

/// The outage switches of one stack, one per service. Cheap to clone.
#[derive(Clone, Default)]
pub struct Outages(Arc<Mutex<HashMap<Service, Switch>>>);

struct Switch {
    down: watch::Sender<bool>,
    /// Calls still to be served before the service dies with the next one in flight.
    kill_after: Option<usize>,
    /// Calls that reached the service, served or not.
    calls: usize,
    backend: Option<Arc<dyn Backend>>,
}

impl Default for Switch {
    fn default() -> Self {
        Self { down: watch::Sender::new(false), kill_after: None, calls: 0, backend: None }
    }
}

/// What the layer does with a call that just arrived.
enum Arrival {
    Serve,
    Cut,
}

impl Outages {
    /// Kills `service` now: calls in flight lose their connection, new ones are cut on arrival.
    pub fn kill(&self, service: Service) {
        let mut switches = self.lock();
        let switch = switches.entry(service).or_default();
        switch.kill_after = None;
        Self::die(switch);
    }

    /// Lets the next `calls` calls of `service` be served, then kills it as the one after arrives:
    /// that call has reached the service and dies with it, unanswered. So `kill_after(s, 2)` kills
    /// the third step of a request that calls `s` three times.
    pub fn kill_after(&self, service: Service, calls: usize) {
        self.lock().entry(service).or_default().kill_after = Some(calls);
    }

    /// Brings `service` back (and forgets a pending `kill_after`): the next call is served.
    pub fn restore(&self, service: Service) {
        let mut switches = self.lock();
        let switch = switches.entry(service).or_default();
        switch.kill_after = None;
        if *switch.down.borrow() {
            if let Some(backend) = &switch.backend {
                backend.restore();
            }
            switch.down.send_replace(false);
        }
    }

    pub fn is_down(&self, service: Service) -> bool {
        self.lock().get(&service).is_some_and(|switch| *switch.down.borrow())
    }

    /// Calls that reached `service` since the stack started, including those an outage cut: what a
    /// test counts the steps of a request by.
    pub fn calls(&self, service: Service) -> usize {
        self.lock().get(&service).map_or(0, |switch| switch.calls)
    }

    /// Makes `service`'s outages stop and restart `backend` instead of cutting connections.
    pub fn attach(&self, service: Service, backend: Arc<dyn Backend>) {
        self.lock().entry(service).or_default().backend = Some(backend);
    }

    /// Wraps `router` so that `services`' switches apply to its calls (the Upstash stand-in answers
    /// for the Upstash switch and for the Redis one behind it).
    pub fn layer(&self, services: &'static [Service], router: Router) -> Router {
        router.layer(middleware::from_fn_with_state((self.clone(), services), guard))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Service, Switch>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn die(switch: &mut Switch) {
        if !*switch.down.borrow() {
            if let Some(backend) = &switch.backend {
                backend.kill();
            }
            switch.down.send_replace(true);
        }
    }

    /// Counts a call and decides its fate; a backend outage lets it through to fail on its own.
    fn arrive(&self, service: Service) -> Arrival {
        let mut switches = self.lock();
        let switch = switches.entry(service).or_default();
        switch.calls += 1;
        match switch.kill_after {
            Some(0) => {
                switch.kill_after = None;
                Self::die(switch);
            }
            Some(left) => switch.kill_after = Some(left - 1),
            None => {}
        }
        if *switch.down.borrow() && switch.backend.is_none() { Arrival::Cut } else { Arrival::Serve }
    }

    fn watch(&self, service: Service) -> Option<watch::Receiver<bool>> {
        let mut switches = self.lock();
        let switch = switches.entry(service).or_default();
        switch.backend.is_none().then(|| switch.down.subscribe())
    }
}

async fn guard(State((outages, services)): State<(Outages, &'static [Service])>, req: Request, next: Next) -> Response {
    let cut = req.extensions().get::<Cut>().cloned();
    let mut watches = Vec::new();
    for &service in services {
        if let Arrival::Cut = outages.arrive(service) {
            return cut_off(cut).await;
        }
        watches.extend(outages.watch(service));
    }
    if watches.is_empty() {
        return next.run(req).await;
    }
    let killed = futures_util::future::select_all(
        watches.into_iter().map(|mut down| Box::pin(async move { down.wait_for(|down| *down).await.is_ok() })),
    );
    tokio::select! {
        response = next.run(req) => response,
        _ = killed => cut_off(cut).await,
    }
}

/// Drops the connection of the call being answered, which then never gets its answer.
async fn cut_off(cut: Option<Cut>) -> Response {
    match cut {
        Some(cut) => {
            cut.0.notify_one();
            // The connection's task drops this future with the socket.
            std::future::pending().await
        }
        // Served by something other than [`serve`]: break the answer after its headers instead.
        None => crate::faults::dropped(),
    }
}

/// Pulled by the outage layer to drop the connection a request came on.
#[derive(Clone)]
pub struct Cut(Arc<Notify>);

/// Serves `router` on `listener` like `axum::serve`, with each connection cut when its [`Cut`] is
/// pulled: the socket closes with a reset (`SO_LINGER` 0), as the kernel closes a killed process's.
/// Only a cut socket lingers 0: closed that way, the kernel discards what it still holds unsent,
/// and a connection that ends normally (`Connection: close`) must first deliver its whole answer.
pub async fn serve(listener: TcpListener, router: Router) {
    loop {
        let Ok((stream, peer)) = listener.accept().await else { continue };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        tokio::spawn(async move {
            let cut = Cut(Arc::new(Notify::new()));
            let handle = cut.clone();
            let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(handle.clone());
                // Who connected, as `axum::serve` with connect info records it: the edge reads it.
                req.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                tower::ServiceExt::oneshot(router.clone(), req.map(axum::body::Body::new))
            });
            let io = hyper_util::rt::TokioIo::new(stream);
            let mut connection = hyper::server::conn::http1::Builder::new().serve_connection(io, service);
            tokio::select! {
                _ = &mut connection => {}
                () = cut.0.notified() => {
                    let _ = connection.into_parts().io.into_inner().set_zero_linger();
                }
            }
        });
    }
}
