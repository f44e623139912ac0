//! List commands, following Redis 7's `t_list.c` (the blocking ones are refused by the REST layer,
//! as they would hold a connection).

use super::commands::{Outcome, Spec, array, bulk, integer, lower, ok, positive, syntax_error};
use super::{Keyspace, List};
use crate::upstash::resp::Reply;

pub const COMMANDS: &[Spec] = &[
    ("lpush", -3, |ks, a, now| push(ks, a, now, true, false)),
    ("rpush", -3, |ks, a, now| push(ks, a, now, false, false)),
    ("lpushx", -3, |ks, a, now| push(ks, a, now, true, true)),
    ("rpushx", -3, |ks, a, now| push(ks, a, now, false, true)),
    ("lpop", -2, |ks, a, now| pop(ks, a, now, true)),
    ("rpop", -2, |ks, a, now| pop(ks, a, now, false)),
    ("llen", 2, |ks, a, now| Ok(Reply::Int(ks.get::<List>(&a[1], now)?.map_or(0, |l| l.len() as i64)))),
    ("lindex", 3, lindex),
    ("lrange", 4, lrange),
    ("lset", 4, lset),
    ("ltrim", 4, ltrim),
    ("lrem", 4, lrem),
    ("linsert", 5, linsert),
    ("lpos", -3, super::lpos::lpos),
    ("lmove", 5, lmove),
    ("lmpop", -4, super::lpos::lmpop),
];

/// Left or right, as LMOVE and LMPOP name the ends.
pub fn end(arg: &[u8]) -> Result<bool, Reply> {
    match lower(arg).as_str() {
        "left" => Ok(true),
        "right" => Ok(false),
        _ => Err(syntax_error()),
    }
}

fn push(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64, left: bool, only_existing: bool) -> Outcome {
    if only_existing && keyspace.get::<List>(&args[1], now)?.is_none() {
        return Ok(Reply::Int(0));
    }
    let list = keyspace.get_or_create::<List>(&args[1], now)?;
    for element in &args[2..] {
        if left { list.push_front(element.clone()) } else { list.push_back(element.clone()) }
    }
    Ok(Reply::Int(list.len() as i64))
}

/// Up to `count` elements from one end, removing the list when it empties.
pub fn take(keyspace: &mut Keyspace, key: &[u8], count: usize, left: bool, now: i64) -> Result<Vec<Vec<u8>>, Reply> {
    let Some(list) = keyspace.get::<List>(key, now)? else { return Ok(Vec::new()) };
    let taken = (0..count).map_while(|_| if left { list.pop_front() } else { list.pop_back() }).collect();
    keyspace.drop_if_empty(key);
    Ok(taken)
}

/// LPOP/RPOP key [count]: one element (or nil), or with a count an array (nil without the key).
fn pop(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64, left: bool) -> Outcome {
    if args.len() > 3 {
        let name = if left { "lpop" } else { "rpop" };
        return Err(Reply::error(format!("ERR wrong number of arguments for '{name}' command")));
    }
    let count = args.get(2).map(|raw| positive(raw)).transpose()?;
    if keyspace.get::<List>(&args[1], now)?.is_none() {
        return Ok(if count.is_some() { Reply::Array(None) } else { Reply::Bulk(None) });
    }
    let taken = take(keyspace, &args[1], count.unwrap_or(1), left, now)?;
    match count {
        Some(_) => array(&taken),
        None => bulk(taken.first()),
    }
}

/// A Redis list index (negative from the end) as a position, if inside the list.
fn position(index: i64, len: usize) -> Option<usize> {
    let index = if index < 0 { index + len as i64 } else { index };
    usize::try_from(index).ok().filter(|&i| i < len)
}

fn lindex(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let index = integer(&args[2])?;
    let list = keyspace.get::<List>(&args[1], now)?;
    bulk(list.and_then(|list| position(index, list.len()).and_then(|i| list.get(i))))
}

/// LRANGE/LTRIM's and ZRANGE's rank window (negative from the end): `start..=end` after Redis's
/// clamping, or `None` when empty.
pub(super) fn window(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 { (len + start).max(0) } else { start };
    let end = if end < 0 { len + end } else { end };
    if start > end || start >= len {
        return None;
    }
    Some((start as usize, end.min(len - 1) as usize))
}

fn lrange(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let (start, end) = (integer(&args[2])?, integer(&args[3])?);
    let Some(list) = keyspace.get::<List>(&args[1], now)? else { return array([]) };
    match window(start, end, list.len()) {
        Some((from, to)) => array(list.range(from..=to)),
        None => array([]),
    }
}

fn lset(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let index = integer(&args[2])?;
    let Some(list) = keyspace.get::<List>(&args[1], now)? else { return Err(Reply::error("ERR no such key")) };
    let at = position(index, list.len()).ok_or_else(|| Reply::error("ERR index out of range"))?;
    list[at] = args[3].clone();
    ok()
}

fn ltrim(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let (start, end) = (integer(&args[2])?, integer(&args[3])?);
    let Some(list) = keyspace.get::<List>(&args[1], now)? else { return ok() };
    match window(start, end, list.len()) {
        Some((from, to)) => {
            list.truncate(to + 1);
            list.drain(..from);
        }
        None => list.clear(),
    }
    keyspace.drop_if_empty(&args[1]);
    ok()
}

/// LREM key count element: from the head when count > 0, the tail when < 0, all when 0.
fn lrem(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let count = integer(&args[2])?;
    let Some(list) = keyspace.get::<List>(&args[1], now)? else { return Ok(Reply::Int(0)) };
    let limit = if count == 0 { usize::MAX } else { usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX) };
    let mut hits: Vec<usize> = list.iter().enumerate().filter(|(_, e)| **e == args[3]).map(|(i, _)| i).collect();
    if count < 0 {
        hits.reverse();
    }
    hits.truncate(limit);
    hits.sort_unstable();
    for &i in hits.iter().rev() {
        list.remove(i);
    }
    keyspace.drop_if_empty(&args[1]);
    Ok(Reply::Int(hits.len() as i64))
}

fn linsert(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let before = match lower(&args[2]).as_str() {
        "before" => true,
        "after" => false,
        _ => return Err(syntax_error()),
    };
    let Some(list) = keyspace.get::<List>(&args[1], now)? else { return Ok(Reply::Int(0)) };
    let Some(at) = list.iter().position(|e| *e == args[3]) else { return Ok(Reply::Int(-1)) };
    list.insert(if before { at } else { at + 1 }, args[4].clone());
    Ok(Reply::Int(list.len() as i64))
}

/// LMOVE source destination LEFT|RIGHT LEFT|RIGHT: both types are checked before anything moves.
fn lmove(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let (from_left, to_left) = (end(&args[3])?, end(&args[4])?);
    if keyspace.get::<List>(&args[1], now)?.is_none() {
        return Ok(Reply::Bulk(None));
    }
    keyspace.get::<List>(&args[2], now)?;
    let moved = take(keyspace, &args[1], 1, from_left, now)?;
    let list = keyspace.get_or_create::<List>(&args[2], now)?;
    for element in &moved {
        if to_left { list.push_front(element.clone()) } else { list.push_back(element.clone()) }
    }
    bulk(moved.first())
}
