//! `Prefer` (RFC 7240) as PostgREST v14 reads it (src `ApiRequest/Preferences.hs`): every header
//! value split on `,`, the first value of each kind wins, and `Preference-Applied` in its order.

use axum::http::HeaderMap;

use super::error::ApiError;

/// `Prefer: return=…`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Return {
    Minimal,
    HeadersOnly,
    Representation,
}

/// `Prefer: count=…`: `planned` is the planner's estimate, `estimated` is exact up to `max_rows`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Count {
    Exact,
    Planned,
    Estimated,
}

impl Count {
    /// Whether the statement itself counts the rows (PostgREST `shouldCount`).
    pub fn counts_rows(self) -> bool {
        matches!(self, Self::Exact | Self::Estimated)
    }

    fn value(self) -> &'static str {
        match self {
            Self::Exact => "count=exact",
            Self::Planned => "count=planned",
            Self::Estimated => "count=estimated",
        }
    }
}

/// What kind of request the applied preferences are echoed for: each kind echoes its own subset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Echo {
    Read,
    /// POST; `resolution` when the table has a primary key or `on_conflict` was given.
    Insert {
        resolution: bool,
    },
    Update,
    Delete,
    Call,
}

/// The preferences PostgREST recognises; `invalid` keeps the rest for `handling=strict`.
#[derive(Debug, Default)]
pub struct Prefer {
    pub ret: Option<Return>,
    pub count: Option<Count>,
    /// `merge-duplicates` (true) or `ignore-duplicates` (false).
    pub merge: Option<bool>,
    /// `missing=default` (true) or `missing=null` (false).
    pub missing_default: Option<bool>,
    /// `handling=strict` (true) or `handling=lenient` (false).
    pub strict: Option<bool>,
    /// `timezone=…` as sent; it applies only if PostgreSQL knows the zone (checked in the transaction).
    pub timezone: Option<String>,
    pub max_affected: Option<i64>,
    pub invalid: Vec<String>,
}

impl Prefer {
    pub fn parse(headers: &HeaderMap) -> Self {
        let mut prefer = Self::default();
        let values = headers.get_all("prefer").into_iter().filter_map(|v| v.to_str().ok());
        for item in values.flat_map(|v| v.split(',')).map(str::trim) {
            match item {
                "return=minimal" => _ = prefer.ret.get_or_insert(Return::Minimal),
                "return=headers-only" => _ = prefer.ret.get_or_insert(Return::HeadersOnly),
                "return=representation" => _ = prefer.ret.get_or_insert(Return::Representation),
                "count=exact" => _ = prefer.count.get_or_insert(Count::Exact),
                "count=planned" => _ = prefer.count.get_or_insert(Count::Planned),
                "count=estimated" => _ = prefer.count.get_or_insert(Count::Estimated),
                "resolution=merge-duplicates" => _ = prefer.merge.get_or_insert(true),
                "resolution=ignore-duplicates" => _ = prefer.merge.get_or_insert(false),
                "missing=default" => _ = prefer.missing_default.get_or_insert(true),
                "missing=null" => _ = prefer.missing_default.get_or_insert(false),
                "handling=strict" => _ = prefer.strict.get_or_insert(true),
                "handling=lenient" => _ = prefer.strict.get_or_insert(false),
                // Recognised, but Supabase runs PostgREST with the default `db-tx-end = commit`,
                // which does not let clients override the transaction end: never applied or echoed.
                "tx=commit" | "tx=rollback" => {}
                _ => prefer.other(item),
            }
        }
        prefer
    }

    fn other(&mut self, item: &str) {
        if let Some(zone) = item.strip_prefix("timezone=") {
            if self.timezone.is_none() {
                self.timezone = Some(zone.to_owned());
            }
        } else if let Some(n) = item.strip_prefix("max-affected=") {
            // PostgREST takes any `max-affected=` as recognised, applying it only if it is a number.
            if self.max_affected.is_none() {
                self.max_affected = n.parse().ok();
            }
        } else {
            self.invalid.push(item.to_owned());
        }
    }

    /// 400 PGRST122 for unrecognised preferences under `handling=strict`; `zone_known` says whether
    /// PostgreSQL has the requested time zone (an unknown one counts as invalid).
    pub fn check_strict(&self, zone_known: bool) -> Result<(), ApiError> {
        let mut invalid = self.invalid.clone();
        if let Some(zone) = self.timezone.as_ref().filter(|_| !zone_known) {
            invalid.push(format!("timezone={zone}"));
        }
        match self.strict {
            Some(true) if !invalid.is_empty() => Err(ApiError::Strict(invalid.join(", "))),
            _ => Ok(()),
        }
    }

    /// `max-affected` binds only with `handling=strict`.
    pub fn max_affected(&self) -> Option<i64> {
        self.max_affected.filter(|_| self.strict == Some(true))
    }

    /// `Preference-Applied`, in PostgREST's order: resolution, missing, return, count, (tx),
    /// handling, timezone, max-affected; each kind of request echoes only what applies to it.
    pub fn applied(&self, echo: Echo, zone_known: bool) -> Option<String> {
        let write = matches!(echo, Echo::Insert { .. } | Echo::Update | Echo::Delete);
        let mut applied: Vec<String> = Vec::new();
        if let (Echo::Insert { resolution: true }, Some(merge)) = (echo, self.merge) {
            applied.push(if merge { "resolution=merge-duplicates" } else { "resolution=ignore-duplicates" }.into());
        }
        if let (Echo::Insert { .. } | Echo::Update, Some(default)) = (echo, self.missing_default) {
            applied.push(if default { "missing=default" } else { "missing=null" }.into());
        }
        if let Some(ret) = self.ret.filter(|_| write) {
            let value = match ret {
                Return::Minimal => "return=minimal",
                Return::HeadersOnly => "return=headers-only",
                Return::Representation => "return=representation",
            };
            applied.push(value.into());
        }
        applied.extend(self.count.map(|c| c.value().to_owned()));
        if let Some(strict) = self.strict {
            applied.push(if strict { "handling=strict" } else { "handling=lenient" }.into());
        }
        if let Some(zone) = self.timezone.as_ref().filter(|_| zone_known) {
            applied.push(format!("timezone={zone}"));
        }
        if let Some(n) = self.max_affected().filter(|_| matches!(echo, Echo::Update | Echo::Delete | Echo::Call)) {
            applied.push(format!("max-affected={n}"));
        }
        (!applied.is_empty()).then(|| applied.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefer(values: &[&str]) -> Prefer {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("prefer", value.parse().unwrap_or_else(|_| axum::http::HeaderValue::from_static("")));
        }
        Prefer::parse(&headers)
    }

    #[test]
    fn first_value_wins_and_echo_follows_postgrest_order() {
        let p = prefer(&["count=exact, return=representation", "return=minimal,resolution=merge-duplicates"]);
        assert_eq!(p.ret, Some(Return::Representation));
        let echoed = p.applied(Echo::Insert { resolution: true }, false);
        assert_eq!(echoed.as_deref(), Some("resolution=merge-duplicates, return=representation, count=exact"));
        assert_eq!(p.applied(Echo::Read, false).as_deref(), Some("count=exact"));
    }

    #[test]
    fn strict_refuses_unknown_preferences_but_not_tx_or_max_affected() {
        assert!(prefer(&["handling=strict, tx=rollback, max-affected=5"]).check_strict(true).is_ok());
        assert!(prefer(&["handling=strict, foo"]).check_strict(true).is_err());
        assert!(prefer(&["handling=lenient, foo"]).check_strict(true).is_ok());
        assert!(prefer(&["handling=strict, timezone=Mars/Base"]).check_strict(false).is_err());
    }
}
