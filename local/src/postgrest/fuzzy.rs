//! The closest-name search behind PostgREST's "Perhaps you meant …" hints (PGRST202, PGRST205).
//!
//! PostgREST asks the Haskell `fuzzyset` 0.2 package for one match (`getOne`, minimum score 0.33).
//! That search, reproduced here: an exact (case-insensitive) entry wins; otherwise, for trigrams then
//! bigrams of the normalised, hyphen-enclosed names, every entry sharing a gram is rescored by the
//! normalised Levenshtein similarity of the lowercased names, and the best one scoring ≥ 0.33 wins.

use std::collections::HashMap;

const MIN_SCORE: f64 = 0.33;
/// `fuzzyset` rescores only its 50 best cosine matches with Levenshtein.
const RESCORED: usize = 50;

/// The entry of `entries` closest to `query`, if any is close enough.
pub fn closest<'e>(entries: &'e [String], query: &str) -> Option<&'e str> {
    let key = query.to_lowercase();
    if let Some(exact) = entries.iter().find(|e| e.to_lowercase() == key) {
        return Some(exact);
    }
    for size in [3, 2] {
        let query_grams = grams(&key, size);
        let query_norm = magnitude(&query_grams);
        let mut scored: Vec<(f64, &String)> = entries
            .iter()
            .filter_map(|entry| {
                let entry_grams = grams(&entry.to_lowercase(), size);
                let dot: usize = query_grams.iter().map(|(g, n)| n * entry_grams.get(g).unwrap_or(&0)).sum();
                (dot > 0).then(|| (dot as f64 / (query_norm * magnitude(&entry_grams)), entry))
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        let best = scored
            .into_iter()
            .take(RESCORED)
            .map(|(_, entry)| (similarity(&key, &entry.to_lowercase()), entry))
            .filter(|(score, _)| *score >= MIN_SCORE)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((_, entry)) = best {
            return Some(entry);
        }
    }
    None
}

/// Grams of `text` with only alphanumerics, spaces and commas kept, enclosed in `-`.
fn grams(text: &str, size: usize) -> HashMap<String, usize> {
    let normal: Vec<char> = std::iter::once('-')
        .chain(text.chars().filter(|c| c.is_alphanumeric() || c.is_whitespace() || *c == ','))
        .chain(std::iter::once('-'))
        .collect();
    let mut counts = HashMap::new();
    for window in normal.windows(size) {
        *counts.entry(window.iter().collect()).or_insert(0) += 1;
    }
    counts
}

fn magnitude(grams: &HashMap<String, usize>) -> f64 {
    (grams.values().map(|n| n * n).sum::<usize>() as f64).sqrt()
}

/// `1 - levenshtein(a, b) / max(len a, len b)`.
fn similarity(a: &str, b: &str) -> f64 {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let longest = a.len().max(b.len());
    if longest == 0 {
        return 1.0;
    }
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    1.0 - previous[b.len()] as f64 / longest as f64
}

#[cfg(test)]
mod tests {
    use super::closest;

    fn names(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    /// The examples of PostgREST's own `noRpcHint` / `tableNotFoundHint` doctests (src `Error.hs`).
    #[test]
    fn suggests_what_postgrest_suggests() {
        let procs = names(&["test", "another"]);
        assert_eq!(closest(&procs, "testt"), Some("test"));
        assert_eq!(closest(&procs, "other"), Some("another"));
        assert_eq!(closest(&procs, "noclosealternative"), None);
        let params = names(&["(name, param, val)", "(attr, id)"]);
        assert_eq!(closest(&params, "(nam, pqaram, vall)"), Some("(name, param, val)"));
        assert_eq!(closest(&params, "(param, val)"), Some("(name, param, val)"));
        assert_eq!(closest(&params, "(attrs, id)"), Some("(attr, id)"));
        assert_eq!(closest(&params, "(id)"), Some("(attr, id)"));
        assert_eq!(closest(&params, "(noclosealternative)"), None);
    }
}
