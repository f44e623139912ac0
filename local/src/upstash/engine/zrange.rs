//! Sorted-set ranges, following Redis 7's `t_zset.c`: ZRANGE (by rank, BYSCORE, BYLEX, REV,
//! LIMIT, WITHSCORES), ZCOUNT, ZLEXCOUNT and the ZREMRANGEBY* commands. Ranges are parsed
//! before the key is looked up, as Redis does.

use super::Keyspace;
use super::commands::{Outcome, float, integer, lower, syntax_error};
use super::zsets::{ZSet, with_scores};
use crate::upstash::resp::Reply;

/// `min`/`max` of a score range: `(` excludes, `-inf`/`+inf` are the ends.
struct ScoreRange {
    min: (f64, bool),
    max: (f64, bool),
}

impl ScoreRange {
    fn parse(min: &[u8], max: &[u8]) -> Result<Self, Reply> {
        let bound = |raw: &[u8]| match raw.strip_prefix(b"(") {
            Some(rest) => float(rest).map(|v| (v, true)),
            None => float(raw).map(|v| (v, false)),
        };
        let invalid = |_| Reply::error("ERR min or max is not a float");
        Ok(Self { min: bound(min).map_err(invalid)?, max: bound(max).map_err(invalid)? })
    }

    fn contains(&self, score: f64) -> bool {
        let above = if self.min.1 { score > self.min.0 } else { score >= self.min.0 };
        let below = if self.max.1 { score < self.max.0 } else { score <= self.max.0 };
        above && below
    }
}

/// One end of a lexicographic range: a member and whether it is excluded; `None` is open.
type LexBound = Option<(Vec<u8>, bool)>;

/// `min`/`max` of a lexicographic range: `[x` includes, `(x` excludes, `-` and `+` are the ends.
struct LexRange {
    min: LexBound,
    max: LexBound,
    /// `+` as min or `-` as max: nothing is inside.
    empty: bool,
}

impl LexRange {
    fn parse(min: &[u8], max: &[u8]) -> Result<Self, Reply> {
        let (min, min_empty) = lex_bound(min, b"-", b"+")?;
        let (max, max_empty) = lex_bound(max, b"+", b"-")?;
        Ok(Self { min, max, empty: min_empty || max_empty })
    }

    fn contains(&self, member: &[u8]) -> bool {
        let above =
            self.min.as_ref().is_none_or(|(m, ex)| if *ex { member > m.as_slice() } else { member >= m.as_slice() });
        let below =
            self.max.as_ref().is_none_or(|(m, ex)| if *ex { member < m.as_slice() } else { member <= m.as_slice() });
        !self.empty && above && below
    }
}

/// A lex bound, and whether it is the far end (which leaves the range empty).
fn lex_bound(raw: &[u8], near_end: &[u8], far_end: &[u8]) -> Result<(LexBound, bool), Reply> {
    match raw.split_first() {
        Some((b'[', rest)) => Ok((Some((rest.to_vec(), false)), false)),
        Some((b'(', rest)) => Ok((Some((rest.to_vec(), true)), false)),
        _ if raw == near_end => Ok((None, false)),
        _ if raw == far_end => Ok((None, true)),
        _ => Err(Reply::error("ERR min or max not valid string range item")),
    }
}

enum By {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange),
}

/// The members `by` selects, in order (reversed with `rev`), before any LIMIT.
fn select(zset: &ZSet, by: &By, rev: bool) -> Vec<(Vec<u8>, f64)> {
    let ordered: Vec<(&Vec<u8>, f64)> = if rev { zset.iter().rev().collect() } else { zset.iter().collect() };
    let chosen: Vec<(&Vec<u8>, f64)> = match by {
        By::Rank(start, end) => match super::lists::window(*start, *end, ordered.len()) {
            Some((from, to)) => ordered[from..=to].to_vec(),
            None => Vec::new(),
        },
        By::Score(range) => ordered.into_iter().filter(|(_, s)| range.contains(*s)).collect(),
        By::Lex(range) => ordered.into_iter().filter(|(m, _)| range.contains(m)).collect(),
    };
    chosen.into_iter().map(|(m, s)| (m.clone(), s)).collect()
}

/// ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES].
pub fn zrange(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let (mut rev, mut scores, mut kind, mut limit) = (false, false, "rank", None);
    let mut i = 4;
    while i < args.len() {
        match lower(&args[i]).as_str() {
            "withscores" => scores = true,
            "limit" if i + 2 < args.len() => {
                limit = Some((integer(&args[i + 1])?, integer(&args[i + 2])?));
                i += 2;
            }
            "rev" if !rev => rev = true,
            "byscore" if kind == "rank" => kind = "score",
            "bylex" if kind == "rank" => kind = "lex",
            _ => return Err(syntax_error()),
        }
        i += 1;
    }
    if kind == "rank" && limit.is_some_and(|(_, count)| count != -1) {
        return Err(Reply::error(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        ));
    }
    if scores && kind == "lex" {
        return Err(Reply::error("ERR syntax error, WITHSCORES not supported in combination with BYLEX"));
    }
    // REV takes the score and lex ranges as max, min.
    let (low, high) = if rev && kind != "rank" { (&args[3], &args[2]) } else { (&args[2], &args[3]) };
    let by = match kind {
        "score" => By::Score(ScoreRange::parse(low, high)?),
        "lex" => By::Lex(LexRange::parse(low, high)?),
        _ => By::Rank(integer(low)?, integer(high)?),
    };
    let Some(zset) = keyspace.get::<ZSet>(&args[1], now)? else { return Ok(Reply::Array(Some(Vec::new()))) };
    let mut chosen = select(zset, &by, rev);
    if let Some((offset, count)) = limit.filter(|_| kind != "rank") {
        // A negative offset selects nothing, a negative count everything after the offset.
        let skip = usize::try_from(offset).unwrap_or(usize::MAX);
        let take = usize::try_from(count).unwrap_or(usize::MAX);
        chosen = chosen.into_iter().skip(skip).take(take).collect();
    }
    Ok(with_scores(chosen.iter().map(|(m, s)| (m, *s)), scores))
}

pub fn zcount(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let by = By::Score(ScoreRange::parse(&args[2], &args[3])?);
    count(keyspace, &args[1], &by, now)
}

pub fn zlexcount(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let by = By::Lex(LexRange::parse(&args[2], &args[3])?);
    count(keyspace, &args[1], &by, now)
}

fn count(keyspace: &mut Keyspace, key: &[u8], by: &By, now: i64) -> Outcome {
    let zset = keyspace.get::<ZSet>(key, now)?;
    Ok(Reply::Int(zset.map_or(0, |zset| select(zset, by, false).len()) as i64))
}

pub fn zremrangebyrank(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let by = By::Rank(integer(&args[2])?, integer(&args[3])?);
    remove(keyspace, &args[1], &by, now)
}

pub fn zremrangebyscore(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let by = By::Score(ScoreRange::parse(&args[2], &args[3])?);
    remove(keyspace, &args[1], &by, now)
}

pub fn zremrangebylex(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let by = By::Lex(LexRange::parse(&args[2], &args[3])?);
    remove(keyspace, &args[1], &by, now)
}

fn remove(keyspace: &mut Keyspace, key: &[u8], by: &By, now: i64) -> Outcome {
    let Some(zset) = keyspace.get::<ZSet>(key, now)? else { return Ok(Reply::Int(0)) };
    let chosen = select(zset, by, false);
    for (member, _) in &chosen {
        zset.remove(member);
    }
    keyspace.drop_if_empty(key);
    Ok(Reply::Int(chosen.len() as i64))
}
