//! The profile (name, avatar, locale, quota figures with their reset times) and the settings the
//! generator starts from.

use reqwest::Method;
use serde_json::{Value, json};
use studio_local::testing::TestStack;

use super::{call, refused_field};
use crate::helpers::signed_up;

/// The date `sql` gives, as `YYYY-MM-DD`: computed by PostgreSQL rather than by the app.
async fn day(stack: &TestStack, sql: &str) -> String {
    let db = stack.db.client().await;
    db.query_one(&format!("select to_char(({sql})::date, 'YYYY-MM-DD')"), &[]).await.unwrap().get(0)
}

const TODAY: &str = "(now() at time zone 'utc')::date";
const MONTH_START: &str = "date_trunc('month', now() at time zone 'utc')::date";

#[tokio::test]
async fn the_profile_shows_the_quota_with_its_reset_times() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;

    let profile = call(&stack, Method::GET, "profile", Some(&account.access), None).await;

    let quota = &profile.data()["quota"];
    let tomorrow = day(&stack, &format!("{TODAY} + 1")).await;
    let next_month = day(&stack, &format!("{MONTH_START} + interval '1 month'")).await;
    assert_eq!(quota["daily"], json!({ "used": 0, "limit": 50, "resets_at": format!("{tomorrow}T00:00:00Z") }));
    assert_eq!(quota["monthly"], json!({ "used": 0, "limit": 1500, "resets_at": format!("{next_month}T00:00:00Z") }));
}

#[tokio::test]
async fn the_profile_counts_use_only_from_the_current_day_and_month() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let db = stack.db.client().await;
    let cases = [
        ("used today and this month", TODAY.to_owned(), MONTH_START.to_owned(), 7, 30),
        ("used yesterday", format!("{TODAY} - 1"), MONTH_START.to_owned(), 0, 30),
        ("used last month", format!("{TODAY} - 40"), format!("({MONTH_START} - interval '1 month')::date"), 0, 0),
    ];

    for (case, daily_on, monthly_on, daily, monthly) in cases {
        let sql = format!(
            "update users set daily_used = 7, monthly_used = 30, daily_reset_on = {daily_on}, monthly_reset_on = {monthly_on}"
        );
        db.execute(&sql, &[]).await.unwrap();

        let profile = call(&stack, Method::GET, "profile", Some(&account.access), None).await;

        let quota = &profile.data()["quota"];
        assert_eq!(
            (quota["daily"]["used"].as_i64(), quota["monthly"]["used"].as_i64()),
            (Some(daily), Some(monthly)),
            "{case}"
        );
    }
}

#[tokio::test]
async fn the_profile_changes_name_avatar_and_locale() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let patch = json!({ "name": "  Siti R.  ", "avatar_url": "https://cdn.example.com/siti.png", "locale": "en" });

    let answer = call(&stack, Method::PATCH, "profile", Some(&account.access), Some(patch)).await;

    assert_eq!(answer.status, 200, "{}", answer.body);
    let data = answer.data();
    assert_eq!(
        (&data["name"], &data["avatar_url"], &data["locale"]),
        (&json!("Siti R."), &json!("https://cdn.example.com/siti.png"), &json!("en"))
    );
    let db = stack.db.client().await;
    let row = db.query_one("select name, avatar_url, locale from users", &[]).await.unwrap();
    assert_eq!(
        (row.get::<_, String>(0), row.get::<_, String>(1), row.get::<_, String>(2)),
        ("Siti R.".into(), "https://cdn.example.com/siti.png".into(), "en".into())
    );
    call(&stack, Method::POST, "password/forgot", None, Some(json!({ "email": account.email }))).await;
    assert_eq!(stack.outbox.last_to(&account.email).unwrap().subject, "Reset your password", "mail ignores the locale");
    let cleared =
        call(&stack, Method::PATCH, "profile", Some(&account.access), Some(json!({ "avatar_url": "" }))).await;
    assert_eq!(cleared.data()["avatar_url"], Value::Null, "an empty avatar URL removes the avatar");
}

#[tokio::test]
async fn a_profile_change_refuses_each_bad_field_by_name() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let cases = [
        ("http avatar", json!({ "avatar_url": "http://cdn.example.com/a.png" }), "avatar_url"),
        ("javascript: avatar", json!({ "avatar_url": "javascript:alert(document.cookie)" }), "avatar_url"),
        ("data: avatar", json!({ "avatar_url": "data:image/png;base64,AAAA" }), "avatar_url"),
        ("avatar not a URL", json!({ "avatar_url": "siti.png" }), "avatar_url"),
        (
            "avatar over 2048 characters once encoded",
            json!({ "avatar_url": format!("https://cdn.example.com/{}", "é".repeat(1000)) }),
            "avatar_url",
        ),
        ("locale fr", json!({ "locale": "fr" }), "locale"),
        ("name empty", json!({ "name": " " }), "name"),
        ("name of 101 characters", json!({ "name": "n".repeat(101) }), "name"),
        ("e-mail is not changed here", json!({ "email": "mallory@example.com" }), "email"),
        ("own quota", json!({ "daily_quota": 100000 }), "daily_quota"),
    ];

    for (case, patch, field) in cases {
        let answer = call(&stack, Method::PATCH, "profile", Some(&account.access), Some(patch)).await;
        assert_eq!(refused_field(&answer), field, "{case}");
    }

    let db = stack.db.client().await;
    let row =
        db.query_one("select name, avatar_url is null, locale, email, daily_quota from users", &[]).await.unwrap();
    assert_eq!(
        (
            row.get::<_, String>(0),
            row.get::<_, bool>(1),
            row.get::<_, String>(2),
            row.get::<_, String>(3),
            row.get::<_, i32>(4)
        ),
        ("Siti Rahma".into(), true, "id".into(), "siti@example.com".into(), 50),
        "a refused change changed the account"
    );
}

#[tokio::test]
async fn settings_start_at_the_defaults_and_a_change_is_kept() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let db = stack.db.client().await;

    let defaults = call(&stack, Method::GET, "settings", Some(&account.access), None).await;
    let patch = json!({ "default_quality": "high", "default_aspect_ratio": "16:9", "email_notifications": false,
                        "offline_cache": false, "show_prompt_publicly": true });
    let changed = call(&stack, Method::PATCH, "settings", Some(&account.access), Some(patch.clone())).await;
    let read_back = call(&stack, Method::GET, "settings", Some(&account.access), None).await;

    assert_eq!(
        defaults.data(),
        &json!({ "default_quality": "standard", "default_aspect_ratio": "1:1", "default_template_id": null,
                 "email_notifications": true, "offline_cache": true, "show_prompt_publicly": false })
    );
    let mut expected = patch;
    expected["default_template_id"] = Value::Null;
    assert_eq!(changed.data(), &expected);
    assert_eq!(read_back.data(), &expected);
    let row = db
        .query_one(
            "select default_quality::text, default_aspect_ratio::text, email_notifications, offline_cache, show_prompt_publicly
               from user_settings where user_id::text = $1",
            &[&account.id],
        )
        .await
        .unwrap();
    assert_eq!(
        (
            row.get::<_, String>(0),
            row.get::<_, String>(1),
            row.get::<_, bool>(2),
            row.get::<_, bool>(3),
            row.get::<_, bool>(4)
        ),
        ("high".into(), "16:9".into(), false, false, true)
    );
    let partial =
        call(&stack, Method::PATCH, "settings", Some(&account.access), Some(json!({ "offline_cache": true }))).await;
    assert_eq!(
        (&partial.data()["offline_cache"], &partial.data()["default_quality"]),
        (&json!(true), &json!("high")),
        "a partial change reset the rest"
    );
}

#[tokio::test]
async fn the_default_template_is_set_by_id_cleared_with_null_and_must_be_an_active_template() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let db = stack.db.client().await;
    let ids =
        db.query("select id::text from style_templates where is_active order by slug limit 2", &[]).await.unwrap();
    let (active, retired): (String, String) = (ids[0].get(0), ids[1].get(0));
    db.execute("update style_templates set is_active = false where id::text = $1", &[&retired]).await.unwrap();
    let patch = |template: Value| {
        call(&stack, Method::PATCH, "settings", Some(&account.access), Some(json!({ "default_template_id": template })))
    };

    let set = patch(json!(active)).await;
    let stored: Option<String> =
        db.query_one("select default_template_id::text from user_settings", &[]).await.unwrap().get(0);
    let cleared = patch(Value::Null).await;
    let unknown = patch(json!("00000000-0000-4000-8000-000000000000")).await;
    let inactive = patch(json!(retired)).await;
    let malformed = patch(json!("anime")).await;

    assert_eq!(set.data()["default_template_id"], json!(active));
    assert_eq!(stored.as_deref(), Some(active.as_str()));
    assert_eq!(cleared.data()["default_template_id"], Value::Null);
    for (case, answer) in [("unknown id", unknown), ("inactive template", inactive), ("not a UUID", malformed)] {
        assert_eq!(refused_field(&answer), "default_template_id", "{case}");
    }
    let stored: Option<String> =
        db.query_one("select default_template_id::text from user_settings", &[]).await.unwrap().get(0);
    assert_eq!(stored, None, "a refused template was stored");
}

#[tokio::test]
async fn a_settings_change_refuses_each_bad_field_by_name() {
    let stack = TestStack::start().await;
    let account = signed_up(&stack, "siti@example.com").await;
    let cases = [
        ("quality ultra", json!({ "default_quality": "ultra" }), "default_quality"),
        ("aspect ratio 2:1", json!({ "default_aspect_ratio": "2:1" }), "default_aspect_ratio"),
        ("notifications as text", json!({ "email_notifications": "yes" }), "email_notifications"),
        ("unknown field", json!({ "theme": "dark" }), "theme"),
        ("another user's settings", json!({ "user_id": "00000000-0000-4000-8000-000000000000" }), "user_id"),
    ];

    for (case, patch, field) in cases {
        let answer = call(&stack, Method::PATCH, "settings", Some(&account.access), Some(patch)).await;
        assert_eq!(refused_field(&answer), field, "{case}");
    }

    let db = stack.db.client().await;
    let rows: i64 = db.query_one("select count(*) from user_settings", &[]).await.unwrap().get(0);
    assert_eq!(rows, 0, "a refused change was stored");
}
