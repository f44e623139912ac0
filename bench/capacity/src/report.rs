//! The tables the program prints: bytes stored per image, costs per route, egress per gallery page
//! and image view (first visit, and repeat visit under the service worker's image cache), the app
//! shell, e-mails per flow, and the run's totals per service.

use std::collections::BTreeMap;

use crate::meter::{Service, Tally};
use crate::step::Step;

/// The objects one generation of one image added to Storage.
pub struct Stored {
    pub input: String,
    /// Bytes of the PNG the model answered with (none: the preview renderer drew it).
    pub model_png: Option<usize>,
    /// (object name, bytes) from `storage.objects`.
    pub objects: Vec<(String, i64)>,
}

impl Stored {
    pub fn total(&self) -> i64 {
        self.objects.iter().map(|(_, n)| n).sum()
    }
}

pub struct Egress {
    pub screen: &'static str,
    pub items: usize,
    pub thumbs: u64,
    /// Derivative width → how many cards took it.
    pub widths: BTreeMap<u64, usize>,
    /// Mean bytes of the viewer's image over the page's images, and the widths it took.
    pub view: u64,
    pub view_widths: BTreeMap<u64, usize>,
}

pub fn print(stored: &[Stored], steps: &[Step], egress: &[Egress], shell: (usize, u64), run: &Tally, operator: &str) {
    println!("## Bytes stored per image (storage.objects after one generation of one image)\n");
    println!("| model answer | model PNG bytes | objects stored (name: bytes) | bytes stored |\n|---|---|---|---|");
    for s in stored {
        let names: Vec<String> =
            s.objects.iter().map(|(name, n)| format!("{}: {n}", name.rsplit('/').next().unwrap_or(name))).collect();
        let model = s.model_png.map_or("–".into(), |n| n.to_string());
        println!("| {} | {model} | {} | {} |", s.input, names.join(", "), s.total());
    }
    let model: Vec<i64> = stored.iter().filter(|s| s.model_png.is_some()).map(Stored::total).collect();
    if !model.is_empty() {
        let mean = model.iter().sum::<i64>() / model.len() as i64;
        println!("\n**Mean bytes stored per image over the model answers: {mean}**");
    }

    println!("\n## Per request: answer bytes, what the function read, Upstash commands, e-mails\n");
    println!("{}", Step::HEADER);
    for s in steps {
        println!("{}", s.row());
    }

    let json =
        |route: &str| steps.iter().find(|s| s.route == route).map_or((0, 0), |s| (s.answer_bytes, s.answer_gzip));
    let (page, page_gz) = json("GET /api/gallery?limit=24");
    let (view, view_gz) = json("GET /api/gallery/{id}");
    println!("\n## Egress per gallery page and image view (JSON gzipped as Vercel sends it; images from Storage)\n");
    println!(
        "| screen | page JSON (gzip) | page images | page, first visit | page, repeat with SW | view JSON (gzip) | viewer image (mean) | view, first | view, repeat with SW |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for e in egress {
        let list = |widths: &BTreeMap<u64, usize>| {
            widths.iter().map(|(w, n)| format!("{n}×{w}w")).collect::<Vec<_>>().join(" ")
        };
        println!(
            "| {} | {page} ({page_gz}) | {} ({}, {} cards) | {} | {} | {view} ({view_gz}) | {} ({}) | {} | {} |",
            e.screen,
            e.thumbs,
            list(&e.widths),
            e.items,
            page_gz + e.thumbs,
            page_gz,
            e.view,
            list(&e.view_widths),
            view_gz + e.view,
            view_gz,
        );
    }
    println!("\nApp shell (sw.js PRECACHE + sw.js): {} files, {} bytes uncompressed.", shell.0, shell.1);

    println!("\n## E-mails per flow\n");
    println!("| flow | to the user | to the operator |\n|---|---|---|");
    for s in steps.iter().filter(|s| !s.mails.is_empty()) {
        let to_operator = s.mails.iter().filter(|to| to.as_str() == operator).count();
        println!("| {} | {} | {to_operator} |", s.route, s.mails.len() - to_operator);
    }

    println!("\n## The whole run, per service\n");
    println!("| service | requests | answer bytes |\n|---|---|---|");
    for (service, bytes) in &run.bytes {
        let requests = run.requests.get(service).copied().unwrap_or(0);
        println!("| {} | {requests} | {bytes} |", name(*service));
    }
}

fn name(service: Service) -> &'static str {
    match service {
        Service::Function => "Vercel functions (/api)",
        Service::Static => "Vercel static files",
        Service::Database => "Supabase PostgREST → function",
        Service::StorageToFunction => "Supabase Storage → function",
        Service::StorageToBrowser => "Supabase Storage → browser",
        Service::Upstash => "Upstash REST → function",
        Service::Other => "Resend and Gemini stand-ins",
    }
}
