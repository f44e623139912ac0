//! Hash commands, following Redis 7's `t_hash.c`. Fields keep insertion order, as a small hash
//! (listpack) does in Redis, so HGETALL answers alike on both backends.

use super::commands::{
    Outcome, Spec, array, bulk, float, format_human, integer, lower, ok, random_below, syntax_error,
};
use super::keys::{cursor, page, scan_options};
use super::{Hash, Keyspace};
use crate::upstash::resp::Reply;

pub const COMMANDS: &[Spec] = &[
    ("hset", -4, |ks, a, now| hset(ks, a, now, "hset").map(Reply::Int)),
    ("hmset", -4, |ks, a, now| hset(ks, a, now, "hmset").and_then(|_| ok())),
    ("hsetnx", 4, hsetnx),
    ("hget", 3, |ks, a, now| bulk(ks.get::<Hash>(&a[1], now)?.and_then(|h| h.get(&a[2])))),
    ("hmget", -3, hmget),
    ("hgetall", 2, |ks, a, now| array(&pairs(ks.get::<Hash>(&a[1], now)?.map(|h| &*h), None))),
    ("hkeys", 2, |ks, a, now| array(ks.get::<Hash>(&a[1], now)?.into_iter().flat_map(|h| h.keys()))),
    ("hvals", 2, |ks, a, now| array(ks.get::<Hash>(&a[1], now)?.into_iter().flat_map(|h| h.values()))),
    ("hlen", 2, |ks, a, now| Ok(Reply::Int(ks.get::<Hash>(&a[1], now)?.map_or(0, |h| h.len() as i64)))),
    ("hexists", 3, |ks, a, now| {
        Ok(Reply::Int(ks.get::<Hash>(&a[1], now)?.is_some_and(|h| h.contains_key(&a[2])).into()))
    }),
    ("hstrlen", 3, |ks, a, now| {
        Ok(Reply::Int(ks.get::<Hash>(&a[1], now)?.and_then(|h| h.get(&a[2])).map_or(0, |v| v.len() as i64)))
    }),
    ("hdel", -3, hdel),
    ("hincrby", 4, hincrby),
    ("hincrbyfloat", 4, hincrbyfloat),
    ("hrandfield", -2, hrandfield),
    ("hscan", -3, hscan),
];

/// Field, value, field, value…, of the fields `pattern` matches (all without one).
fn pairs(hash: Option<&Hash>, pattern: Option<&[u8]>) -> Vec<Vec<u8>> {
    let fields =
        hash.into_iter().flatten().filter(|(field, _)| pattern.is_none_or(|p| super::commands::glob(p, field)));
    fields.flat_map(|(field, value)| [field.clone(), value.clone()]).collect()
}

/// The number of fields added (updated ones are not counted).
fn hset(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64, name: &str) -> Result<i64, Reply> {
    if args.len() % 2 == 1 {
        return Err(Reply::error(format!("ERR wrong number of arguments for '{name}' command")));
    }
    let hash = keyspace.get_or_create::<Hash>(&args[1], now)?;
    Ok(args[2..].chunks(2).filter(|pair| hash.insert(pair[0].clone(), pair[1].clone()).is_none()).count() as i64)
}

fn hsetnx(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let hash = keyspace.get_or_create::<Hash>(&args[1], now)?;
    if hash.contains_key(&args[2]) {
        return Ok(Reply::Int(0));
    }
    hash.insert(args[2].clone(), args[3].clone());
    Ok(Reply::Int(1))
}

fn hmget(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let hash = keyspace.get::<Hash>(&args[1], now)?;
    let values = args[2..].iter().map(|field| Reply::Bulk(hash.as_ref().and_then(|h| h.get(field)).cloned()));
    Ok(Reply::Array(Some(values.collect())))
}

fn hdel(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let Some(hash) = keyspace.get::<Hash>(&args[1], now)? else { return Ok(Reply::Int(0)) };
    let removed = args[2..].iter().filter(|field| hash.shift_remove(*field).is_some()).count();
    keyspace.drop_if_empty(&args[1]);
    Ok(Reply::Int(removed as i64))
}

fn hincrby(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let by = integer(&args[3])?;
    let current = match keyspace.get::<Hash>(&args[1], now)?.and_then(|h| h.get(&args[2])) {
        Some(value) => integer(value).map_err(|_| Reply::error("ERR hash value is not an integer"))?,
        None => 0,
    };
    let next = current.checked_add(by).ok_or_else(|| Reply::error("ERR increment or decrement would overflow"))?;
    keyspace.get_or_create::<Hash>(&args[1], now)?.insert(args[2].clone(), next.to_string().into_bytes());
    Ok(Reply::Int(next))
}

fn hincrbyfloat(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let by = float(&args[3])?;
    let current = match keyspace.get::<Hash>(&args[1], now)?.and_then(|h| h.get(&args[2])) {
        Some(value) => float(value).map_err(|_| Reply::error("ERR hash value is not a float"))?,
        None => 0.0,
    };
    let next = current + by;
    if !next.is_finite() {
        return Err(Reply::error("ERR increment would produce NaN or Infinity"));
    }
    let text = format_human(next);
    keyspace.get_or_create::<Hash>(&args[1], now)?.insert(args[2].clone(), text.clone());
    Ok(Reply::Bulk(Some(text)))
}

/// HRANDFIELD key [count [WITHVALUES]]: a positive count picks distinct fields, a negative one
/// may repeat them.
fn hrandfield(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let count = args.get(2).map(|raw| integer(raw)).transpose()?;
    let with_values = match args.get(3) {
        None => false,
        Some(option) if args.len() == 4 && lower(option) == "withvalues" => true,
        Some(_) => return Err(syntax_error()),
    };
    let hash = keyspace.get::<Hash>(&args[1], now)?;
    let Some(count) = count else {
        return bulk(hash.and_then(|h| h.get_index(random_below(h.len())).map(|(field, _)| field)));
    };
    let Some(hash) = hash else { return array([]) };
    let picked = super::sets::pick(hash.len(), count);
    let fields = picked.into_iter().filter_map(|i| hash.get_index(i));
    let items: Vec<Vec<u8>> = match with_values {
        true => fields.flat_map(|(field, value)| [field.clone(), value.clone()]).collect(),
        false => fields.map(|(field, _)| field.clone()).collect(),
    };
    array(&items)
}

fn hscan(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    cursor(&args[2])?;
    let Some(hash) = keyspace.get::<Hash>(&args[1], now)? else { return page(Vec::new()) };
    let hash = hash.clone();
    let options = scan_options(&args[3..], false)?;
    page(pairs(Some(&hash), options.pattern.as_deref()))
}
