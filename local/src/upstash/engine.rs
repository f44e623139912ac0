//! The in-process engine: the Redis string commands the studio uses, with Redis's replies and error
//! texts, expiry on an injectable clock, and MULTI/EXEC semantics under one lock. Used when no
//! `redis-server` is installed; the tests run one table of commands through both and compare.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::commands;
use super::resp::Reply;

/// Milliseconds since the Unix epoch, as Redis keeps expiry times.
pub trait Clock: Send + Sync {
    fn now_ms(&self) -> i64;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }
}

/// A clock a test moves by hand: expiry without sleeping.
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(now_ms: i64) -> Arc<Self> {
        Arc::new(Self(AtomicI64::new(now_ms)))
    }

    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(i64::try_from(by.as_millis()).unwrap_or(i64::MAX), Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

pub struct Engine {
    keyspace: Mutex<Keyspace>,
    clock: Arc<dyn Clock>,
}

/// String values only: the studio stores counters and flags.
#[derive(Default)]
pub struct Keyspace {
    entries: HashMap<Vec<u8>, Entry>,
    /// Commands since the last sweep of expired keys nobody reads again.
    since_sweep: u32,
}

pub struct Entry {
    pub value: Vec<u8>,
    /// Unix milliseconds; the key is gone once the clock is past it.
    pub expires_at: Option<i64>,
}

const EXECABORT: &str = "EXECABORT Transaction discarded because of previous errors.";

impl Engine {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { keyspace: Mutex::new(Keyspace::default()), clock }
    }

    pub fn command(&self, args: &[Vec<u8>]) -> Reply {
        let now = self.clock.now_ms();
        run(&mut self.lock(), args, now)
    }

    /// In order, each under the lock on its own: like Redis, others may interleave.
    pub fn pipeline(&self, commands: &[Vec<Vec<u8>>]) -> Vec<Reply> {
        commands.iter().map(|args| self.command(args)).collect()
    }

    /// Like MULTI … EXEC: an unknown command or a wrong arity (Redis's queue-time checks) discards
    /// the whole transaction; otherwise every command runs under one lock hold, failing alone.
    pub fn multi_exec(&self, commands: &[Vec<Vec<u8>>]) -> Reply {
        if commands.iter().any(|args| commands::lookup(args).is_err()) {
            return Reply::error(EXECABORT);
        }
        let mut keyspace = self.lock();
        let now = self.clock.now_ms();
        Reply::Array(Some(commands.iter().map(|args| run(&mut keyspace, args, now)).collect()))
    }

    fn lock(&self) -> MutexGuard<'_, Keyspace> {
        self.keyspace.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn run(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Reply {
    keyspace.sweep_now_and_then(now);
    match commands::lookup(args) {
        Ok(command) => command(keyspace, args, now),
        Err(error) => error,
    }
}

impl Keyspace {
    /// The entry under `key` unless it has expired (then it is removed, as Redis does on access).
    pub fn live(&mut self, key: &[u8], now: i64) -> Option<&mut Entry> {
        if self.entries.get(key).is_some_and(|entry| is_expired(entry, now)) {
            self.entries.remove(key);
        }
        self.entries.get_mut(key)
    }

    pub fn insert(&mut self, key: &[u8], entry: Entry) {
        self.entries.insert(key.to_vec(), entry);
    }

    pub fn remove(&mut self, key: &[u8], now: i64) -> bool {
        self.live(key, now).is_some() && self.entries.remove(key).is_some()
    }

    /// Redis also expires keys nobody reads; a long-running dev server would otherwise keep every
    /// rate-limit bucket it ever made.
    fn sweep_now_and_then(&mut self, now: i64) {
        self.since_sweep += 1;
        if self.since_sweep >= 1000 {
            self.since_sweep = 0;
            self.entries.retain(|_, entry| !is_expired(entry, now));
        }
    }
}

/// Redis keeps a key through its expiry millisecond and drops it after (`now > when`).
fn is_expired(entry: &Entry, now: i64) -> bool {
    entry.expires_at.is_some_and(|at| now > at)
}
