//! The engine's command table and what its commands share: Redis's arity check, argument parsing
//! (`string2ll`, `string2d`) and error texts, checked against redis-server 7.0 by the tests.

use super::{Keyspace, hashes, keys, lists, sets, strings, zsets};
use crate::upstash::resp::Reply;

/// A reply, or the error reply that ends the command early.
pub type Outcome = Result<Reply, Reply>;
pub type Command = fn(&mut Keyspace, &[Vec<u8>], i64) -> Outcome;
/// Name, arity (exact when positive, a minimum when negative, counting the name), implementation.
pub type Spec = (&'static str, i32, Command);

const TABLES: [&[Spec]; 6] =
    [strings::COMMANDS, keys::COMMANDS, hashes::COMMANDS, lists::COMMANDS, sets::COMMANDS, zsets::COMMANDS];

/// Redis commands (from `@upstash/redis`'s typed API and beyond) this engine leaves to a real
/// `redis-server`: bitmaps, HyperLogLog, geo, streams, scripting, pub/sub, hash-field expiry.
const LEFT_TO_REDIS: &str = "bitcount bitfield bitfield_ro bitop bitpos getbit setbit pfadd pfcount pfmerge \
    geoadd geodist geohash geopos geosearch geosearchstore xadd xack xautoclaim xclaim xdel xgroup xinfo xlen \
    xpending xrange xread xreadgroup xrevrange xtrim eval evalsha eval_ro evalsha_ro script fcall fcall_ro function \
    publish pubsub hexpire hexpireat hexpiretime hpexpire hpexpireat hpexpiretime httl hpttl hpersist hgetdel \
    hgetex hsetex object dump restore sort sort_ro lcs json.get json.set info memory time lastsave";

/// The implementation of `args[0]`, or the error Redis gives before running (and at MULTI queue
/// time): unknown command or wrong number of arguments.
pub fn lookup(args: &[Vec<u8>]) -> Result<Command, Reply> {
    let name = args.first().map(|n| String::from_utf8_lossy(n).into_owned()).unwrap_or_default();
    let found = TABLES.iter().flat_map(|table| table.iter()).find(|(n, ..)| n.eq_ignore_ascii_case(&name));
    let Some((canonical, arity, command)) = found else {
        return Err(unknown(&name, &args[args.len().min(1)..]));
    };
    let count = i32::try_from(args.len()).unwrap_or(i32::MAX);
    if (*arity > 0 && count != *arity) || count < arity.abs() {
        return Err(Reply::error(format!("ERR wrong number of arguments for '{canonical}' command")));
    }
    Ok(*command)
}

/// Whether `reply` is this engine's "needs redis-server" answer.
pub fn is_left_to_redis(reply: &Reply) -> bool {
    matches!(reply, Reply::Error(text) if text.contains("over redis-server"))
}

/// Redis's own text for a name it does not know; for one it knows but this engine does not
/// implement, a message saying what would run it.
fn unknown(name: &str, args: &[Vec<u8>]) -> Reply {
    let lower = name.to_ascii_lowercase();
    if LEFT_TO_REDIS.split_whitespace().any(|known| known == lower) {
        return Reply::error(format!(
            "ERR '{lower}' is not implemented by the local stand-in's in-process engine; \
             it needs the stand-in to run over redis-server (install redis-server)"
        ));
    }
    // Redis quotes the first arguments, each followed by a space, up to 128 characters in all.
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

pub fn not_integer() -> Reply {
    Reply::error("ERR value is not an integer or out of range")
}

pub fn not_float() -> Reply {
    Reply::error("ERR value is not a valid float")
}

pub fn syntax_error() -> Reply {
    Reply::error("ERR syntax error")
}

pub fn ok() -> Outcome {
    Ok(Reply::Status("OK".into()))
}

pub fn bulk(value: Option<&Vec<u8>>) -> Outcome {
    Ok(Reply::Bulk(value.cloned()))
}

/// An array of bulk strings.
pub fn array<'a>(items: impl IntoIterator<Item = &'a Vec<u8>>) -> Outcome {
    Ok(Reply::Array(Some(items.into_iter().map(|item| Reply::Bulk(Some(item.clone()))).collect())))
}

/// An option name, for case-insensitive matching.
pub fn lower(arg: &[u8]) -> String {
    String::from_utf8_lossy(arg).to_ascii_lowercase()
}

/// Redis's `string2ll`: optional `-`, no `+`, no spaces, no leading zeros, fits in an i64.
pub fn integer(raw: &[u8]) -> Result<i64, Reply> {
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

/// A count or index that must not be negative, with Redis's message for it.
pub fn positive(raw: &[u8]) -> Result<usize, Reply> {
    let n = integer(raw)?;
    usize::try_from(n).map_err(|_| Reply::error("ERR value is out of range, must be positive"))
}

/// Redis's `string2d` (`strtod` on the whole argument): no spaces, no NaN; `inf` allowed.
pub fn float(raw: &[u8]) -> Result<f64, Reply> {
    let text = std::str::from_utf8(raw).map_err(|_| not_float())?;
    let value: f64 = text.parse().map_err(|_| not_float())?;
    if value.is_nan() || text.is_empty() || text.starts_with(char::is_whitespace) {
        return Err(not_float());
    }
    Ok(value)
}

/// A double as Redis replies with one (sorted-set scores): integral values as integers, `inf`,
/// otherwise the shortest text that reads back the same (Redis 7.2's `fpconv_dtoa`).
pub fn format_score(value: f64) -> Vec<u8> {
    let text = if value.is_infinite() {
        if value > 0.0 { "inf".to_owned() } else { "-inf".to_owned() }
    } else if value.fract() == 0.0 && value.abs() < 1e17 {
        format!("{value:.0}")
    } else if value.abs() >= 1e17 || value.abs() < 1e-4 {
        let scientific = format!("{value:e}");
        match scientific.split_once('e') {
            Some((mantissa, exp)) if !exp.starts_with('-') => format!("{mantissa}e+{exp}"),
            _ => scientific,
        }
    } else {
        value.to_string()
    };
    text.into_bytes()
}

/// INCRBYFLOAT's reply: plain digits, never an exponent (Redis's `LD_STR_HUMAN`).
pub fn format_human(value: f64) -> Vec<u8> {
    value.to_string().into_bytes()
}

/// The glob MATCH of KEYS and the SCAN family (Redis's `stringmatchlen`): `*`, `?`, `[…]` with
/// ranges and `^`, and `\` escapes.
pub fn glob(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => (0..=text.len()).any(|skip| glob(rest, &text[skip..])),
        Some((b'?', rest)) => !text.is_empty() && glob(rest, &text[1..]),
        Some((b'[', rest)) => {
            let Some((&c, tail)) = text.split_first() else { return false };
            let (negate, rest) = match rest.split_first() {
                Some((b'^', after)) => (true, after),
                _ => (false, rest),
            };
            let end = rest.iter().position(|&b| b == b']').unwrap_or(rest.len());
            let class = &rest[..end];
            let mut hit = false;
            let mut i = 0;
            while i < class.len() {
                if class[i] == b'\\' && i + 1 < class.len() {
                    hit |= class[i + 1] == c;
                    i += 2;
                } else if i + 2 < class.len() && class[i + 1] == b'-' {
                    let (lo, hi) = (class[i].min(class[i + 2]), class[i].max(class[i + 2]));
                    hit |= (lo..=hi).contains(&c);
                    i += 3;
                } else {
                    hit |= class[i] == c;
                    i += 1;
                }
            }
            hit != negate && glob(&rest[(end + 1).min(rest.len())..], tail)
        }
        Some((b'\\', rest)) if !rest.is_empty() => text.first() == Some(&rest[0]) && glob(&rest[1..], &text[1..]),
        Some((&p, rest)) => text.first() == Some(&p) && glob(rest, &text[1..]),
    }
}

/// A random index below `len` (SPOP, SRANDMEMBER, HRANDFIELD, RANDOMKEY): std's per-process
/// random hasher keys, stirred with a counter, suffice for picking members.
pub fn random_below(len: usize) -> usize {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    usize::try_from(hasher.finish() % (len.max(1) as u64)).unwrap_or(0)
}
