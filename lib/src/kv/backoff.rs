//! Exponential backoff over `Kv`, for guesses that must get slower the more of them fail: the first
//! `free` attempts go through at once, then each must wait for a gate whose lifetime doubles with
//! every further attempt, up to `cap`. A success clears both.
//!
//! Without Lua the two keys are used so that concurrency cannot buy extra attempts: each attempt
//! first INCRements its counter (so concurrent attempts get distinct numbers), and past the free
//! ones it must take the gate with `SET … NX PX`, which exactly one attempt at a time can do. An
//! attempt refused at the gate gives its number back (DECR), so waiting and retrying does not
//! lengthen the wait; while it still holds the number, others may only wait longer, never less.

use std::time::Duration;

use serde_json::{Value, json};

use super::{Kv, KvError};

#[derive(Clone, Debug)]
pub struct Backoff {
    /// Part of the keys, distinct per use (e.g. `password`); no `:` in it.
    pub name: &'static str,
    /// Attempts allowed before the first wait.
    pub free: u64,
    /// The first wait; each further attempt doubles it.
    pub base: Duration,
    /// The longest wait.
    pub cap: Duration,
    /// How long a counter is kept after its last attempt: quiet this long, the count starts over.
    pub memory: Duration,
}

/// Whether an attempt may go ahead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    Allowed,
    /// Refused: the gate opens in this many whole seconds (at least 1).
    Wait {
        retry_after_secs: u64,
    },
}

impl Backoff {
    /// Counts one attempt of `identifier` and says whether it may go ahead.
    pub async fn attempt(&self, kv: &Kv, identifier: &str) -> Result<Admission, KvError> {
        let (counter, gate) = (self.key(identifier, "n"), self.key(identifier, "gate"));
        let memory = millis(self.memory);
        let replies = kv
            .multi_exec(&[vec![json!("INCR"), json!(counter)], vec![json!("PEXPIRE"), json!(counter), json!(memory)]])
            .await?;
        let number = integer(replies.first())?;
        let Some(wait) = self.wait_after(number) else {
            return Ok(Admission::Allowed);
        };
        let taken =
            kv.command(&[json!("SET"), json!(gate), json!("1"), json!("PX"), json!(millis(wait)), json!("NX")]).await?;
        if taken == json!("OK") {
            return Ok(Admission::Allowed);
        }
        let replies = kv.multi_exec(&[vec![json!("DECR"), json!(counter)], vec![json!("PTTL"), json!(gate)]]).await?;
        let left_ms = integer(replies.get(1))?;
        Ok(Admission::Wait { retry_after_secs: u64::try_from(left_ms).unwrap_or(0).div_ceil(1000).max(1) })
    }

    /// Forgets `identifier`'s attempts (after a success).
    pub async fn clear(&self, kv: &Kv, identifier: &str) -> Result<(), KvError> {
        kv.command(&[json!("DEL"), json!(self.key(identifier, "n")), json!(self.key(identifier, "gate"))]).await?;
        Ok(())
    }

    /// The wait attempt number `number` (1-based) imposes on the next one, if any: none for the
    /// first `free - 1`, then `base`, doubling per attempt up to `cap`.
    fn wait_after(&self, number: i64) -> Option<Duration> {
        let past = u64::try_from(number).ok()?.checked_sub(self.free)?;
        let factor = 1u32.checked_shl(u32::try_from(past).unwrap_or(u32::MAX)).unwrap_or(u32::MAX);
        Some(self.base.saturating_mul(factor).min(self.cap))
    }

    fn key(&self, identifier: &str, part: &str) -> String {
        format!("bo:{}:{identifier}:{part}", self.name)
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX).max(1)
}

/// An integer reply from a transaction item.
fn integer(item: Option<&Result<Value, String>>) -> Result<i64, KvError> {
    match item {
        Some(Ok(Value::Number(n))) => n.as_i64().ok_or_else(|| KvError::Decode(format!("integer {n}"))),
        Some(Ok(other)) => Err(KvError::Decode(format!("expected an integer, got {other}"))),
        Some(Err(error)) => Err(KvError::Rejected(error.clone())),
        None => Err(KvError::Decode("a transaction item is missing".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backoff() -> Backoff {
        Backoff {
            name: "t",
            free: 5,
            base: Duration::from_secs(30),
            cap: Duration::from_secs(15 * 60),
            memory: Duration::from_secs(24 * 60 * 60),
        }
    }

    #[test]
    fn waits_start_after_the_free_attempts_and_double_up_to_the_cap() {
        let waits: Vec<Option<u64>> = (1..=12).map(|n| backoff().wait_after(n).map(|d| d.as_secs())).collect();
        let expected = [None, None, None, None, Some(30), Some(60), Some(120), Some(240), Some(480), Some(900)];
        assert_eq!(waits[..10], expected);
        assert_eq!((waits[10], waits[11]), (Some(900), Some(900)), "capped");
        assert_eq!(backoff().wait_after(i64::MAX), Some(Duration::from_secs(900)), "no overflow");
        assert_eq!(backoff().wait_after(-1), None, "a counter below zero waits for nothing");
    }

    #[test]
    fn keys_name_the_use_the_caller_and_the_part() {
        assert_eq!(backoff().key("abc:203.0.113.7", "gate"), "bo:t:abc:203.0.113.7:gate");
    }

    #[test]
    fn integers_come_from_numbers_only() {
        assert_eq!(integer(Some(&Ok(json!(-2)))).unwrap(), -2);
        assert!(matches!(integer(Some(&Ok(json!("2")))), Err(KvError::Decode(_))));
        assert!(matches!(integer(Some(&Err("WRONGTYPE".into()))), Err(KvError::Rejected(_))));
    }
}
