//! `thumbs`: runs `studio::imaging::derivatives` on one PNG for N timed requests and prints one JSON
//! line (wall and CPU ms, bytes per width, peak RSS), the counterpart of sharp's `bench_sharp.mjs`.
//!
//! usage: thumbs [--iters N] [--warmup N] [--out DIR] INPUT.png

mod cpu;

use std::time::Instant;
use std::{env, fs, path::PathBuf, process::ExitCode};

use cpu::cpu_ms;
use serde_json::json;
use studio::imaging::{DEFAULT_WIDTHS, Derivatives, derivatives};

struct Args {
    iters: usize,
    warmup: usize,
    out: Option<PathBuf>,
    input: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let (mut iters, mut warmup, mut out, mut input) = (3, 1, None, None);
    let mut args = env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--iters" => iters = value()?.parse().map_err(|e| format!("--iters: {e}"))?,
            "--warmup" => warmup = value()?.parse().map_err(|e| format!("--warmup: {e}"))?,
            "--out" => out = Some(PathBuf::from(value()?)),
            _ if !arg.starts_with("--") => input = Some(PathBuf::from(arg)),
            _ => return Err(format!("unknown option {arg}")),
        }
    }
    Ok(Args { iters, warmup, out, input: input.ok_or("no input PNG")? })
}

/// Peak resident memory (VmHWM) in KiB, as `bench_sharp.mjs` reports it.
fn peak_rss_kb() -> u64 {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find_map(|line| line.strip_prefix("VmHWM:")).unwrap_or("0");
    line.trim().trim_end_matches("kB").trim().parse().unwrap_or(0)
}

fn run(args: &Args) -> Result<(), String> {
    let png = fs::read(&args.input).map_err(|e| format!("{}: {e}", args.input.display()))?;
    let request = || derivatives(&png, &DEFAULT_WIDTHS).map_err(|e| e.to_string());
    for _ in 0..args.warmup {
        request()?;
    }
    let (mut total_ms, mut last) = (Vec::new(), None::<Derivatives>);
    let cpu_start = cpu_ms();
    for _ in 0..args.iters {
        let started = Instant::now();
        last = Some(request()?);
        total_ms.push(started.elapsed().as_secs_f64() * 1e3);
    }
    let cpu = cpu_ms() - cpu_start;
    let sizes = last.map(|made| made.sizes).unwrap_or_default();
    let stem = args.input.file_stem().unwrap_or_default().to_string_lossy();
    if let Some(dir) = &args.out {
        fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        for size in &sizes {
            let path = dir.join(format!("{stem}_{}.webp", size.width));
            fs::write(&path, &size.webp).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    let bytes: serde_json::Map<_, _> =
        sizes.iter().map(|size| (size.width.to_string(), json!(size.webp.len()))).collect();
    let line = json!({
        "cand": "studio::imaging", "input": stem, "total_ms": total_ms,
        "cpu_ms": cpu / args.iters.max(1) as f64, "bytes": bytes, "rss_kb": peak_rss_kb(),
    });
    println!("{line}");
    Ok(())
}

fn main() -> ExitCode {
    match parse_args().and_then(|args| run(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("thumbs: {message}");
            ExitCode::FAILURE
        }
    }
}
