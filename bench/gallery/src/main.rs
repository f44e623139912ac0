//! `gallery`: one user with 10,000 images in the local stack (real PostgreSQL with the migrations,
//! the PostgREST and Storage stand-ins), then timed `GET /api/gallery` pages of 30 over HTTP, with
//! and without a search term. Prints a markdown table of median and p95 latency per scenario.
//!
//! usage: gallery [--images N] [--requests N]
//! Build and run in release: cargo run --release -p studio-bench-gallery

use std::time::{Duration, Instant};
use std::{env, process::ExitCode};

use reqwest::Client;
use serde_json::{Value, json};
use studio_local::testing::TestStack;

const PASSWORD: &str = "kopi-tubruk-pagi-hari";
const PAGE: usize = 30;

/// Each scenario is a query string after `limit=30`; `next` pages through the first one's results.
const SCENARIOS: [(&str, &str); 6] = [
    ("newest first, no search", ""),
    ("search, Indonesian word (\"kucing\")", "&q=kucing"),
    ("search, English word (\"sunset\")", "&q=sunset"),
    ("search with a typo (\"kuching\")", "&q=kuching"),
    ("search, two words (\"pantai senja\")", "&q=pantai%20senja"),
    ("search + tag filter (\"kucing\", tag \"cat\")", "&q=kucing&tag=cat"),
];

fn parse_args() -> Result<(i32, usize), String> {
    let (mut images, mut requests) = (10_000, 200);
    let mut args = env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().ok_or(format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--images" => images = value.parse().map_err(|e| format!("--images: {e}"))?,
            "--requests" => requests = value.parse().map_err(|e| format!("--requests: {e}"))?,
            _ => return Err(format!("unknown option {arg}")),
        }
    }
    Ok((images, requests))
}

#[tokio::main]
async fn main() -> ExitCode {
    let (images, requests) = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            eprintln!("gallery: {message}");
            return ExitCode::from(2);
        }
    };
    let stack = TestStack::start().await;
    let http = Client::new();
    let (user, access) = signed_up(&stack, &http).await;
    seed(&stack, &http, &user, &access, images).await;
    println!("{images} images of one user; {requests} sequential requests per scenario after 20 warm-up ones.\n");
    println!("| scenario | items on the page | median ms | p95 ms |\n|---|---|---|---|");
    for (name, query) in SCENARIOS {
        let url = format!("{}/api/gallery?limit={PAGE}{query}", stack.url);
        let (items, times) = timed(&http, &url, &access, requests).await;
        println!("| {name} | {items} | {:.1} | {:.1} |", percentile(&times, 0.5), percentile(&times, 0.95));
    }
    ExitCode::SUCCESS
}

/// Registers, verifies (token from the Resend stand-in's outbox) and signs in; (user id, access token).
async fn signed_up(stack: &TestStack, http: &Client) -> (String, String) {
    let email = "bench@example.com";
    let auth = |path: &str| format!("{}/api/auth/{path}", stack.url);
    let body = json!({ "email": email, "password": PASSWORD, "name": "Bench" });
    ok(http.post(auth("register")).json(&body)).await;
    let text = stack.outbox.last_to(email).and_then(|m| m.text.clone()).expect("a verification mail");
    let token: String = text
        .split("token=")
        .nth(1)
        .expect("a token in the mail")
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    ok(http.post(auth("verify-email")).json(&json!({ "token": token }))).await;
    let login =
        ok(http.post(auth("login")).json(&json!({ "email": email, "password": PASSWORD, "transport": "body" }))).await;
    let data = &login["data"];
    (data["user"]["id"].as_str().unwrap().to_owned(), data["access_token"].as_str().unwrap().to_owned())
}

/// One real generation (so every row's derivatives exist in storage and are signed for real), then
/// `count` rows sharing its stored objects, with prompts, titles and tags drawn from Indonesian and
/// English words, one minute apart.
async fn seed(stack: &TestStack, http: &Client, user: &str, access: &str, count: i32) {
    let body = json!({ "prompt": "kucing oren di atas genteng", "aspect_ratio": "1:1" });
    ok(http.post(format!("{}/api/generate", stack.url)).bearer_auth(access).json(&body)).await;
    let db = stack.db.client().await;
    db.execute(
        "insert into generated_images (user_id, prompt, title, alt_text, tags, aspect_ratio, model, seed, storage_path,
                                       derivative_paths, width, height, bytes, created_at)
         select o.user_id,
                s.subject || ' ' || p.place || ', ' || st.style || ' #' || g,
                initcap(s.subject) || ' ' || g,
                'A picture of ' || s.subject || ' ' || p.place,
                array[s.tag, st.tag],
                o.aspect_ratio, o.model, g, o.storage_path, o.derivative_paths, o.width, o.height, o.bytes,
                now() - make_interval(mins => g)
           from generate_series(1, $2::int) g
           join lateral (select * from generated_images where user_id = $1::text::uuid limit 1) o on true
           join lateral (select (array['kucing oren', 'a red fox', 'gunung berapi', 'a lighthouse', 'nasi goreng',
                                       'a sunset over the sea', 'pasar malam', 'a robot barista', 'rumah adat',
                                       'a koi pond', 'kereta api tua', 'mountain village', 'pantai senja',
                                       'a paper boat', 'hutan bambu', 'city at night'])[1 + g % 16] as subject,
                                (array['cat', 'fox', 'volcano', 'sea', 'food', 'sea', 'market', 'robot',
                                       'house', 'fish', 'train', 'mountain', 'beach', 'boat', 'forest',
                                       'city'])[1 + g % 16] as tag) s on true
           join lateral (select (array['di bawah hujan', 'in the morning mist', 'saat senja', 'under the stars',
                                       'di tengah kota', 'on a quiet beach', 'di pegunungan'])[1 + g % 7] as place) p on true
           join lateral (select (array['watercolor', 'cat ilustrasi', 'photorealistic', 'pixel art', 'cinematic'])[1 + g % 5]
                                as style,
                                (array['art', 'illustration', 'photo', 'pixel', 'film'])[1 + g % 5] as tag) st on true",
        &[&user, &count],
    )
    .await
    .expect("seed the images");
    db.batch_execute("analyze generated_images").await.expect("analyze");
}

/// `requests` timed GETs of `url` after 20 warm-up ones; the items on the page and each duration.
async fn timed(http: &Client, url: &str, access: &str, requests: usize) -> (usize, Vec<Duration>) {
    let mut items = 0;
    let mut times = Vec::with_capacity(requests);
    for round in 0..20 + requests {
        let started = Instant::now();
        let answer = ok(http.get(url).bearer_auth(access)).await;
        if round >= 20 {
            times.push(started.elapsed());
        }
        items = answer["data"].as_array().map_or(0, Vec::len);
    }
    (items, times)
}

fn percentile(times: &[Duration], at: f64) -> f64 {
    let mut ms: Vec<f64> = times.iter().map(|t| t.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    ms[((ms.len() - 1) as f64 * at).round() as usize]
}

/// Sends and insists on a 2xx: a benchmark of error answers would measure nothing.
async fn ok(request: reqwest::RequestBuilder) -> Value {
    let answer = request.send().await.expect("the local stack answers");
    let status = answer.status();
    let body: Value = answer.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{status}: {body}");
    body
}
