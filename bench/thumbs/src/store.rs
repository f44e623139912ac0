//! `store`: bytes per stored image and CPU per generation, today's layout (the model's PNG with its
//! parameters as text, plus WebP sizes 150/300/800/1920) against the stored layout
//! (`studio::imaging::store`: the original as WebP with the parameters as XMP, standing in for the
//! size just below it), with the luma SSIM of the stored original against the model's PNG.
//!
//! usage: store [--rounds N] [--iters N] INPUT.png...
//! Prints a markdown table per input and the totals. CPU is user + system time of the process
//! (every rayon thread) over `--iters` requests of one pipeline, the two alternating per round;
//! the ratio is taken per round and its median reported.

mod cpu;

use std::{env, fs, path::PathBuf, process::ExitCode};

use cpu::cpu_ms;
use studio::imaging::{DEFAULT_WIDTHS, decode_webp, derivatives, embed_png_metadata, luma_ssim, store};

/// Parameters of the size a generation embeds (prompt, folded prompt, model, seed, time).
const ENTRIES: [(&str, &str); 7] = [
    ("prompt", "Kucing oranye tidur di atas perahu nelayan kayu, senja di Danau Toba, cahaya keemasan"),
    ("negative_prompt", "buram, teks, tanda air"),
    (
        "final_prompt",
        "Kucing oranye tidur di atas perahu nelayan kayu, senja di Danau Toba, cahaya keemasan. Avoid: buram, teks, tanda air",
    ),
    ("model", "gemini-2.5-flash-image"),
    ("seed", "42"),
    ("created_at", "2026-12-08T00:00:00Z"),
    ("software", "AI Image Studio"),
];

struct Args {
    rounds: usize,
    iters: usize,
    inputs: Vec<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let (mut rounds, mut iters, mut inputs) = (3, 2, Vec::new());
    let mut args = env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--rounds" => rounds = value()?.parse().map_err(|e| format!("--rounds: {e}"))?,
            "--iters" => iters = value()?.parse().map_err(|e| format!("--iters: {e}"))?,
            _ if !arg.starts_with("--") => inputs.push(PathBuf::from(arg)),
            _ => return Err(format!("unknown option {arg}")),
        }
    }
    if inputs.is_empty() {
        return Err("no input PNG".into());
    }
    Ok(Args { rounds: rounds.max(1), iters: iters.max(1), inputs })
}

/// Today's objects: the PNG with its text, and every size not wider than the source.
fn today(png: &[u8]) -> Result<Vec<usize>, String> {
    let original = embed_png_metadata(png, &ENTRIES).map_err(|e| e.to_string())?;
    let sizes = derivatives(png, &DEFAULT_WIDTHS).map_err(|e| e.to_string())?;
    Ok(std::iter::once(original.len()).chain(sizes.sizes.iter().map(|s| s.webp.len())).collect())
}

/// The stored original's bytes and each size made (width, bytes).
type Layout = (Vec<u8>, Vec<(u32, usize)>);

/// The stored objects: the WebP original, then the sizes it does not stand in for.
fn stored(png: &[u8]) -> Result<Layout, String> {
    let entries: Vec<(String, String)> = ENTRIES.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
    let made = store(png, &DEFAULT_WIDTHS, &entries).map_err(|e| e.to_string())?;
    Ok((made.original, made.sizes.iter().map(|s| (s.width, s.webp.len())).collect()))
}

/// CPU ms per request of `job` over `iters` requests.
fn cpu_per_request(iters: usize, mut job: impl FnMut() -> Result<(), String>) -> Result<f64, String> {
    let start = cpu_ms();
    for _ in 0..iters {
        job()?;
    }
    Ok((cpu_ms() - start) / iters as f64)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 { values[mid] } else { (values[mid - 1] + values[mid]) / 2.0 }
}

struct Row {
    name: String,
    before: Vec<usize>,
    after: (usize, Vec<(u32, usize)>),
    ssim: f64,
    cpu: (f64, f64, f64),
}

fn measure(args: &Args, path: &PathBuf) -> Result<Row, String> {
    let png = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let before = today(&png)?;
    let (original, sizes) = stored(&png)?;
    let source = image::load_from_memory_with_format(&png, image::ImageFormat::Png).map_err(|e| e.to_string())?;
    let source = source.into_rgb8();
    let (rgb, width, height) = decode_webp(&original).map_err(|e| e.to_string())?;
    let ssim = luma_ssim(source.as_raw(), &rgb, width, height);
    // One warm-up of each, then rounds that alternate which pipeline goes first.
    today(&png)?;
    stored(&png)?;
    let (mut old, mut new, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..args.rounds {
        let run_old = || cpu_per_request(args.iters, || today(&png).map(drop));
        let run_new = || cpu_per_request(args.iters, || stored(&png).map(drop));
        let (a, b) = if round % 2 == 0 {
            let a = run_old()?;
            (a, run_new()?)
        } else {
            let b = run_new()?;
            (run_old()?, b)
        };
        old.push(a);
        new.push(b);
        ratios.push(b / a);
    }
    let name = path.file_stem().unwrap_or_default().to_string_lossy().into_owned();
    Ok(Row { name, before, after: (original.len(), sizes), ssim, cpu: (median(old), median(new), median(ratios)) })
}

fn print(rows: &[Row]) {
    println!(
        "| input | today: PNG + sizes, bytes | stored: WebP original + sizes, bytes | ratio | luma SSIM of the stored original | CPU ms today / stored | CPU ratio |"
    );
    println!("|---|---|---|---|---|---|---|");
    let (mut before_total, mut after_total, mut cpu_ratios) = (0, 0, Vec::new());
    for row in rows {
        let before: usize = row.before.iter().sum();
        let after: usize = row.after.0 + row.after.1.iter().map(|(_, b)| b).sum::<usize>();
        let sizes: Vec<String> = row.after.1.iter().map(|(w, b)| format!("w{w} {b}")).collect();
        before_total += before;
        after_total += after;
        cpu_ratios.push(row.cpu.2);
        println!(
            "| {} | {} ({} + {}) | {} ({} + {}) | {:.3} | {:.4} | {:.1} / {:.1} | {:.2} |",
            row.name,
            before,
            row.before[0],
            row.before[1..].iter().sum::<usize>(),
            after,
            row.after.0,
            if sizes.is_empty() { "none".to_owned() } else { sizes.join(", ") },
            after as f64 / before as f64,
            row.ssim,
            row.cpu.0,
            row.cpu.1,
            row.cpu.2,
        );
    }
    let geomean = (cpu_ratios.iter().map(|r| r.ln()).sum::<f64>() / cpu_ratios.len() as f64).exp();
    let min_ssim = rows.iter().map(|r| r.ssim).fold(f64::INFINITY, f64::min);
    println!();
    println!(
        "Total: {before_total} → {after_total} bytes, ratio {:.3}; luma SSIM min {min_ssim:.4}; CPU ratio geomean {geomean:.2}",
        after_total as f64 / before_total as f64
    );
}

fn main() -> ExitCode {
    let run = || -> Result<(), String> {
        let args = parse_args()?;
        let rows = args.inputs.iter().map(|path| measure(&args, path)).collect::<Result<Vec<_>, _>>()?;
        print(&rows);
        Ok(())
    };
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("store: {message}");
            ExitCode::FAILURE
        }
    }
}
