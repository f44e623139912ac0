//! Set commands, following Redis 7's `t_set.c`. Members keep insertion order (Redis gives no
//! order); random picks (SPOP, SRANDMEMBER) use the engine's random source.

use super::commands::{Outcome, Spec, array, bulk, integer, positive, random_below, syntax_error};
use super::keys::{cursor, page, scan_options};
use super::{Keyspace, Set, Value};
use crate::upstash::resp::Reply;

pub const COMMANDS: &[Spec] = &[
    ("sadd", -3, sadd),
    ("srem", -3, srem),
    ("scard", 2, |ks, a, now| Ok(Reply::Int(ks.get::<Set>(&a[1], now)?.map_or(0, |s| s.len() as i64)))),
    ("smembers", 2, |ks, a, now| array(ks.get::<Set>(&a[1], now)?.cloned().unwrap_or_default().iter())),
    ("sismember", 3, |ks, a, now| Ok(Reply::Int(ks.get::<Set>(&a[1], now)?.is_some_and(|s| s.contains(&a[2])).into()))),
    ("smismember", -3, smismember),
    ("spop", -2, spop),
    ("srandmember", -2, srandmember),
    ("smove", 4, smove),
    ("sdiff", -2, |ks, a, now| array(&combine(ks, &a[1..], now, Op::Diff)?)),
    ("sinter", -2, |ks, a, now| array(&combine(ks, &a[1..], now, Op::Inter)?)),
    ("sunion", -2, |ks, a, now| array(&combine(ks, &a[1..], now, Op::Union)?)),
    ("sdiffstore", -3, |ks, a, now| store(ks, a, now, Op::Diff)),
    ("sinterstore", -3, |ks, a, now| store(ks, a, now, Op::Inter)),
    ("sunionstore", -3, |ks, a, now| store(ks, a, now, Op::Union)),
    ("sintercard", -3, sintercard),
    ("sscan", -3, sscan),
];

fn sadd(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let set = keyspace.get_or_create::<Set>(&args[1], now)?;
    Ok(Reply::Int(args[2..].iter().filter(|member| set.insert((*member).clone())).count() as i64))
}

fn srem(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let Some(set) = keyspace.get::<Set>(&args[1], now)? else { return Ok(Reply::Int(0)) };
    let removed = args[2..].iter().filter(|member| set.shift_remove(*member)).count();
    keyspace.drop_if_empty(&args[1]);
    Ok(Reply::Int(removed as i64))
}

fn smismember(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let set = keyspace.get::<Set>(&args[1], now)?;
    let found = args[2..].iter().map(|member| Reply::Int(set.as_ref().is_some_and(|s| s.contains(member)).into()));
    Ok(Reply::Array(Some(found.collect())))
}

/// Indices into a collection of `len` for a random pick of `count`: distinct when positive (at
/// most `len`), repeating when negative (exactly `-count`).
pub fn pick(len: usize, count: i64) -> Vec<usize> {
    if len == 0 {
        return Vec::new();
    }
    let wanted = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
    if count < 0 {
        return (0..wanted).map(|_| random_below(len)).collect();
    }
    let mut indices: Vec<usize> = (0..len).collect();
    for i in (1..len).rev() {
        indices.swap(i, random_below(i + 1));
    }
    indices.truncate(wanted);
    indices
}

fn spop(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    if args.len() > 3 {
        return Err(syntax_error());
    }
    let count = args.get(2).map(|raw| positive(raw)).transpose()?;
    let Some(set) = keyspace.get::<Set>(&args[1], now)? else {
        return Ok(if count.is_some() { Reply::Array(Some(Vec::new())) } else { Reply::Bulk(None) });
    };
    let mut picked = pick(set.len(), i64::try_from(count.unwrap_or(1)).unwrap_or(i64::MAX));
    picked.sort_unstable_by(|a, b| b.cmp(a));
    let popped: Vec<Vec<u8>> = picked.into_iter().filter_map(|i| set.shift_remove_index(i)).collect();
    keyspace.drop_if_empty(&args[1]);
    match count {
        Some(_) => array(&popped),
        None => bulk(popped.first()),
    }
}

fn srandmember(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    if args.len() > 3 {
        return Err(syntax_error());
    }
    let count = args.get(2).map(|raw| integer(raw)).transpose()?;
    let set = keyspace.get::<Set>(&args[1], now)?;
    match (count, set) {
        (None, set) => bulk(set.and_then(|s| s.get_index(random_below(s.len())))),
        (Some(_), None) => array([]),
        (Some(count), Some(set)) => array(pick(set.len(), count).into_iter().filter_map(|i| set.get_index(i))),
    }
}

fn smove(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    if keyspace.get::<Set>(&args[1], now)?.is_none() {
        return Ok(Reply::Int(0));
    }
    keyspace.get::<Set>(&args[2], now)?;
    let moved = keyspace.get::<Set>(&args[1], now)?.is_some_and(|set| set.shift_remove(&args[3]));
    if moved {
        keyspace.drop_if_empty(&args[1]);
        keyspace.get_or_create::<Set>(&args[2], now)?.insert(args[3].clone());
    }
    Ok(Reply::Int(moved.into()))
}

#[derive(Clone, Copy)]
enum Op {
    Diff,
    Inter,
    Union,
}

/// The members of the sets under `keys` combined; a missing key is an empty set, any other type
/// is WRONGTYPE.
fn combine(keyspace: &mut Keyspace, keys: &[Vec<u8>], now: i64, op: Op) -> Result<Vec<Vec<u8>>, Reply> {
    let mut sets = Vec::with_capacity(keys.len());
    for key in keys {
        sets.push(keyspace.get::<Set>(key, now)?.cloned().unwrap_or_default());
    }
    let (first, rest) = sets.split_first().ok_or_else(syntax_error)?;
    let members = match op {
        Op::Diff => first.iter().filter(|m| rest.iter().all(|s| !s.contains(*m))).cloned().collect(),
        Op::Inter => first.iter().filter(|m| rest.iter().all(|s| s.contains(*m))).cloned().collect(),
        Op::Union => sets.iter().flatten().cloned().collect::<Set>().into_iter().collect(),
    };
    Ok(members)
}

/// The *STORE forms: the result replaces the destination (removed when empty); its size.
fn store(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64, op: Op) -> Outcome {
    let members = combine(keyspace, &args[2..], now, op)?;
    keyspace.remove(&args[1], now);
    if !members.is_empty() {
        keyspace.put(&args[1], Value::Set(members.iter().cloned().collect()));
    }
    Ok(Reply::Int(members.len() as i64))
}

/// SINTERCARD numkeys key [key …] [LIMIT limit].
fn sintercard(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let numkeys = integer(&args[1]).ok().filter(|&n| n > 0);
    let numkeys = numkeys.ok_or_else(|| Reply::error("ERR numkeys should be greater than 0"))?;
    let numkeys = usize::try_from(numkeys).unwrap_or(usize::MAX);
    if numkeys > args.len() - 2 {
        return Err(Reply::error("ERR Number of keys can't be greater than number of args"));
    }
    let mut limit = usize::MAX;
    match &args[2 + numkeys..] {
        [] => {}
        [option, value] if super::commands::lower(option) == "limit" => {
            let n = integer(value)?;
            let n = usize::try_from(n).map_err(|_| Reply::error("ERR LIMIT can't be negative"))?;
            limit = if n == 0 { usize::MAX } else { n };
        }
        _ => return Err(syntax_error()),
    }
    let members = combine(keyspace, &args[2..2 + numkeys], now, Op::Inter)?;
    Ok(Reply::Int(members.len().min(limit) as i64))
}

fn sscan(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    cursor(&args[2])?;
    let Some(set) = keyspace.get::<Set>(&args[1], now)?.cloned() else { return page(Vec::new()) };
    let options = scan_options(&args[3..], false)?;
    let pattern = options.pattern.as_deref();
    page(set.into_iter().filter(|m| pattern.is_none_or(|p| super::commands::glob(p, m))).collect())
}
