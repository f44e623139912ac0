//! The in-process engine's commands, each following Redis 7's `t_string.c`/`expire.c`: the same
//! argument checks in the same order and the same error texts (checked against redis-server 7.0).

use super::engine::{Entry, Keyspace};
use super::resp::Reply;

pub type Command = fn(&mut Keyspace, &[Vec<u8>], i64) -> Reply;

/// Name, arity (exact when positive, a minimum when negative, counting the name), implementation.
const TABLE: &[(&str, i32, Command)] = &[
    ("get", 2, get),
    ("set", -3, set),
    ("incr", 2, |ks, a, now| incr_by(ks, &a[1], 1, now)),
    ("decr", 2, |ks, a, now| incr_by(ks, &a[1], -1, now)),
    ("incrby", 3, |ks, a, now| integer(&a[2]).map_or_else(|e| e, |by| incr_by(ks, &a[1], by, now))),
    ("decrby", 3, decrby),
    ("del", -2, del),
    ("exists", -2, exists),
    ("expire", -3, |ks, a, now| expire(ks, a, now, "expire", 1000)),
    ("pexpire", -3, |ks, a, now| expire(ks, a, now, "pexpire", 1)),
    ("ttl", 2, |ks, a, now| ttl(ks, &a[1], now, 1000)),
    ("pttl", 2, |ks, a, now| ttl(ks, &a[1], now, 1)),
    ("ping", -1, ping),
];

/// The names the engine knows, for messages.
pub fn names() -> Vec<&'static str> {
    TABLE.iter().map(|(name, ..)| *name).collect()
}

/// The implementation of `args[0]`, or the error Redis gives before running (and at MULTI queue
/// time): unknown command or wrong number of arguments.
pub fn lookup(args: &[Vec<u8>]) -> Result<Command, Reply> {
    let name = args.first().map(|n| String::from_utf8_lossy(n).into_owned()).unwrap_or_default();
    let Some((canonical, arity, command)) = TABLE.iter().find(|(n, ..)| n.eq_ignore_ascii_case(&name)) else {
        return Err(unknown(&name, &args[args.len().min(1)..]));
    };
    let count = i32::try_from(args.len()).unwrap_or(i32::MAX);
    let fits = if *arity > 0 { count == *arity } else { count >= -arity };
    // PING takes at most one argument, checked by the command itself in Redis.
    if !fits || (*canonical == "ping" && count > 2) {
        return Err(Reply::error(format!("ERR wrong number of arguments for '{canonical}' command")));
    }
    Ok(*command)
}

/// Redis quotes the first arguments, each followed by a space, up to 128 characters in all.
fn unknown(name: &str, args: &[Vec<u8>]) -> Reply {
    let mut listed = String::new();
    for arg in args {
        if listed.len() >= 128 {
            break;
        }
        let arg: String = String::from_utf8_lossy(arg).chars().take(128 - listed.len()).collect();
        listed.push_str(&format!("'{arg}' "));
    }
    let name: String = name.chars().take(128).collect();
    Reply::error(format!("ERR unknown command '{name}', with args beginning with: {listed}").replace(['\r', '\n'], " "))
}

fn not_integer() -> Reply {
    Reply::error("ERR value is not an integer or out of range")
}

fn syntax_error() -> Reply {
    Reply::error("ERR syntax error")
}

/// Redis's `string2ll`: optional `-`, no `+`, no spaces, no leading zeros, fits in an i64.
fn integer(raw: &[u8]) -> Result<i64, Reply> {
    let text = std::str::from_utf8(raw).map_err(|_| not_integer())?;
    let digits = text.strip_prefix('-').unwrap_or(text);
    let canonical = !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && ((digits == "0" && text == "0") || !digits.starts_with('0'));
    if !canonical {
        return Err(not_integer());
    }
    text.parse().map_err(|_| not_integer())
}

fn get(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Reply {
    Reply::Bulk(keyspace.live(&args[1], now).map(|entry| entry.value.clone()))
}

/// The parsed options of SET.
#[derive(Default)]
struct SetOptions {
    nx: bool,
    xx: bool,
    get: bool,
    keep_ttl: bool,
    /// The option (ex, px, exat, pxat) and its argument.
    expire: Option<(&'static str, Vec<u8>)>,
}

fn set_options(args: &[Vec<u8>]) -> Result<SetOptions, Reply> {
    let mut options = SetOptions::default();
    let mut i = 0;
    while i < args.len() {
        let option = String::from_utf8_lossy(&args[i]).to_ascii_lowercase();
        let next = args.get(i + 1);
        let expiry = ["ex", "px", "exat", "pxat"].into_iter().find(|unit| *unit == option);
        match (option.as_str(), expiry, next) {
            ("nx", ..) if !options.xx => options.nx = true,
            ("xx", ..) if !options.nx => options.xx = true,
            ("get", ..) => options.get = true,
            ("keepttl", ..) if options.expire.is_none() => options.keep_ttl = true,
            // The same unit may repeat (the last wins); two different units may not.
            (_, Some(unit), Some(value))
                if !options.keep_ttl && options.expire.as_ref().is_none_or(|(u, _)| *u == unit) =>
            {
                options.expire = Some((unit, value.clone()));
                i += 1;
            }
            _ => return Err(syntax_error()),
        }
        i += 1;
    }
    Ok(options)
}

/// The absolute expiry time of SET's `EX`/`PX`/`EXAT`/`PXAT` argument.
fn set_expiry(unit: &str, raw: &[u8], now: i64) -> Result<i64, Reply> {
    let invalid = || Reply::error("ERR invalid expire time in 'set' command");
    let value = integer(raw)?;
    let seconds = unit == "ex" || unit == "exat";
    if value <= 0 || (seconds && value > i64::MAX / 1000) {
        return Err(invalid());
    }
    let ms = if seconds { value * 1000 } else { value };
    let at = if unit == "ex" || unit == "px" { ms.checked_add(now).ok_or_else(invalid)? } else { ms };
    Ok(at)
}

fn set(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Reply {
    let options = match set_options(&args[3..]) {
        Ok(options) => options,
        Err(error) => return error,
    };
    let expires_at = match &options.expire {
        Some((unit, raw)) => match set_expiry(unit, raw, now) {
            Ok(at) => Some(at),
            Err(error) => return error,
        },
        None => None,
    };
    let key = &args[1];
    let old = keyspace.live(key, now).map(|entry| (entry.value.clone(), entry.expires_at));
    let answer = |done: bool| match (options.get, done) {
        (true, _) => Reply::Bulk(old.as_ref().map(|(value, _)| value.clone())),
        (false, true) => Reply::Status("OK".into()),
        (false, false) => Reply::Bulk(None),
    };
    if (options.nx && old.is_some()) || (options.xx && old.is_none()) {
        return answer(false);
    }
    let kept = if options.keep_ttl { old.as_ref().and_then(|(_, at)| *at) } else { None };
    keyspace.insert(key, Entry { value: args[2].clone(), expires_at: expires_at.or(kept) });
    answer(true)
}

fn decrby(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Reply {
    match integer(&args[2]) {
        Ok(i64::MIN) => Reply::error("ERR decrement would overflow"),
        Ok(by) => incr_by(keyspace, &args[1], -by, now),
        Err(error) => error,
    }
}

/// INCR and friends keep the key's expiry, as Redis does.
fn incr_by(keyspace: &mut Keyspace, key: &[u8], by: i64, now: i64) -> Reply {
    let entry = keyspace.live(key, now);
    let current = match entry.as_ref().map(|entry| integer(&entry.value)) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => return not_integer(),
    };
    let Some(next) = current.checked_add(by) else {
        return Reply::error("ERR increment or decrement would overflow");
    };
    let value = next.to_string().into_bytes();
    match entry {
        Some(entry) => entry.value = value,
        None => keyspace.insert(key, Entry { value, expires_at: None }),
    }
    Reply::Int(next)
}

fn del(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Reply {
    Reply::Int(args[1..].iter().filter(|key| keyspace.remove(key, now)).count() as i64)
}

/// Counts every argument that exists, so a key named twice counts twice.
fn exists(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Reply {
    Reply::Int(args[1..].iter().filter(|key| keyspace.live(key, now).is_some()).count() as i64)
}

fn ping(_: &mut Keyspace, args: &[Vec<u8>], _: i64) -> Reply {
    match args.get(1) {
        Some(message) => Reply::Bulk(Some(message.clone())),
        None => Reply::Status("PONG".into()),
    }
}

fn ttl(keyspace: &mut Keyspace, key: &[u8], now: i64, unit_ms: i64) -> Reply {
    match keyspace.live(key, now) {
        None => Reply::Int(-2),
        Some(Entry { expires_at: None, .. }) => Reply::Int(-1),
        // Redis rounds seconds to the nearest: (ms + 500) / 1000.
        Some(Entry { expires_at: Some(at), .. }) => Reply::Int(((*at - now).max(0) + unit_ms / 2) / unit_ms),
    }
}

/// EXPIRE/PEXPIRE key time [NX|XX|GT|LT]: options first, then the time, then the key.
fn expire(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64, name: &str, unit_ms: i64) -> Reply {
    let mut flags = [false; 4];
    for arg in &args[3..] {
        let option = String::from_utf8_lossy(arg);
        match ["nx", "xx", "gt", "lt"].iter().position(|f| f.eq_ignore_ascii_case(&option)) {
            Some(at) => flags[at] = true,
            None => return Reply::error(format!("ERR Unsupported option {option}")),
        }
    }
    let [nx, xx, gt, lt] = flags;
    if nx && (xx || gt || lt) {
        return Reply::error("ERR NX and XX, GT or LT options at the same time are not compatible");
    }
    if gt && lt {
        return Reply::error("ERR GT and LT options at the same time are not compatible");
    }
    let time = match integer(&args[2]) {
        Ok(time) => time,
        Err(error) => return error,
    };
    let Some(at) = time.checked_mul(unit_ms).and_then(|ms| ms.checked_add(now)) else {
        return Reply::error(format!("ERR invalid expire time in '{name}' command"));
    };
    let Some(entry) = keyspace.live(&args[1], now) else { return Reply::Int(0) };
    let refused = match entry.expires_at {
        // No expiry counts as infinite: a later time is never greater, any time is less.
        None => xx || gt,
        Some(current) => nx || (gt && at <= current) || (lt && at >= current),
    };
    if refused {
        return Reply::Int(0);
    }
    if at <= now {
        keyspace.remove(&args[1], now);
    } else {
        entry.expires_at = Some(at);
    }
    Reply::Int(1)
}
