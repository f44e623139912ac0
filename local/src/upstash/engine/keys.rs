//! Keyspace commands (`db.c`, `expire.c` in Redis 7): existence, expiry, TYPE, KEYS/SCAN, RENAME,
//! COPY and the connection-free server commands (PING, ECHO, DBSIZE, FLUSHDB).

use super::commands::{Outcome, Spec, array, bulk, glob, integer, lower, ok, random_below, syntax_error};
use super::strings::expiry_time;
use super::{Entry, Keyspace};
use crate::upstash::resp::Reply;

pub const COMMANDS: &[Spec] = &[
    ("del", -2, del),
    ("unlink", -2, del),
    ("exists", -2, |ks, a, now| count(ks, &a[1..], now)),
    ("touch", -2, |ks, a, now| count(ks, &a[1..], now)),
    ("expire", -3, |ks, a, now| expire(ks, a, now, "expire", 1000, now)),
    ("pexpire", -3, |ks, a, now| expire(ks, a, now, "pexpire", 1, now)),
    ("expireat", -3, |ks, a, now| expire(ks, a, now, "expireat", 1000, 0)),
    ("pexpireat", -3, |ks, a, now| expire(ks, a, now, "pexpireat", 1, 0)),
    ("ttl", 2, |ks, a, now| ttl(ks, &a[1], now, 1000, now)),
    ("pttl", 2, |ks, a, now| ttl(ks, &a[1], now, 1, now)),
    ("expiretime", 2, |ks, a, now| ttl(ks, &a[1], now, 1000, 0)),
    ("pexpiretime", 2, |ks, a, now| ttl(ks, &a[1], now, 1, 0)),
    ("persist", 2, persist),
    ("type", 2, |ks, a, now| Ok(Reply::Status(ks.live(&a[1], now).map_or("none", |e| e.value.type_name()).into()))),
    ("keys", 2, |ks, a, now| array(&ks.keys(now).into_iter().filter(|key| glob(&a[1], key)).collect::<Vec<_>>())),
    ("scan", -2, scan),
    ("randomkey", 1, |ks, _, now| {
        let keys = ks.keys(now);
        bulk(keys.get(random_below(keys.len())))
    }),
    ("rename", 3, |ks, a, now| rename(ks, a, now, false)),
    ("renamenx", 3, |ks, a, now| rename(ks, a, now, true)),
    ("copy", -3, copy),
    ("dbsize", 1, |ks, _, now| Ok(Reply::Int(ks.keys(now).len() as i64))),
    ("flushdb", -1, flushdb),
    ("ping", -1, ping),
    ("echo", 2, |_, a, _| bulk(Some(&a[1]))),
];

fn del(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    Ok(Reply::Int(args[1..].iter().filter(|key| keyspace.remove(key, now).is_some()).count() as i64))
}

/// Counts every argument that exists, so a key named twice counts twice.
fn count(keyspace: &mut Keyspace, keys: &[Vec<u8>], now: i64) -> Outcome {
    Ok(Reply::Int(keys.iter().filter(|key| keyspace.live(key, now).is_some()).count() as i64))
}

/// TTL and friends: -2 without the key, -1 without an expiry; seconds round to the nearest.
fn ttl(keyspace: &mut Keyspace, key: &[u8], now: i64, unit_ms: i64, base: i64) -> Outcome {
    Ok(Reply::Int(match keyspace.live(key, now) {
        None => -2,
        Some(Entry { expires_at: None, .. }) => -1,
        Some(Entry { expires_at: Some(at), .. }) => ((*at - base).max(0) + unit_ms / 2) / unit_ms,
    }))
}

/// EXPIRE and friends, `key time [NX|XX|GT|LT]`: options first, then the time, then the key.
/// `base` is now for the relative forms and 0 for the absolute ones.
fn expire(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64, name: &str, unit_ms: i64, base: i64) -> Outcome {
    let mut flags = [false; 4];
    for arg in &args[3..] {
        match ["nx", "xx", "gt", "lt"].iter().position(|f| *f == lower(arg)) {
            Some(at) => flags[at] = true,
            None => return Err(Reply::error(format!("ERR Unsupported option {}", String::from_utf8_lossy(arg)))),
        }
    }
    let [nx, xx, gt, lt] = flags;
    if nx && (xx || gt || lt) {
        return Err(Reply::error("ERR NX and XX, GT or LT options at the same time are not compatible"));
    }
    if gt && lt {
        return Err(Reply::error("ERR GT and LT options at the same time are not compatible"));
    }
    let time = integer(&args[2])?;
    let Some(at) = time.checked_mul(unit_ms).and_then(|ms| ms.checked_add(base)) else {
        return Err(Reply::error(format!("ERR invalid expire time in '{name}' command")));
    };
    let Some(entry) = keyspace.live(&args[1], now) else { return Ok(Reply::Int(0)) };
    let refused = match entry.expires_at {
        // No expiry counts as infinite: a later time is never greater, any time is less.
        None => xx || gt,
        Some(current) => nx || (gt && at <= current) || (lt && at >= current),
    };
    if refused {
        return Ok(Reply::Int(0));
    }
    if at <= now {
        keyspace.remove(&args[1], now);
    } else {
        entry.expires_at = Some(at);
    }
    Ok(Reply::Int(1))
}

fn persist(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let entry = keyspace.live(&args[1], now);
    Ok(Reply::Int(entry.and_then(|entry| entry.expires_at.take()).map_or(0, |_| 1)))
}

/// GETEX key [EX s | PX ms | EXAT s | PXAT ms | PERSIST]: options, then the key and its type,
/// then the time (so a missing key never reports a bad time).
pub fn getex(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let mut change: Option<(String, Option<&Vec<u8>>)> = None;
    let mut i = 2;
    while i < args.len() {
        let option = lower(&args[i]);
        let takes_time = ["ex", "px", "exat", "pxat"].contains(&option.as_str());
        match (change.is_none(), takes_time, args.get(i + 1)) {
            (true, true, Some(time)) => {
                change = Some((option, Some(time)));
                i += 1;
            }
            (true, false, _) if option == "persist" => change = Some((option, None)),
            _ => return Err(syntax_error()),
        }
        i += 1;
    }
    let Some(value) = keyspace.get::<Vec<u8>>(&args[1], now)?.cloned() else { return Ok(Reply::Bulk(None)) };
    let expires_at = match &change {
        Some((unit, Some(time))) => Some(Some(expiry_time(unit, time, now, "getex")?)),
        Some((_, None)) => Some(None),
        None => None,
    };
    match expires_at {
        Some(Some(at)) if at <= now => drop(keyspace.remove(&args[1], now)),
        Some(at) => keyspace.live(&args[1], now).into_iter().for_each(|entry| entry.expires_at = at),
        None => {}
    }
    Ok(Reply::Bulk(Some(value)))
}

/// The options of SCAN and its per-type forms: MATCH, COUNT (≥ 1) and, for SCAN, TYPE.
pub struct ScanOptions {
    pub pattern: Option<Vec<u8>>,
    pub kind: Option<String>,
}

/// The cursor, which must be an unsigned integer.
pub fn cursor(raw: &[u8]) -> Result<u64, Reply> {
    std::str::from_utf8(raw).ok().and_then(|text| text.parse().ok()).ok_or_else(|| Reply::error("ERR invalid cursor"))
}

pub fn scan_options(args: &[Vec<u8>], allow_type: bool) -> Result<ScanOptions, Reply> {
    let mut options = ScanOptions { pattern: None, kind: None };
    for pair in args.chunks(2) {
        let [name, value] = pair else { return Err(syntax_error()) };
        match lower(name).as_str() {
            "match" => options.pattern = Some(value.clone()),
            "count" if integer(value)? < 1 => return Err(syntax_error()),
            "count" => {}
            "type" if allow_type => options.kind = Some(lower(value)),
            _ => return Err(syntax_error()),
        }
    }
    Ok(options)
}

/// The whole answer in one page (cursor 0), as Redis gives for small collections.
pub fn page(items: Vec<Vec<u8>>) -> Outcome {
    let items = items.into_iter().map(|item| Reply::Bulk(Some(item))).collect();
    Ok(Reply::Array(Some(vec![Reply::Bulk(Some(b"0".to_vec())), Reply::Array(Some(items))])))
}

fn scan(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    cursor(&args[1])?;
    let options = scan_options(&args[2..], true)?;
    let mut keys = keyspace.keys(now);
    keys.retain(|key| options.pattern.as_ref().is_none_or(|pattern| glob(pattern, key)));
    if let Some(kind) = &options.kind {
        keys.retain(|key| keyspace.live(key, now).is_some_and(|entry| entry.value.type_name() == kind));
    }
    page(keys)
}

fn rename(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64, nx: bool) -> Outcome {
    if keyspace.live(&args[1], now).is_none() {
        return Err(Reply::error("ERR no such key"));
    }
    if nx && keyspace.live(&args[2], now).is_some() {
        return Ok(Reply::Int(0));
    }
    if let Some(entry) = keyspace.remove(&args[1], now) {
        keyspace.insert(&args[2], entry);
    }
    if nx { Ok(Reply::Int(1)) } else { ok() }
}

/// COPY source destination [DB n] [REPLACE]; another database is outside this engine's one.
fn copy(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let mut replace = false;
    for arg in &args[3..] {
        match lower(arg).as_str() {
            "replace" => replace = true,
            "db" => return Err(Reply::error("ERR COPY ... DB needs the stand-in to run over redis-server")),
            _ => return Err(syntax_error()),
        }
    }
    if args[1] == args[2] {
        return Err(Reply::error("ERR source and destination objects are the same"));
    }
    let Some(source) = keyspace.live(&args[1], now) else { return Ok(Reply::Int(0)) };
    let copied = Entry { value: source.value.clone(), expires_at: source.expires_at };
    if !replace && keyspace.live(&args[2], now).is_some() {
        return Ok(Reply::Int(0));
    }
    keyspace.insert(&args[2], copied);
    Ok(Reply::Int(1))
}

fn flushdb(keyspace: &mut Keyspace, args: &[Vec<u8>], _: i64) -> Outcome {
    match args.get(1).map(|a| lower(a)) {
        Some(mode) if args.len() > 2 || (mode != "sync" && mode != "async") => Err(syntax_error()),
        _ => {
            keyspace.clear();
            ok()
        }
    }
}

/// PING [message]: more than one argument is an arity error, as Redis checks it in the command.
fn ping(_: &mut Keyspace, args: &[Vec<u8>], _: i64) -> Outcome {
    match args {
        [_] => Ok(Reply::Status("PONG".into())),
        [_, message] => bulk(Some(message)),
        _ => Err(Reply::error("ERR wrong number of arguments for 'ping' command")),
    }
}
