//! The list commands with options of their own: LPOS (RANK, COUNT, MAXLEN) and LMPOP (numkeys,
//! COUNT), with Redis 7's checks and texts (`t_list.c`).

use super::commands::{Outcome, array, integer, lower, syntax_error};
use super::lists::{end, take};
use super::{Keyspace, List};
use crate::upstash::resp::Reply;

/// LPOS key element [RANK rank] [COUNT num] [MAXLEN len]: the options are checked before the key.
pub fn lpos(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let (mut rank, mut count, mut maxlen) = (1_i64, None, 0_i64);
    for pair in args[3..].chunks(2) {
        let [option, value] = pair else { return Err(syntax_error()) };
        match lower(option).as_str() {
            "rank" => {
                rank = integer(value)?;
                if rank == 0 {
                    return Err(Reply::error(
                        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... \
                         or use negative to start from the end of the list",
                    ));
                }
                if rank == i64::MIN {
                    return Err(Reply::error("ERR value is out of range"));
                }
            }
            "count" => {
                let n = integer(value)?;
                count = Some(usize::try_from(n).map_err(|_| Reply::error("ERR COUNT can't be negative"))?);
            }
            "maxlen" => {
                maxlen = integer(value)?;
                if maxlen < 0 {
                    return Err(Reply::error("ERR MAXLEN can't be negative"));
                }
            }
            _ => return Err(syntax_error()),
        }
    }
    let list = keyspace.get::<List>(&args[1], now)?.cloned().unwrap_or_default();
    let scanned = if maxlen == 0 { list.len() } else { (maxlen as usize).min(list.len()) };
    let indices: Vec<usize> =
        if rank > 0 { (0..list.len()).take(scanned).collect() } else { (0..list.len()).rev().take(scanned).collect() };
    let skip = usize::try_from(rank.unsigned_abs() - 1).unwrap_or(usize::MAX);
    let matches = indices.into_iter().filter(|&i| list[i] == args[2]).skip(skip);
    match count {
        None => Ok(matches.take(1).next().map_or(Reply::Bulk(None), |i| Reply::Int(i as i64))),
        Some(n) => {
            let limit = if n == 0 { usize::MAX } else { n };
            Ok(Reply::Array(Some(matches.take(limit).map(|i| Reply::Int(i as i64)).collect())))
        }
    }
}

/// LMPOP numkeys key [key …] LEFT|RIGHT [COUNT count]: pops from the first non-empty list.
pub fn lmpop(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let numkeys = integer(&args[1])
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| Reply::error("ERR numkeys should be greater than 0"))?;
    let numkeys = usize::try_from(numkeys).unwrap_or(usize::MAX);
    if numkeys > args.len() - 3 {
        return Err(syntax_error());
    }
    let keys = &args[2..2 + numkeys];
    let left = end(&args[2 + numkeys])?;
    let mut count = 1;
    match &args[3 + numkeys..] {
        [] => {}
        [option, value] if lower(option) == "count" => {
            count = integer(value)
                .ok()
                .filter(|&n| n > 0)
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| Reply::error("ERR count should be greater than 0"))?;
        }
        _ => return Err(syntax_error()),
    }
    for key in keys {
        if keyspace.get::<List>(key, now)?.is_some() {
            let taken = take(keyspace, key, count, left, now)?;
            let Ok(Reply::Array(elements)) = array(&taken) else { continue };
            return Ok(Reply::Array(Some(vec![Reply::Bulk(Some(key.clone())), Reply::Array(elements)])));
        }
    }
    Ok(Reply::Array(None))
}
