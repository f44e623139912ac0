//! The in-process engine: the Redis commands of `@upstash/redis`'s typed API for strings, keys,
//! hashes, lists, sets and sorted sets, with Redis's replies and error texts, expiry on an
//! injectable clock, and MULTI/EXEC semantics under one lock. Used when no `redis-server` is
//! installed; the tests run one table of commands through both and compare.
//!
//! - [`clock`]: the time expiry is measured on, injectable for tests;
//! - [`commands`]: the command table, argument parsing and the errors shared by all types;
//! - [`strings`], [`keys`], [`hashes`], [`lists`] (+ [`lpos`]), [`sets`], [`zsets`] (+ [`zrange`],
//!   [`zstore`]): the commands per type.

mod clock;
mod commands;
mod hashes;
mod keys;
mod lists;
mod lpos;
mod sets;
mod strings;
mod zrange;
mod zsets;
mod zstore;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use indexmap::{IndexMap, IndexSet};

use super::resp::Reply;
pub use clock::{Clock, ManualClock, SystemClock};

/// What the engine covers, for start-up messages.
pub const SCOPE: &str = "the typed API's string, key, hash, list, set and sorted-set commands";
pub use zsets::ZSet;

pub struct Engine {
    keyspace: Mutex<Keyspace>,
    clock: Arc<dyn Clock>,
}

#[derive(Default)]
pub struct Keyspace {
    entries: HashMap<Vec<u8>, Entry>,
    /// Commands since the last sweep of expired keys nobody reads again.
    since_sweep: u32,
}

pub struct Entry {
    pub value: Value,
    /// Unix milliseconds; the key is gone once the clock is past it.
    pub expires_at: Option<i64>,
}

/// A key's value. Hashes and sets keep insertion order, as Redis's small (listpack) encodings do.
#[derive(Clone)]
pub enum Value {
    Str(Vec<u8>),
    Hash(Hash),
    List(List),
    Set(Set),
    ZSet(ZSet),
}

pub type Hash = IndexMap<Vec<u8>, Vec<u8>>;
pub type List = VecDeque<Vec<u8>>;
pub type Set = IndexSet<Vec<u8>>;

/// One of the value types, for typed access to a key ([`Keyspace::get`]).
pub trait Kind: Default + Sized {
    fn of(value: &mut Value) -> Option<&mut Self>;
    fn wrap(self) -> Value;
}

macro_rules! kind {
    ($type:ty, $variant:ident) => {
        impl Kind for $type {
            fn of(value: &mut Value) -> Option<&mut Self> {
                match value {
                    Value::$variant(inner) => Some(inner),
                    _ => None,
                }
            }
            fn wrap(self) -> Value {
                Value::$variant(self)
            }
        }
    };
}
kind!(Vec<u8>, Str);
kind!(Hash, Hash);
kind!(List, List);
kind!(Set, Set);
kind!(ZSet, ZSet);

impl Value {
    /// As TYPE names it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Str(_) => "string",
            Self::Hash(_) => "hash",
            Self::List(_) => "list",
            Self::Set(_) => "set",
            Self::ZSet(_) => "zset",
        }
    }

    fn is_empty_collection(&self) -> bool {
        match self {
            Self::Str(_) => false,
            Self::Hash(hash) => hash.is_empty(),
            Self::List(list) => list.is_empty(),
            Self::Set(set) => set.is_empty(),
            Self::ZSet(zset) => zset.is_empty(),
        }
    }
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
        let refused: Vec<Reply> = commands.iter().filter_map(|args| commands::lookup(args).err()).collect();
        if let Some(left) = refused.iter().find(|reply| commands::is_left_to_redis(reply)) {
            return left.clone();
        }
        if !refused.is_empty() {
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
        Ok(command) => command(keyspace, args, now).unwrap_or_else(|error| error),
        Err(error) => error,
    }
}

pub fn wrong_type() -> Reply {
    Reply::error("WRONGTYPE Operation against a key holding the wrong kind of value")
}

impl Keyspace {
    /// The entry under `key` unless it has expired (then it is removed, as Redis does on access).
    pub fn live(&mut self, key: &[u8], now: i64) -> Option<&mut Entry> {
        if self.entries.get(key).is_some_and(|entry| is_expired(entry, now)) {
            self.entries.remove(key);
        }
        self.entries.get_mut(key)
    }

    /// The value under `key` as a `T`; WRONGTYPE when it holds another type.
    pub fn get<T: Kind>(&mut self, key: &[u8], now: i64) -> Result<Option<&mut T>, Reply> {
        match self.live(key, now) {
            None => Ok(None),
            Some(entry) => T::of(&mut entry.value).map(Some).ok_or_else(wrong_type),
        }
    }

    /// As [`get`](Self::get), creating an empty `T` (with no expiry) when the key is absent.
    pub fn get_or_create<T: Kind>(&mut self, key: &[u8], now: i64) -> Result<&mut T, Reply> {
        if self.live(key, now).is_none() {
            self.insert(key, Entry { value: T::default().wrap(), expires_at: None });
        }
        let entry = self.entries.get_mut(key).ok_or_else(wrong_type)?;
        T::of(&mut entry.value).ok_or_else(wrong_type)
    }

    /// Redis deletes a collection when its last element goes.
    pub fn drop_if_empty(&mut self, key: &[u8]) {
        if self.entries.get(key).is_some_and(|entry| entry.value.is_empty_collection()) {
            self.entries.remove(key);
        }
    }

    pub fn insert(&mut self, key: &[u8], entry: Entry) {
        self.entries.insert(key.to_vec(), entry);
    }

    /// A value stored anew: any previous value and expiry are replaced.
    pub fn put(&mut self, key: &[u8], value: Value) {
        self.insert(key, Entry { value, expires_at: None });
    }

    pub fn remove(&mut self, key: &[u8], now: i64) -> Option<Entry> {
        self.live(key, now)?;
        self.entries.remove(key)
    }

    /// The live keys, for KEYS, SCAN, RANDOMKEY and DBSIZE.
    pub fn keys(&mut self, now: i64) -> Vec<Vec<u8>> {
        self.entries.retain(|_, entry| !is_expired(entry, now));
        self.entries.keys().cloned().collect()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
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
