//! Sorted sets, following Redis 7's `t_zset.c`: the [`ZSet`] value (members ordered by score, then
//! bytewise) and the commands on single members; ranges live in [`super::zrange`], the
//! multi-key ones in [`super::zstore`].

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};

use super::commands::{Outcome, Spec, float, format_score, lower, positive, syntax_error};
use super::keys::{cursor, page, scan_options};
use super::{Keyspace, zrange, zstore};
use crate::upstash::resp::Reply;

pub const COMMANDS: &[Spec] = &[
    ("zadd", -4, zadd),
    ("zincrby", 4, zincrby),
    ("zcard", 2, |ks, a, now| Ok(Reply::Int(ks.get::<ZSet>(&a[1], now)?.map_or(0, |z| z.len() as i64)))),
    ("zscore", 3, |ks, a, now| Ok(score_reply(ks.get::<ZSet>(&a[1], now)?.and_then(|z| z.score(&a[2]))))),
    ("zmscore", -3, zmscore),
    ("zrem", -3, zrem),
    ("zrank", -3, |ks, a, now| zrank(ks, a, now, false)),
    ("zrevrank", -3, |ks, a, now| zrank(ks, a, now, true)),
    ("zpopmin", -2, |ks, a, now| zpop(ks, a, now, false)),
    ("zpopmax", -2, |ks, a, now| zpop(ks, a, now, true)),
    ("zscan", -3, zscan),
    ("zrange", -4, zrange::zrange),
    ("zcount", 4, zrange::zcount),
    ("zlexcount", 4, zrange::zlexcount),
    ("zremrangebyrank", 4, zrange::zremrangebyrank),
    ("zremrangebyscore", 4, zrange::zremrangebyscore),
    ("zremrangebylex", 4, zrange::zremrangebylex),
    ("zunion", -3, |ks, a, now| zstore::combine(ks, a, now, zstore::Op::Union, false)),
    ("zinter", -3, |ks, a, now| zstore::combine(ks, a, now, zstore::Op::Inter, false)),
    ("zdiff", -3, |ks, a, now| zstore::combine(ks, a, now, zstore::Op::Diff, false)),
    ("zunionstore", -4, |ks, a, now| zstore::combine(ks, a, now, zstore::Op::Union, true)),
    ("zinterstore", -4, |ks, a, now| zstore::combine(ks, a, now, zstore::Op::Inter, true)),
    ("zdiffstore", -4, |ks, a, now| zstore::combine(ks, a, now, zstore::Op::Diff, true)),
];

/// A score, ordered totally (Redis never stores NaN; -0 is stored as 0).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Score(pub f64);

impl Eq for Score {}
impl PartialOrd for Score {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Score {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

#[derive(Clone, Default)]
pub struct ZSet {
    scores: HashMap<Vec<u8>, f64>,
    order: BTreeSet<(Score, Vec<u8>)>,
}

impl ZSet {
    pub fn len(&self) -> usize {
        self.scores.len()
    }

    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    pub fn score(&self, member: &[u8]) -> Option<f64> {
        self.scores.get(member).copied()
    }

    pub fn insert(&mut self, member: Vec<u8>, score: f64) {
        self.remove(&member);
        let score = score + 0.0;
        self.order.insert((Score(score), member.clone()));
        self.scores.insert(member, score);
    }

    pub fn remove(&mut self, member: &[u8]) -> bool {
        match self.scores.remove(member) {
            Some(score) => self.order.remove(&(Score(score), member.to_vec())),
            None => false,
        }
    }

    /// Members from the lowest score up.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&Vec<u8>, f64)> + '_ {
        self.order.iter().map(|(score, member)| (member, score.0))
    }
}

pub fn score_reply(score: Option<f64>) -> Reply {
    Reply::Bulk(score.map(format_score))
}

/// Members and their scores, flattened as RESP2 WITHSCORES replies are.
pub fn with_scores<'a>(items: impl IntoIterator<Item = (&'a Vec<u8>, f64)>, scores: bool) -> Reply {
    let flat = items.into_iter().flat_map(|(member, score)| {
        let member = Reply::Bulk(Some(member.clone()));
        if scores { vec![member, Reply::Bulk(Some(format_score(score)))] } else { vec![member] }
    });
    Reply::Array(Some(flat.collect()))
}

/// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member […]: every score is parsed before anything
/// changes, so the command runs fully or not at all.
fn zadd(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let mut flags = [false; 6];
    let mut at = 2;
    while let Some(i) =
        args.get(at).and_then(|a| ["nx", "xx", "gt", "lt", "ch", "incr"].iter().position(|f| *f == lower(a)))
    {
        flags[i] = true;
        at += 1;
    }
    let [nx, xx, gt, lt, ch, incr] = flags;
    let pairs = &args[at..];
    if pairs.is_empty() || pairs.len() % 2 == 1 {
        return Err(syntax_error());
    }
    if xx && nx {
        return Err(Reply::error("ERR XX and NX options at the same time are not compatible"));
    }
    if (nx && (gt || lt)) || (gt && lt) {
        return Err(Reply::error("ERR GT, LT, and/or NX options at the same time are not compatible"));
    }
    if incr && pairs.len() > 2 {
        return Err(Reply::error("ERR INCR option supports a single increment-element pair"));
    }
    let scores = pairs.chunks(2).map(|pair| float(&pair[0])).collect::<Result<Vec<_>, _>>()?;
    let exists = keyspace.get::<ZSet>(&args[1], now)?.is_some();
    if !exists && xx {
        return Ok(if incr { Reply::Bulk(None) } else { Reply::Int(0) });
    }
    let zset = keyspace.get_or_create::<ZSet>(&args[1], now)?;
    let (mut added, mut updated, mut last) = (0, 0, None);
    for (pair, score) in pairs.chunks(2).zip(scores) {
        let member = &pair[1];
        match zset.score(member) {
            Some(current) => {
                let next = if incr { current + score } else { score };
                if next.is_nan() {
                    return Err(Reply::error("ERR resulting score is not a number (NaN)"));
                }
                if nx || (gt && next <= current) || (lt && next >= current) {
                    continue;
                }
                if next != current {
                    zset.insert(member.clone(), next);
                    updated += 1;
                }
                last = Some(next);
            }
            None if xx => {}
            None => {
                zset.insert(member.clone(), score);
                added += 1;
                last = Some(score);
            }
        }
    }
    keyspace.drop_if_empty(&args[1]);
    Ok(if incr { score_reply(last) } else { Reply::Int(if ch { added + updated } else { added }) })
}

fn zincrby(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let by = float(&args[2])?;
    let zset = keyspace.get_or_create::<ZSet>(&args[1], now)?;
    let next = zset.score(&args[3]).unwrap_or(0.0) + by;
    if next.is_nan() {
        keyspace.drop_if_empty(&args[1]);
        return Err(Reply::error("ERR resulting score is not a number (NaN)"));
    }
    zset.insert(args[3].clone(), next);
    Ok(score_reply(Some(next)))
}

fn zmscore(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let zset = keyspace.get::<ZSet>(&args[1], now)?;
    let scores = args[2..].iter().map(|member| score_reply(zset.as_ref().and_then(|z| z.score(member))));
    Ok(Reply::Array(Some(scores.collect())))
}

fn zrem(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    let Some(zset) = keyspace.get::<ZSet>(&args[1], now)? else { return Ok(Reply::Int(0)) };
    let removed = args[2..].iter().filter(|member| zset.remove(member)).count();
    keyspace.drop_if_empty(&args[1]);
    Ok(Reply::Int(removed as i64))
}

/// ZRANK/ZREVRANK key member [WITHSCORE] (WITHSCORE from Redis 7.2).
fn zrank(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64, rev: bool) -> Outcome {
    let with_score = match args.get(3) {
        None => false,
        Some(option) if args.len() == 4 && lower(option) == "withscore" => true,
        Some(_) => return Err(syntax_error()),
    };
    let Some(zset) = keyspace.get::<ZSet>(&args[1], now)? else { return Ok(Reply::Bulk(None)) };
    let Some(score) = zset.score(&args[2]) else { return Ok(Reply::Bulk(None)) };
    let below = zset.iter().position(|(member, _)| *member == args[2]).unwrap_or(0);
    let rank = Reply::Int((if rev { zset.len() - 1 - below } else { below }) as i64);
    Ok(if with_score { Reply::Array(Some(vec![rank, score_reply(Some(score))])) } else { rank })
}

/// ZPOPMIN/ZPOPMAX key [count]: members with their scores, always as an array.
fn zpop(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64, max: bool) -> Outcome {
    if args.len() > 3 {
        return Err(syntax_error());
    }
    let count = args.get(2).map(|raw| positive(raw)).transpose()?.unwrap_or(1);
    let Some(zset) = keyspace.get::<ZSet>(&args[1], now)? else { return Ok(Reply::Array(Some(Vec::new()))) };
    let popped: Vec<(Vec<u8>, f64)> = match max {
        true => zset.iter().rev().take(count).map(|(m, s)| (m.clone(), s)).collect(),
        false => zset.iter().take(count).map(|(m, s)| (m.clone(), s)).collect(),
    };
    for (member, _) in &popped {
        zset.remove(member);
    }
    keyspace.drop_if_empty(&args[1]);
    Ok(with_scores(popped.iter().map(|(m, s)| (m, *s)), true))
}

fn zscan(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64) -> Outcome {
    cursor(&args[2])?;
    let Some(zset) = keyspace.get::<ZSet>(&args[1], now)?.cloned() else { return page(Vec::new()) };
    let options = scan_options(&args[3..], false)?;
    let pattern = options.pattern.as_deref();
    let matching = zset.iter().filter(|(m, _)| pattern.is_none_or(|p| super::commands::glob(p, m)));
    page(matching.flat_map(|(m, s)| [m.clone(), format_score(s)]).collect())
}
