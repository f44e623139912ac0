//! String commands, following Redis 7's `t_string.c`: the same argument checks in the same order
//! and the same error texts.

use super::commands::{
    Outcome, Spec, bulk, float, format_human, integer, lower, not_float, not_integer, ok, syntax_error,
};
use super::{Entry, Keyspace, Value};
use crate::upstash::resp::Reply;

pub const COMMANDS: &[Spec] = &[
    ("get", 2, |ks, a, now| bulk(ks.get::<Vec<u8>>(&a[1], now)?.map(|v| &*v))),
    ("set", -3, set),
    ("setnx", 3, |ks, a, now| set_with(ks, &a[1], &a[2], SetOptions { nx: true, ..Default::default() }, now, true)),
    ("setex", 4, |ks, a, now| set_expiring(ks, a, now, "setex", 1000)),
    ("psetex", 4, |ks, a, now| set_expiring(ks, a, now, "psetex", 1)),
    ("getset", 3, |ks, a, now| set_with(ks, &a[1], &a[2], SetOptions { get: true, ..Default::default() }, now, false)),
    ("getdel", 2, getdel),
    ("getex", -2, super::keys::getex),
    ("mget", -2, mget),
    ("mset", -3, |ks, a, now| mset(ks, a, now, false)),
    ("msetnx", -3, |ks, a, now| mset(ks, a, now, true)),
    ("append", 3, append),
    ("strlen", 2, |ks, a, now| Ok(Reply::Int(ks.get::<Vec<u8>>(&a[1], now)?.map_or(0, |v| v.len() as i64)))),
    ("getrange", 4, getrange),
    ("setrange", 4, setrange),
    ("incr", 2, |ks, a, now| incr_by(ks, &a[1], 1, now)),
    ("decr", 2, |ks, a, now| incr_by(ks, &a[1], -1, now)),
    ("incrby", 3, |ks, a, now| incr_by(ks, &a[1], integer(&a[2])?, now)),
    ("decrby", 3, decrby),
    ("incrbyfloat", 3, incrbyfloat),
];

/// The parsed options of SET.
#[derive(Default)]
struct SetOptions {
    nx: bool,
    xx: bool,
    get: bool,
    keep_ttl: bool,
    /// Absolute expiry time in Unix milliseconds.
    expires_at: Option<i64>,
}

fn set_options(args: &[Vec<u8>], now: i64) -> Result<SetOptions, Reply> {
    let mut options = SetOptions::default();
    let mut expiry: Option<(&'static str, &Vec<u8>)> = None;
    let mut i = 0;
    while i < args.len() {
        let option = lower(&args[i]);
        let unit = ["ex", "px", "exat", "pxat"].into_iter().find(|unit| *unit == option);
        match (option.as_str(), unit, args.get(i + 1)) {
            ("nx", ..) if !options.xx => options.nx = true,
            ("xx", ..) if !options.nx => options.xx = true,
            ("get", ..) => options.get = true,
            ("keepttl", ..) if expiry.is_none() => options.keep_ttl = true,
            // The same unit may repeat (the last wins); two different units may not.
            (_, Some(unit), Some(value)) if !options.keep_ttl && expiry.is_none_or(|(u, _)| u == unit) => {
                expiry = Some((unit, value));
                i += 1;
            }
            _ => return Err(syntax_error()),
        }
        i += 1;
    }
    if let Some((unit, raw)) = expiry {
        options.expires_at = Some(expiry_time(unit, raw, now, "set")?);
    }
    Ok(options)
}

/// The absolute time of an `EX`/`PX`/`EXAT`/`PXAT` argument, which must be positive.
pub fn expiry_time(unit: &str, raw: &[u8], now: i64, command: &str) -> Result<i64, Reply> {
    let invalid = || Reply::error(format!("ERR invalid expire time in '{command}' command"));
    let value = integer(raw)?;
    let seconds = unit == "ex" || unit == "exat";
    if value <= 0 || (seconds && value > i64::MAX / 1000) {
        return Err(invalid());
    }
    let ms = if seconds { value * 1000 } else { value };
    if unit == "ex" || unit == "px" { ms.checked_add(now).ok_or_else(invalid) } else { Ok(ms) }
}

fn set(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let options = set_options(&args[3..], now)?;
    set_with(keyspace, &args[1], &args[2], options, now, false)
}

/// SET's core; `as_int` answers 1/0 as SETNX does instead of OK/nil.
fn set_with(ks: &mut Keyspace, key: &[u8], value: &[u8], options: SetOptions, now: i64, as_int: bool) -> Outcome {
    let old = match options.get {
        true => Some(ks.get::<Vec<u8>>(key, now)?.cloned()),
        false => None,
    };
    let exists = ks.live(key, now).is_some();
    let done = !((options.nx && exists) || (options.xx && !exists));
    if done {
        let kept = if options.keep_ttl { ks.live(key, now).and_then(|entry| entry.expires_at) } else { None };
        ks.insert(key, Entry { value: Value::Str(value.to_vec()), expires_at: options.expires_at.or(kept) });
    }
    match (old, as_int, done) {
        (Some(old), ..) => Ok(Reply::Bulk(old)),
        (None, true, done) => Ok(Reply::Int(i64::from(done))),
        (None, false, true) => ok(),
        (None, false, false) => Ok(Reply::Bulk(None)),
    }
}

fn set_expiring(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64, name: &str, unit_ms: i64) -> Outcome {
    let unit = if unit_ms == 1000 { "ex" } else { "px" };
    let expires_at = Some(expiry_time(unit, &args[2], now, name)?);
    keyspace.insert(&args[1], Entry { value: Value::Str(args[3].clone()), expires_at });
    ok()
}

fn getdel(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let value = keyspace.get::<Vec<u8>>(&args[1], now)?.cloned();
    if value.is_some() {
        keyspace.remove(&args[1], now);
    }
    Ok(Reply::Bulk(value))
}

/// Keys of other types read as nil rather than failing.
fn mget(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let values = args[1..].iter().map(|key| Reply::Bulk(keyspace.get::<Vec<u8>>(key, now).ok().flatten().cloned()));
    Ok(Reply::Array(Some(values.collect())))
}

fn mset(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64, nx: bool) -> Outcome {
    if args.len().is_multiple_of(2) {
        let name = if nx { "msetnx" } else { "mset" };
        return Err(Reply::error(format!("ERR wrong number of arguments for '{name}' command")));
    }
    if nx && args[1..].chunks(2).any(|pair| keyspace.live(&pair[0], now).is_some()) {
        return Ok(Reply::Int(0));
    }
    for pair in args[1..].chunks(2) {
        keyspace.put(&pair[0], Value::Str(pair[1].clone()));
    }
    if nx { Ok(Reply::Int(1)) } else { ok() }
}

fn append(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let value = keyspace.get_or_create::<Vec<u8>>(&args[1], now)?;
    value.extend_from_slice(&args[2]);
    Ok(Reply::Int(value.len() as i64))
}

fn getrange(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let (start, end) = (integer(&args[2])?, integer(&args[3])?);
    let value = keyspace.get::<Vec<u8>>(&args[1], now)?.cloned().unwrap_or_default();
    let len = value.len() as i64;
    if start < 0 && end < 0 && start > end {
        return bulk(Some(&Vec::new()));
    }
    let start = if start < 0 { (len + start).max(0) } else { start };
    let end = if end < 0 { (len + end).max(0) } else { end.min(len - 1) };
    if start > end || len == 0 {
        return bulk(Some(&Vec::new()));
    }
    bulk(Some(&value[start as usize..=end as usize].to_vec()))
}

/// Redis refuses to grow a string past 512 MB (`proto-max-bulk-len`).
fn setrange(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let offset = integer(&args[2])?;
    let offset = usize::try_from(offset).map_err(|_| Reply::error("ERR offset is out of range"))?;
    let patch = &args[3];
    if patch.is_empty() {
        let len = keyspace.get::<Vec<u8>>(&args[1], now)?.map_or(0, |v| v.len());
        return Ok(Reply::Int(len as i64));
    }
    if offset + patch.len() > 512 * 1024 * 1024 {
        return Err(Reply::error("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
    }
    let value = keyspace.get_or_create::<Vec<u8>>(&args[1], now)?;
    if value.len() < offset + patch.len() {
        value.resize(offset + patch.len(), 0);
    }
    value[offset..offset + patch.len()].copy_from_slice(patch);
    Ok(Reply::Int(value.len() as i64))
}

fn decrby(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    match integer(&args[2])? {
        i64::MIN => Err(Reply::error("ERR decrement would overflow")),
        by => incr_by(keyspace, &args[1], -by, now),
    }
}

/// INCR and friends keep the key's expiry, as Redis does.
fn incr_by(keyspace: &mut Keyspace, key: &[u8], by: i64, now: i64) -> Outcome {
    let current = match keyspace.get::<Vec<u8>>(key, now)? {
        Some(value) => integer(value).map_err(|_| not_integer())?,
        None => 0,
    };
    let next = current.checked_add(by).ok_or_else(|| Reply::error("ERR increment or decrement would overflow"))?;
    store_keeping_ttl(keyspace, key, next.to_string().into_bytes(), now);
    Ok(Reply::Int(next))
}

fn incrbyfloat(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let by = float(&args[2])?;
    let current = match keyspace.get::<Vec<u8>>(&args[1], now)? {
        Some(value) => float(value).map_err(|_| not_float())?,
        None => 0.0,
    };
    let next = current + by;
    if !next.is_finite() {
        return Err(Reply::error("ERR increment would produce NaN or Infinity"));
    }
    let text = format_human(next);
    store_keeping_ttl(keyspace, &args[1], text.clone(), now);
    Ok(Reply::Bulk(Some(text)))
}

fn store_keeping_ttl(keyspace: &mut Keyspace, key: &[u8], value: Vec<u8>, now: i64) {
    let expires_at = keyspace.live(key, now).and_then(|entry| entry.expires_at);
    keyspace.insert(key, Entry { value: Value::Str(value), expires_at });
}
