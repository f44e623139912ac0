//! `StorageConfig`: the bucket names and the per-call deadline, read from the environment.

use std::time::Duration;

use crate::config::{ConfigError, Vars, invalid};

/// Which buckets the application uses, and how long one Storage call may take.
#[derive(Clone, Debug)]
pub struct StorageConfig {
    /// Private bucket of originals and derivatives, served through signed URLs.
    pub bucket: String,
    /// Public bucket holding copies of published images at stable URLs.
    pub public_bucket: String,
    /// Budget for one Storage call: uploads of a few MB must fit in a Hobby function's seconds.
    pub timeout: Duration,
}

impl StorageConfig {
    pub(crate) fn from_vars(vars: &Vars<'_>) -> Result<Self, ConfigError> {
        let bucket_name = |name: &'static str, default: &str| {
            let value = vars.optional(name).unwrap_or_else(|| default.to_owned());
            if is_bucket_name(&value) {
                Ok(value)
            } else {
                Err(invalid(name, format!("{value:?} is not a bucket name")))
            }
        };
        Ok(Self {
            bucket: bucket_name("STORAGE_BUCKET", "images")?,
            public_bucket: bucket_name("STORAGE_PUBLIC_BUCKET", "public-images")?,
            timeout: vars.millis("STORAGE_TIMEOUT_MS", 15_000)?,
        })
    }
}

/// Storage's rule for bucket names (`storage/limits.ts`): its key characters without `/`, < 101 long.
fn is_bucket_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() < 101
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "_!.*'() &$=@;:+,?-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    #[test]
    fn reads_storage_settings_with_defaults() {
        let base = crate::config::tests::complete();
        let read = |extra: &[(&str, &str)]| {
            let vars: Vec<(&str, &str)> = base.iter().chain(extra).copied().collect();
            Config::from_lookup(|name| vars.iter().rev().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()))
        };
        let config = read(&[]).unwrap();
        assert_eq!(
            (config.storage.bucket.as_str(), config.storage.public_bucket.as_str()),
            ("images", "public-images")
        );
        assert_eq!(config.storage.timeout, Duration::from_secs(15));
        let config = read(&[("STORAGE_BUCKET", "originals"), ("STORAGE_TIMEOUT_MS", "300")]).unwrap();
        assert_eq!((config.storage.bucket.as_str(), config.storage.timeout), ("originals", Duration::from_millis(300)));
        for (name, value) in [("STORAGE_BUCKET", "a/b"), ("STORAGE_PUBLIC_BUCKET", ""), ("STORAGE_TIMEOUT_MS", "0")] {
            let result = read(&[(name, value)]);
            match (value, result) {
                // An empty variable counts as unset, so the default applies.
                ("", Ok(config)) => assert_eq!(config.storage.public_bucket, "public-images"),
                (_, Err(err)) => assert!(err.to_string().contains(name), "{name}={value}: {err}"),
                (_, Ok(_)) => panic!("{name}={value} accepted"),
            }
        }
    }

    #[test]
    fn bucket_names_follow_storage_rules() {
        for good in ["images", "public-images", "a.b_c"] {
            assert!(is_bucket_name(good), "{good}");
        }
        for bad in ["", "a/b", "ünï", &"x".repeat(101)] {
            assert!(!is_bucket_name(bad), "{bad}");
        }
    }
}
