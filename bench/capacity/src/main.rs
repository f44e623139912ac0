//! `capacity`: one realistic session through the whole local stack (sign-up, generations answered
//! with model-sized PNGs, a gallery page, an image view, a download, the daily cron with a
//! retention notice due), printing what it costs against the free plans: bytes stored per image,
//! egress per gallery page and image view, Upstash commands and e-mails per route.
//!
//! usage: capacity [--inputs DIR] [--browser]
//!   --inputs: PNG files the model answers with (default: the shared benchmark's inputs,
//!             ../shared/bench/thumbs/inputs);
//!   --browser: also measure the gallery and a view in Chromium, with and without the service worker.
//! Run from the project root: cargo run -p studio-bench-capacity

mod browser;
mod egress;
mod meter;
mod model;
mod report;
mod session;
mod step;
#[cfg(test)]
mod tests;

use std::path::PathBuf;
use std::process::ExitCode;

use meter::Metered;
use session::{Account, generate};
use step::{Step, step};

/// A gallery page as the app asks for it (public/js/library.js: `limit: '24'`).
const PAGE: usize = 24;
const OPERATOR: &str = "operator@capacity.example.com";

/// `--inputs DIR` (default: the shared benchmark's inputs) and `--browser`.
fn options() -> Result<(PathBuf, bool), String> {
    let mut dir = studio_local::pg::repo_root().join("../shared/bench/thumbs/inputs");
    let mut browser = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--inputs" => dir = args.next().map(PathBuf::from).ok_or("--inputs needs a folder")?,
            "--browser" => browser = true,
            _ => return Err("usage: capacity [--inputs DIR] [--browser]".into()),
        }
    }
    Ok((dir, browser))
}

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("capacity: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let (dir, in_browser) = options()?;
    let files = meter::pngs_in(&dir);
    if files.is_empty() {
        return Err(format!("no PNG files in {} (pass --inputs DIR)", dir.display()));
    }
    let pngs: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|p| {
            Ok((
                p.file_name().unwrap_or_default().to_string_lossy().into_owned(),
                std::fs::read(p).map_err(|e| e.to_string())?,
            ))
        })
        .collect::<Result<_, String>>()?;
    let singles = pngs.len() + 1;
    let fills = (PAGE.saturating_sub(singles)).div_ceil(4);
    // The budget is exactly the images this run makes, so that both alert thresholds (80 % and
    // 100 %) are crossed and their operator e-mails counted; the rate limit is raised only so that
    // the run's generations, closer together than a person's, are never refused.
    let budget = (singles + 4 * fills).to_string();
    let overrides = [
        ("DAILY_GENERATION_BUDGET", budget.as_str()),
        ("OPERATOR_EMAIL", OPERATOR),
        ("GENERATE_RATE_PER_MINUTE", "60"),
    ];
    let m = Metered::start(&overrides).await?;
    let http = reqwest::Client::new();
    let mut steps = Vec::new();
    let account = session::sign_up(&m, &http, &mut steps).await?;
    steps.push(step(&m, "GET /api/templates", http.get(format!("{}/api/templates", m.url))).await?);

    let mut stored = Vec::new();
    for (name, png) in &pngs {
        stored.push(stored_by(&m, &http, &account, name, &[png]).await?);
    }
    stored.push(stored_by(&m, &http, &account, "offline preview renderer (reference)", &[]).await?);
    let one = stored.remove(0);
    steps.push(one.1);
    for (k, _) in (0..fills).enumerate() {
        let batch: Vec<&[u8]> = (0..4).map(|i| pngs[(k * 4 + i) % pngs.len()].1.as_slice()).collect();
        steps.push(generate(&m, &http, &account, "POST /api/generate (4 variations)", &batch, 4).await?);
    }
    let quota = http.get(format!("{}/api/generate/quota", m.url)).bearer_auth(&account.access);
    steps.push(step(&m, "GET /api/generate/quota", quota).await?);

    let page = http.get(format!("{}/api/gallery?limit={PAGE}", m.url)).bearer_auth(&account.access);
    let page = step(&m, "GET /api/gallery?limit=24", page).await?;
    let items = page.body["data"].as_array().cloned().unwrap_or_default();
    let id = items.first().and_then(|i| i["id"].as_str()).ok_or("the gallery page is empty")?.to_owned();
    let view = http.get(format!("{}/api/gallery/{id}", m.url)).bearer_auth(&account.access);
    let view = step(&m, "GET /api/gallery/{id}", view).await?;
    // Whether a second listing a second later signs the same URLs: if not, the browser's HTTP cache never hits
    // and only the service worker (which keys images by path) saves the repeat download.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let again: serde_json::Value = http
        .get(format!("{}/api/gallery?limit={PAGE}", m.url))
        .bearer_auth(&account.access)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let stable = urls(&page.body) == urls(&again);
    let mut egress = Vec::new();
    for screen in &egress::SCREENS {
        let (thumbs, widths) = egress::images_for(&http, &items, screen.card_slot() * screen.dpr).await?;
        // The viewer's image differs by shape (a portrait 768 px wide has no 800 px size): the mean
        // over the page's images, each opened once.
        let (views, view_widths) = egress::images_for(&http, &items, screen.view_slot() * screen.dpr).await?;
        let view = views / items.len() as u64;
        egress.push(report::Egress { screen: screen.name, items: items.len(), thumbs, widths, view, view_widths });
    }
    steps.push(page);
    steps.push(view);
    let download = http.get(format!("{}/api/gallery/{id}/download?format=png", m.url)).bearer_auth(&account.access);
    steps.push(step(&m, "GET /api/gallery/{id}/download?format=png", download).await?);
    let shell = egress::shell(&http, &m.url).await?;
    let (images, row_bytes) = m.row_bytes(&account.user_id).await;

    // One image made 84 days ago: with retention at 90 days and notices 7 days ahead, it is due.
    let db = m.db.client().await;
    db.execute("update generated_images set created_at = now() - interval '84 days' where id = $1::text::uuid", &[&id])
        .await
        .map_err(|e| format!("backdate: {e}"))?;
    for route in ["GET /api/cron/reset (an image due)", "GET /api/cron/reset (rerun)"] {
        let cron = http.get(format!("{}/api/cron/reset", m.url)).bearer_auth(studio_local::stack::LOCAL_CRON_SECRET);
        steps.push(step(&m, route, cron).await?);
    }
    let stored = stored_rows(one.0, stored);
    report::print(&stored, &steps, &egress, shell, &m.tally(), OPERATOR);
    let per_image = row_bytes / images.max(1);
    println!(
        "\nDatabase rows per image (generated_images, usage_logs, prompt_history; data only, indexes not counted): {per_image} bytes ({row_bytes} over {images} images)."
    );
    println!("\nSigned image URLs the same in two listings of the page: {}.", if stable { "yes" } else { "no" });
    model::print(&stored, &steps, &egress);
    if in_browser {
        browser::print(&browser::measure(&m.url, session::EMAIL, session::PASSWORD).await?);
    }
    Ok(())
}

/// One generation of one image answered with `png` (the preview renderer when none); the objects it
/// added to Storage, and the step.
async fn stored_by(
    m: &Metered,
    http: &reqwest::Client,
    account: &Account,
    name: &str,
    png: &[&[u8]],
) -> Result<(report::Stored, Step), String> {
    let prefix = format!("{}/", account.user_id);
    let before = m.stored("images", &prefix).await;
    let done = generate(m, http, account, "POST /api/generate (1 image)", png, 1).await?;
    let objects = m.stored("images", &prefix).await.into_iter().filter(|o| !before.contains(o)).collect();
    Ok((report::Stored { input: name.to_owned(), model_png: png.first().map(|p| p.len()), objects }, done))
}

/// Every derivative URL of a listing, in order.
fn urls(listing: &serde_json::Value) -> Vec<String> {
    let items = listing["data"].as_array().cloned().unwrap_or_default();
    let each = items.iter().flat_map(|i| i["urls"]["derivatives"].as_array().cloned().unwrap_or_default());
    each.filter_map(|d| d["url"].as_str().map(str::to_owned)).collect()
}

fn stored_rows(first: report::Stored, rest: Vec<(report::Stored, Step)>) -> Vec<report::Stored> {
    std::iter::once(first).chain(rest.into_iter().map(|(s, _)| s)).collect()
}
