//! The capacity model of docs/CAPACITY.md computed from this run's figures: how many daily active
//! users of each kind one free deployment serves under each limit. Rerun after a change to what
//! is stored and the storage rows follow.

use crate::report::{Egress, Stored};
use crate::step::Step;

/// The free allowances the model divides (sources in docs/CAPACITY.md; "GB" read as 10⁹ bytes).
const STORAGE: f64 = 1e9; // Supabase Free file storage
const EGRESS: f64 = 5e9; // Supabase Free egress a month
const CPU_MS: f64 = 4.0 * 3600.0 * 1000.0; // Vercel Hobby active CPU a month (not verified)
const INVOCATIONS: f64 = 1e6; // Vercel Hobby invocations a month (not verified)
const COMMANDS: f64 = 5e5; // Upstash Free commands a month
const DAYS: f64 = 30.0;
const RETENTION_DAYS: f64 = 90.0; // RETENTION_IMAGE_DAYS' default

/// CPU ms per request from docs/BENCHMARKS.md ("Load", 2026-11-26, release build): this program
/// runs everything in one process, where a function's CPU cannot be told from the stand-ins'.
const CPU_GALLERY: f64 = 0.70;
const CPU_IMAGE: f64 = 0.66;
/// A visit: refresh 0.26 + profile 0.36 + quota 0.38 + templates 0.56.
const CPU_VISIT: f64 = 1.56;
/// A generated image: 104.25 ms, bench/load's `POST /api/generate` CPU (2026-12-08, measured
/// with preview pictures) + 302.0 ms, the stored pipeline's imaging CPU for a 1024² image as busy
/// as the benchmark's inputs (docs/BENCHMARKS.md, "Bytes per stored image", sq1024): an estimate,
/// see docs/CAPACITY.md.
const CPU_IMAGE_MADE: f64 = 104.25 + 302.0;

/// A kind of daily active user: what they do in a day.
struct Profile {
    name: &'static str,
    images: f64,
    pages: f64,
    views: f64,
    downloads: f64,
    visits: f64,
}

const PROFILES: [Profile; 2] = [
    Profile { name: "light", images: 3.0, pages: 10.0, views: 5.0, downloads: 0.0, visits: 1.0 },
    Profile { name: "heavy (daily quota)", images: 50.0, pages: 30.0, views: 20.0, downloads: 5.0, visits: 3.0 },
];

pub fn print(stored: &[Stored], steps: &[Step], egress: &[Egress]) {
    let model: Vec<f64> = stored.iter().filter(|s| s.model_png.is_some()).map(|s| s.total() as f64).collect();
    let Some(phone) = egress.iter().find(|e| e.screen.starts_with("phone")) else { return };
    if model.is_empty() || phone.items == 0 {
        return;
    }
    let b = model.iter().sum::<f64>() / model.len() as f64;
    // Supabase egress the function causes (PostgREST and Storage answers), and Upstash commands.
    let supabase = |route: &str| steps.iter().find(|s| s.route == route).map_or(0.0, |s| s.supabase_egress() as f64);
    let commands = |route: &str| steps.iter().find(|s| s.route == route).map_or(0.0, |s| s.command_total() as f64);
    let page = supabase("GET /api/gallery?limit=24");
    let view = supabase("GET /api/gallery/{id}");
    let made = supabase("POST /api/generate (1 image)");
    let download = supabase("GET /api/gallery/{id}/download?format=png");
    let visit = ["POST /api/auth/refresh", "GET /api/auth/profile", "GET /api/generate/quota", "GET /api/templates"]
        .iter()
        .map(|r| supabase(r))
        .sum::<f64>();
    let thumb = phone.thumbs as f64 / phone.items as f64;
    let viewer = phone.view as f64;

    println!("\n## Model: daily active users one free deployment serves (B = {b:.0} bytes per image)\n");
    println!("| limit | {} | {} |\n|---|---|---|", PROFILES[0].name, PROFILES[1].name);
    let row = |limit: &str, serves: &dyn Fn(&Profile) -> f64| {
        println!("| {limit} | {:.1} | {:.1} |", serves(&PROFILES[0]), serves(&PROFILES[1]));
    };
    row("file storage 1 GB, first 30 days", &|p| STORAGE / (b * p.images * DAYS));
    row("file storage 1 GB, for good (retention 90 days)", &|p| STORAGE / (b * p.images * RETENTION_DAYS));
    row("Supabase egress 5 GB, phone, with the service worker", &|p| {
        let day =
            p.pages * page + p.images * (thumb + made) + p.views * view + p.downloads * download + p.visits * visit;
        EGRESS / (day * DAYS)
    });
    row("Supabase egress 5 GB, phone, without the service worker", &|p| {
        let day = p.pages * (page + phone.thumbs as f64)
            + p.views * (view + viewer)
            + p.images * made
            + p.downloads * download
            + p.visits * visit;
        EGRESS / (day * DAYS)
    });
    row("Vercel active CPU 4 h (not verified)", &|p| {
        let day = p.images * CPU_IMAGE_MADE + p.pages * CPU_GALLERY + p.views * CPU_IMAGE + p.visits * CPU_VISIT;
        CPU_MS / (day * DAYS)
    });
    row("Vercel invocations 1M (not verified)", &|p| {
        INVOCATIONS / ((p.images + p.pages + p.views + p.downloads + 4.0 * p.visits) * DAYS)
    });
    row("Upstash 500K commands", &|p| {
        let per_image = commands("POST /api/generate (1 image)");
        let per_download = commands("GET /api/gallery/{id}/download?format=png");
        COMMANDS / ((p.images * per_image + p.downloads * per_download) * DAYS)
    });
    let budget = 0.95 * STORAGE / (b * RETENTION_DAYS);
    println!("\nDAILY_GENERATION_BUDGET that keeps 90 days of images within 95 % of 1 GB: {budget:.1} images a day.");
}
