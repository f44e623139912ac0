//! What a request can leave behind, and the time that must pass before it is judged: the state
//! the chaos harness compares before and after each run.

use std::path::Path;
use std::time::Duration;

use studio_local::testing::TestStack;

use super::Case;

/// Everything a request can leave behind: every row of every public table, the Storage stand-in's
/// catalogue (`storage.objects`), the files on its disk and the mail the Resend stand-in accepted
/// (an e-mail is as much a write as a row: one sent for a change that was not saved is a lie to its
/// reader). Left out: times (touching a row, as an API key's or a session's `last_used_at`, is
/// not writing half of it; [`recover`] ages objects), the `quota_refund` usage rows that record
/// units given back (the counters show whether they were), the `failure` usage rows that record a
/// request the studio failed (the record of the failure itself, for the operator's failure rates,
/// not half of the request's work), a day's studio-wide budget counter that stands at zero (a
/// refund brought it back: the same as no row), the cron's daily report, for a case that counts
/// views, the views, and the storage counters (the account's and the studio's), which stand in as
/// one line saying whether they equal the sums of the image rows: a retry that completes a change
/// moves them with its rows, and a half-written counter still shows.
pub async fn state(stack: &TestStack, case: &Case) -> Vec<String> {
    let (views, view_logs) = if case.counts_views { (" - 'view_count'", "share_view") } else { ("", "") };
    let db = stack.db.client().await;
    let tables = db
        .query(
            "select format('%I.%I', table_schema, table_name) from information_schema.tables
              where table_type = 'BASE TABLE' and (table_schema = 'public' or (table_schema, table_name) = ('storage', 'objects'))
              order by 1",
            &[],
        )
        .await
        .expect("the tables");
    let mut state = Vec::new();
    for table in tables {
        let table: String = table.get(0);
        let rows = db
            .query(
                &format!(
                    "select (to_jsonb(t) - 'updated_at' - 'created_at' - 'last_accessed_at' - 'last_used_at'
                             - 'storage_used_bytes'{views})::text
                       from {table} t
                      where to_jsonb(t) ->> 'action' is distinct from 'quota_refund'
                        and not ('{table}' = 'public.usage_logs' and to_jsonb(t) ->> 'status' = 'failure')
                        and to_jsonb(t) ->> 'action' is distinct from '{view_logs}'
                        and '{table}' not in ('public.daily_reports', 'public.storage_usage')
                        and not ('{table}' = 'public.generation_budget_days' and to_jsonb(t) ->> 'used' = '0')"
                ),
                &[],
            )
            .await
            .unwrap_or_else(|e| panic!("{table}: {e}"));
        state.extend(rows.iter().map(|row| format!("{table}: {}", row.get::<_, String>(0))));
    }
    state.push(storage_counters(stack).await);
    state.sort();
    state.extend(files(&stack.storage_dir.join("objects")).into_iter().map(|file| format!("file: {file}")));
    let mails = stack.outbox.messages().into_iter();
    state.extend(mails.map(|mail| format!("mail: {} to {:?}: {}", mail.id, mail.to, mail.subject)));
    state
}

/// "exact" when the studio's counter and every account's equal the sums of their image rows, else
/// what differs.
async fn storage_counters(stack: &TestStack) -> String {
    let drift = stack
        .db
        .client()
        .await
        .query_one(
            "with bytes as (select user_id, image_storage_bytes(stored_bytes, publish_bytes, public_paths) as b
                              from generated_images)
             select coalesce(string_agg(d, '; '), 'exact') from (
               select format('studio %s, rows %s', s.used_bytes, (select coalesce(sum(b), 0) from bytes)) as d
                 from storage_usage s where s.used_bytes <> (select coalesce(sum(b), 0) from bytes)
               union all
               select format('%s: %s, rows %s', u.email, u.storage_used_bytes, r.sum)
                 from users u
                 cross join lateral (select coalesce(sum(b), 0) as sum from bytes where user_id = u.id) r
                where u.storage_used_bytes <> r.sum) drifts",
            &[],
        )
        .await
        .expect("the storage counters");
    format!("storage counters: {}", drift.get::<_, String>(0))
}

fn files(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut found: Vec<String> = entries
        .flatten()
        .flat_map(|entry| {
            let path = entry.path();
            if path.is_dir() { files(&path) } else { vec![path.display().to_string()] }
        })
        .collect();
    found.sort();
    found
}

/// Lets the time pass after which a dead request's leftovers are judged abandoned (quota holds and
/// Idempotency-Key claims: 600 s; stored objects no row points at: an hour), then runs the daily
/// cron, which gives them back and sweeps them.
pub async fn recover(stack: &TestStack) {
    let db = stack.db.client().await;
    let aging = "update public.quota_holds set expires_at = now();
                 update public.idempotency_keys set expires_at = now() where status = 'pending';";
    db.batch_execute(aging).await.expect("age the leftovers");
    let bucket = stack.storage_dir.join("objects").join("images");
    for file in files(&bucket) {
        let key = Path::new(&file).strip_prefix(&bucket).expect("under the bucket").to_string_lossy().into_owned();
        stack.backdate("images", &key, Duration::from_secs(7200)).await;
    }
    let cron = reqwest::Client::new()
        .get(format!("{}/api/cron/reset", stack.url))
        .bearer_auth(studio_local::stack::LOCAL_CRON_SECRET)
        .send()
        .await
        .expect("the cron answers");
    assert_eq!(cron.status(), 200, "the cron after an outage");
}

/// Whether `line` is a row of `table` (if any) that was in `before` with other values: the same
/// `id`, changed, not added.
pub fn changed_row(table: Option<&str>, line: &str, before: &[String]) -> bool {
    let id = |line: &str| {
        let json = line.strip_prefix(table?)?.strip_prefix(": ")?;
        serde_json::from_str::<serde_json::Value>(json).ok()?.get("id").cloned()
    };
    id(line).is_some_and(|wanted| before.iter().any(|old| id(old).as_ref() == Some(&wanted)))
}

/// The differences between two states, for a failure message.
pub fn changes(before: &[String], after: &[String]) -> String {
    let gone = before.iter().filter(|line| !after.contains(line)).map(|line| format!("- {line}"));
    let new = after.iter().filter(|line| !before.contains(line)).map(|line| format!("+ {line}"));
    gone.chain(new).collect::<Vec<_>>().join("\n")
}
