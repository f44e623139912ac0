//! The Upstash Redis REST stand-in, mounted at `/upstash`: the same endpoints, auth, encodings
//! and JSON as Upstash, over a real `redis-server` when one is installed (commands and replies
//! pass through unchanged), otherwise over an in-process engine of the typed API's commands.
//!
//! - [`http`]: the REST layer: methods, auth, `Upstash-Encoding`, Upstash's bodies and statuses.
//! - [`request`]: the commands of a request: JSON array, 2-D batch, or path style.
//! - [`server`]: the process's private `redis-server`; each stand-in takes a database of its own.
//! - [`resp`]: the RESP client that talks to it, and [`Reply`], what both backends answer.
//! - [`engine`]: the in-process engine, with expiry on an injectable [`Clock`].

mod engine;
mod http;
mod request;
mod resp;
mod server;

use std::io;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;

pub use engine::{Clock, ManualClock, SystemClock};
pub use resp::Reply;

use engine::Engine;
use resp::Conn;
use server::RedisServer;

/// The REST token of the local stand-in. Not a secret: it guards a server on loopback.
pub const LOCAL_UPSTASH_TOKEN: &str = "studio-local-upstash-token";

/// One stand-in: its own keyspace, on one of the two backends.
#[derive(Clone)]
pub struct Upstash(Arc<Backend>);

enum Backend {
    Redis(RedisDb),
    Memory(Engine),
}

/// One database of a `redis-server` (the shared one, or the stand-in's own), with a few idle
/// connections kept for reuse.
struct RedisDb {
    socket: std::path::PathBuf,
    /// The stand-in's own server, which outages stop and restart; `None` for the shared one.
    private: Option<RedisServer>,
    db: u32,
    idle: Mutex<Vec<Conn>>,
    /// Emptied once before first use: a database number is reused after `DATABASES` stand-ins.
    flushed: tokio::sync::OnceCell<()>,
}

/// Connection state and server-wide commands: they would break the isolation of the stand-ins
/// sharing the server (and Upstash refuses most of them too).
const REFUSED: &str = "select swapdb move flushall multi exec discard watch unwatch subscribe psubscribe \
    ssubscribe monitor quit reset hello auth client config shutdown debug save bgsave bgrewriteaof replicaof \
    slaveof sync psync failover acl module wait blpop brpop blmove blmpop brpoplpush bzpopmin bzpopmax bzmpop";

impl Upstash {
    /// The real `redis-server` when installed, else the in-process engine on the system clock.
    pub fn start() -> Self {
        match Self::redis() {
            Ok(Some(upstash)) => upstash,
            Ok(None) => Self::in_process(Arc::new(SystemClock)),
            Err(err) => {
                eprintln!("studio-local: {err}; the Upstash stand-in uses its in-process engine");
                Self::in_process(Arc::new(SystemClock))
            }
        }
    }

    /// A database of its own on the process's `redis-server`; `Ok(None)` when none is installed.
    pub fn redis() -> Result<Option<Self>, String> {
        static NEXT_DB: AtomicU32 = AtomicU32::new(0);
        let Some(server) = RedisServer::shared()? else { return Ok(None) };
        let db = NEXT_DB.fetch_add(1, Ordering::Relaxed) % server::DATABASES;
        let backend = RedisDb {
            socket: server.socket(),
            private: None,
            db,
            idle: Mutex::new(Vec::new()),
            flushed: tokio::sync::OnceCell::new(),
        };
        Ok(Some(Self(Arc::new(Backend::Redis(backend)))))
    }

    /// A `redis-server` of its own, which [`crate::outage`] may kill and restart without touching
    /// other stand-ins; `Ok(None)` when none is installed.
    pub fn private() -> Result<Option<Self>, String> {
        let server = RedisServer::private().map_err(|e| format!("redis-server did not start: {e}"))?;
        Ok(server.map(|server| {
            let backend = RedisDb {
                socket: server.socket(),
                private: Some(server),
                db: 0,
                idle: Mutex::new(Vec::new()),
                flushed: tokio::sync::OnceCell::new(),
            };
            Self(Arc::new(Backend::Redis(backend)))
        }))
    }

    /// As an outage's [`Backend`](crate::outage::Backend), when this stand-in has its own server.
    pub fn killable(&self) -> Option<Arc<dyn crate::outage::Backend>> {
        match &*self.0 {
            Backend::Redis(RedisDb { private: Some(_), .. }) => Some(Arc::new(self.clone())),
            _ => None,
        }
    }

    pub fn in_process(clock: Arc<dyn Clock>) -> Self {
        Self(Arc::new(Backend::Memory(Engine::new(clock))))
    }

    /// What answers the commands, for start-up messages.
    pub fn describe(&self) -> String {
        match &*self.0 {
            Backend::Redis(redis) => {
                format!("redis-server (database {} at {})", redis.db, redis.socket.display())
            }
            Backend::Memory(_) => format!("in-process engine ({})", engine::SCOPE),
        }
    }

    /// `POST /`, `/pipeline`, `/multi-exec` and `GET /`, to be nested at `/upstash`.
    pub fn router(&self) -> Router {
        http::router(self.clone())
    }

    async fn command(&self, args: Vec<Vec<u8>>) -> io::Result<Reply> {
        match &*self.0 {
            Backend::Memory(engine) => Ok(engine.command(&args)),
            Backend::Redis(redis) => Ok(redis.exchange(&[args]).await?.remove(0)),
        }
    }

    async fn pipeline(&self, commands: Vec<Vec<Vec<u8>>>) -> io::Result<Vec<Reply>> {
        match &*self.0 {
            Backend::Memory(engine) => Ok(engine.pipeline(&commands)),
            Backend::Redis(redis) => redis.exchange(&commands).await,
        }
    }

    /// MULTI, the commands and EXEC on one connection; EXEC's reply (or EXECABORT).
    async fn multi_exec(&self, commands: Vec<Vec<Vec<u8>>>) -> io::Result<Reply> {
        match &*self.0 {
            Backend::Memory(engine) => Ok(engine.multi_exec(&commands)),
            Backend::Redis(redis) => {
                let mut batch = vec![vec![b"MULTI".to_vec()]];
                batch.extend(commands);
                batch.push(vec![b"EXEC".to_vec()]);
                let mut replies = redis.exchange(&batch).await?;
                replies.pop().ok_or_else(|| io::Error::other("no reply to EXEC"))
            }
        }
    }
}

/// The command among `commands` the stand-in refuses to pass to a shared server, if any.
fn refused(commands: &[Vec<Vec<u8>>]) -> Option<String> {
    let names = commands.iter().filter_map(|args| args.first()).map(|name| String::from_utf8_lossy(name));
    names.map(|name| name.to_ascii_lowercase()).find(|name| REFUSED.split_whitespace().any(|r| r == name))
}

impl RedisDb {
    /// Writes `commands` at once and reads one reply each. The connection is reused only after a
    /// complete exchange: a cancelled request drops it with whatever state it was in.
    async fn exchange(&self, commands: &[Vec<Vec<u8>>]) -> io::Result<Vec<Reply>> {
        let mut conn = self.conn().await?;
        conn.send(commands).await?;
        let mut replies = Vec::with_capacity(commands.len());
        for _ in commands {
            replies.push(conn.read().await?);
        }
        let mut idle = self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if idle.len() < 16 {
            idle.push(conn);
        }
        Ok(replies)
    }

    async fn conn(&self) -> io::Result<Conn> {
        self.flushed
            .get_or_try_init(|| async {
                let mut conn = Conn::connect(&self.socket, self.db).await?;
                conn.send(&[vec![b"FLUSHDB".to_vec()]]).await?;
                conn.read().await.map(drop)
            })
            .await?;
        let reused = self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).pop();
        match reused {
            Some(conn) => Ok(conn),
            None => Conn::connect(&self.socket, self.db).await,
        }
    }
}

impl crate::outage::Backend for Upstash {
    fn kill(&self) {
        if let Backend::Redis(RedisDb { private: Some(server), idle, .. }) = &*self.0 {
            server.kill();
            idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clear();
        }
    }

    /// Restarted empty, as a server without persistence comes back; connections kept from before
    /// the kill are gone, so the first call after is served like any other.
    fn restore(&self) {
        if let Backend::Redis(RedisDb { private: Some(server), idle, .. }) = &*self.0 {
            if let Err(err) = server.restart() {
                eprintln!("studio-local: redis-server did not restart: {err}");
            }
            idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clear();
        }
    }
}

/// The backend of the stand-ins this process has started, for the dev server's start-up lines.
pub fn backend_in_use() -> String {
    match RedisServer::running() {
        Some(server) => format!("redis-server at {}", server.socket().display()),
        None => format!("in-process engine ({}); install redis-server for the rest", engine::SCOPE),
    }
}
