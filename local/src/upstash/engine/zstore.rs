//! ZUNION, ZINTER, ZDIFF and their *STORE forms, following Redis 7's
//! `zunionInterDiffGenericCommand`: keys (sorted sets, or sets scoring 1) are type-checked before
//! the options (WEIGHTS, AGGREGATE, WITHSCORES) are read.

use super::commands::{Outcome, float, integer, lower, syntax_error};
use super::zsets::{ZSet, with_scores};
use super::{Keyspace, Set, Value, wrong_type};
use crate::upstash::resp::Reply;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

impl Aggregate {
    fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            // inf + -inf is NaN, which Redis turns into 0.
            Self::Sum => Some(a + b).filter(|s| !s.is_nan()).unwrap_or(0.0),
            Self::Min => a.min(b),
            Self::Max => a.max(b),
        }
    }
}

/// The scored members under `key`: a sorted set, a set (each member scoring 1), or nothing.
fn input(keyspace: &mut Keyspace, key: &[u8], now: i64) -> Result<Vec<(Vec<u8>, f64)>, Reply> {
    match keyspace.live(key, now).map(|entry| &entry.value) {
        None => Ok(Vec::new()),
        Some(Value::ZSet(zset)) => Ok(zset.iter().map(|(m, s)| (m.clone(), s)).collect()),
        Some(Value::Set(set)) => Ok(set.iter().map(|m| (m.clone(), 1.0)).collect::<Vec<_>>()),
        Some(_) => Err(wrong_type()),
    }
}

/// `[dest] numkeys key … [WEIGHTS w …] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]`.
pub fn combine(keyspace: &mut Keyspace, args: &[Vec<u8>], now: i64, op: Op, store: bool) -> Outcome {
    let at = if store { 2 } else { 1 };
    let numkeys = integer(&args[at])?;
    if numkeys < 1 {
        let name = lower(&args[0]);
        return Err(Reply::error(format!("ERR at least 1 input key is needed for '{name}' command")));
    }
    let numkeys = usize::try_from(numkeys).unwrap_or(usize::MAX);
    if numkeys > args.len() - at - 1 {
        return Err(syntax_error());
    }
    let mut inputs = Vec::with_capacity(numkeys);
    for key in &args[at + 1..at + 1 + numkeys] {
        inputs.push(input(keyspace, key, now)?);
    }
    let (mut weights, mut aggregate, mut scores) = (vec![1.0; numkeys], Aggregate::Sum, false);
    let mut rest = &args[at + 1 + numkeys..];
    while let Some((option, tail)) = rest.split_first() {
        match lower(option).as_str() {
            "weights" if op != Op::Diff && tail.len() >= numkeys => {
                for (weight, raw) in weights.iter_mut().zip(tail) {
                    *weight = float(raw).map_err(|_| Reply::error("ERR weight value is not a float"))?;
                }
                rest = &tail[numkeys..];
            }
            "aggregate" if op != Op::Diff && !tail.is_empty() => {
                aggregate = match lower(&tail[0]).as_str() {
                    "sum" => Aggregate::Sum,
                    "min" => Aggregate::Min,
                    "max" => Aggregate::Max,
                    _ => return Err(syntax_error()),
                };
                rest = &tail[1..];
            }
            "withscores" if !store => {
                scores = true;
                rest = tail;
            }
            _ => return Err(syntax_error()),
        }
    }
    let result = merge(&inputs, &weights, aggregate, op);
    if !store {
        return Ok(with_scores(result.iter(), scores));
    }
    keyspace.remove(&args[1], now);
    let len = result.len();
    if len > 0 {
        keyspace.put(&args[1], Value::ZSet(result));
    }
    Ok(Reply::Int(len as i64))
}

fn merge(inputs: &[Vec<(Vec<u8>, f64)>], weights: &[f64], aggregate: Aggregate, op: Op) -> ZSet {
    let weighted = |i: usize, score: f64| Some(score * weights[i]).filter(|s| !s.is_nan()).unwrap_or(0.0);
    let mut result = ZSet::default();
    let Some((first, others)) = inputs.split_first() else { return result };
    match op {
        Op::Union => {
            for (i, input) in inputs.iter().enumerate() {
                for (member, score) in input {
                    let score = weighted(i, *score);
                    let next = result.score(member).map_or(score, |current| aggregate.apply(current, score));
                    result.insert(member.clone(), next);
                }
            }
        }
        Op::Inter => {
            let sets: Vec<Set> = others.iter().map(|input| input.iter().map(|(m, _)| m.clone()).collect()).collect();
            for (member, score) in first.iter().filter(|(m, _)| sets.iter().all(|set| set.contains(m))) {
                let mut total = weighted(0, *score);
                for (i, input) in others.iter().enumerate() {
                    let other = input.iter().find(|(m, _)| m == member).map_or(0.0, |(_, s)| *s);
                    total = aggregate.apply(total, weighted(i + 1, other));
                }
                result.insert(member.clone(), total);
            }
        }
        Op::Diff => {
            for (member, score) in first.iter().filter(|(m, _)| others.iter().all(|o| o.iter().all(|(x, _)| x != m))) {
                result.insert(member.clone(), *score);
            }
        }
    }
    result
}
