//! The operator's alert e-mails: a free-tier threshold crossed on a given day, in Indonesian or
//! English, with the figures that crossed it and what to do about it.

use super::messages::{escape, pick};
use super::{Email, Tag};

/// A threshold the daily report found crossed (the design's free-tier watch list).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Alert {
    /// Storage used is above 90 % of the plan's limit.
    Storage { used_bytes: u64, limit_bytes: u64 },
    /// The day's generations are above 80 % of the operator's daily budget.
    Generations { count: u64, budget: u64 },
    /// More than 10 % of the day's attempted generations failed, or of one route's requests
    /// (`routes`: each route above the line, with its failures and requests).
    Failures { failed: u64, attempted: u64, routes: Vec<(String, u64, u64)> },
    /// The day's 95th percentile of generation time (the whole request) is above 15 s.
    Slow { p95_ms: u64, p50_ms: u64, count: u64 },
    /// Sent the moment a generation takes the day's budget to `percent` (80 or 100) of it.
    Budget { used: u64, budget: u64, percent: u32 },
}

impl Alert {
    /// The name kept in `daily_reports.alerts_sent`: one alert of each kind per day.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Storage { .. } => "storage",
            Self::Generations { .. } => "generations",
            Self::Failures { .. } => "failures",
            Self::Slow { .. } => "slow",
            Self::Budget { percent, .. } if *percent >= 100 => "budget-100",
            Self::Budget { .. } => "budget-80",
        }
    }
}

/// The alert for `day` (`YYYY-MM-DD`, UTC) to `to`, in `locale` (`id` or `en`).
pub fn render_alert(alert: &Alert, day: &str, to: &str, locale: &str) -> Email {
    let id = locale == "id";
    let (subject, figure, advice) = match alert {
        Alert::Storage { used_bytes, limit_bytes } => (
            pick(id, "Penyimpanan hampir penuh", "Storage is nearly full"),
            format!(
                "{} {} / {} MB ({}%)",
                pick(id, "Penyimpanan terpakai:", "Storage used:"),
                megabytes(*used_bytes),
                megabytes(*limit_bytes),
                percent_of(*used_bytes, *limit_bytes)
            ),
            pick(
                id,
                "Hapus gambar yang tidak diperlukan, perpendek RETENTION_IMAGE_DAYS, atau naikkan paket Supabase.",
                "Delete images you do not need, shorten RETENTION_IMAGE_DAYS, or upgrade the Supabase plan.",
            ),
        ),
        Alert::Generations { count, budget } => (
            pick(id, "Pembuatan gambar mendekati anggaran harian", "Image generations near the daily budget"),
            format!(
                "{} {count} / {budget} ({}%)",
                pick(id, "Gambar dibuat:", "Images generated:"),
                percent_of(*count, *budget)
            ),
            pick(
                id,
                "Periksa tagihan Gemini; turunkan kuota harian pengguna atau naikkan DAILY_GENERATION_BUDGET.",
                "Check the Gemini bill; lower the users' daily quota or raise DAILY_GENERATION_BUDGET.",
            ),
        ),
        Alert::Failures { failed, attempted, routes } => (
            if routes.iter().all(|(route, ..)| route == "generate" || route == "edit") {
                pick(id, "Banyak pembuatan gambar gagal", "Many image generations failed")
            } else {
                pick(id, "Banyak permintaan gagal", "Many requests failed")
            },
            std::iter::once(format!(
                "{} {failed} / {attempted} ({}%)",
                pick(id, "Pembuatan gambar gagal:", "Generations failed:"),
                percent_of(*failed, *attempted)
            ))
            .chain(routes.iter().map(|(route, failures, requests)| {
                format!("{route}: {failures} / {requests} ({}%)", percent_of(*failures, *requests))
            }))
            .collect::<Vec<_>>()
            .join("\n"),
            pick(
                id,
                "Periksa log fungsi yang disebut: kunci Gemini, kuota model, Supabase, atau Upstash.",
                "Check the logs of the functions named: the Gemini key, the model's quota, Supabase or Upstash.",
            ),
        ),
        Alert::Slow { p95_ms, p50_ms, count } => (
            pick(id, "Pembuatan gambar lambat", "Image generation is slow"),
            format!(
                "{} p95 {:.1} s, p50 {:.1} s ({count} {})",
                pick(id, "Waktu pembuatan:", "Generation time:"),
                *p95_ms as f64 / 1000.0,
                *p50_ms as f64 / 1000.0,
                pick(id, "gambar", "images")
            ),
            pick(
                id,
                "Periksa latensi model Gemini dan fungsi generate; sasaran desain di bawah 5 s.",
                "Check the Gemini model's latency and the generate function; the design's goal is under 5 s.",
            ),
        ),
        Alert::Budget { used, budget, percent } => (
            if *percent >= 100 {
                pick(id, "Anggaran harian habis: pembuatan gambar ditolak", "Daily budget used up: generations refused")
            } else {
                pick(id, "Anggaran harian hampir habis", "Daily generation budget nearly used up")
            },
            format!(
                "{} {used} / {budget} ({}%)",
                pick(id, "Gambar hari ini:", "Images today:"),
                percent_of(*used, *budget)
            ),
            pick(
                id,
                "Pembuatan dengan kunci Gemini studio berhenti saat anggaran habis, sampai 00:00 UTC. Naikkan \
                 DAILY_GENERATION_BUDGET bila tagihan Gemini mengizinkan.",
                "Generations on the studio's Gemini key stop when the budget is used up, until 00:00 UTC. Raise \
                 DAILY_GENERATION_BUDGET if the Gemini bill allows.",
            ),
        ),
    };
    let subject = format!("[AI Image Studio] {subject} ({day})");
    let opening = match alert {
        Alert::Budget { .. } => pick(id, "Hari ini (UTC):", "Today (UTC):"),
        _ => pick(id, "Laporan harian (UTC) untuk", "Daily report (UTC) for"),
    };
    // A figure of several lines (one per route) becomes one paragraph per line.
    let lines: Vec<String> = [opening.to_owned() + " " + day, figure, advice.to_owned()]
        .iter()
        .flat_map(|text| text.lines().map(str::to_owned).collect::<Vec<_>>())
        .collect();
    let footer = pick(
        id,
        "Peringatan ini dikirim paling banyak sekali per jenis per hari.",
        "This alert is sent at most once per kind per day.",
    );
    let text = format!("{}\n\n{footer}\n", lines.join("\n"));
    let paragraphs: String = lines.iter().map(|l| format!("<p>{}</p>", escape(l))).collect();
    let html = format!(
        "<!doctype html><html><body style=\"font-family:sans-serif\">{paragraphs}\
         <p style=\"color:#666\">{footer}</p></body></html>",
        footer = escape(footer),
    );
    let tags = vec![
        Tag { name: "category".into(), value: "operator_alert".into() },
        Tag { name: "alert".into(), value: alert.kind().into() },
    ];
    Email { to: vec![to.to_owned()], subject, html, text, tags, ..Email::default() }
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1e6)
}

fn percent_of(part: u64, whole: u64) -> String {
    if whole == 0 { "-".to_owned() } else { format!("{:.1}", part as f64 * 100.0 / whole as f64) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_figures_in_the_operators_language() {
        let alert = Alert::Storage { used_bytes: 930_000_000, limit_bytes: 1_000_000_000 };
        let en = render_alert(&alert, "2026-11-25", "ops@studio.example", "en");
        assert_eq!(en.subject, "[AI Image Studio] Storage is nearly full (2026-11-25)");
        assert!(en.text.contains("930.0 / 1000.0 MB (93.0%)"), "{}", en.text);
        let failures = Alert::Failures { failed: 3, attempted: 12, routes: vec![] };
        let id = render_alert(&failures, "2026-11-25", "ops@studio.example", "id");
        assert!(id.subject.contains("gagal") && id.text.contains("3 / 12 (25.0%)"), "{}", id.text);
        let slow = Alert::Slow { p95_ms: 16_400, p50_ms: 4_100, count: 12 };
        let en = render_alert(&slow, "2026-11-25", "ops@studio.example", "en");
        assert!(en.text.contains("Generation time: p95 16.4 s, p50 4.1 s (12 images)"), "{}", en.text);
        let routes = vec![("download".to_owned(), 4, 20)];
        let en = render_alert(&Alert::Failures { failed: 0, attempted: 5, routes }, "2026-11-25", "o@s.example", "en");
        assert!(en.subject.contains("Many requests failed") && en.text.contains("download: 4 / 20 (20.0%)"));
        assert_eq!(id.tags[1], Tag { name: "alert".into(), value: "failures".into() });
    }

    #[test]
    fn escapes_the_html_body() {
        let alert = Alert::Generations { count: 450, budget: 500 };
        let email = render_alert(&alert, "<b>", "ops@studio.example", "en");
        assert!(email.html.contains("&lt;b&gt;") && !email.html.contains("<b>"));
    }

    #[test]
    fn budget_alerts_are_one_kind_per_threshold() {
        let full = Alert::Budget { used: 10, budget: 10, percent: 100 };
        let en = render_alert(&full, "2026-12-07", "ops@studio.example", "en");
        assert_eq!(en.subject, "[AI Image Studio] Daily budget used up: generations refused (2026-12-07)");
        assert!(en.text.contains("Images today: 10 / 10 (100.0%)"), "{}", en.text);
        assert_eq!(full.kind(), "budget-100");
        assert_eq!(Alert::Budget { used: 8, budget: 10, percent: 80 }.kind(), "budget-80");
    }
}
