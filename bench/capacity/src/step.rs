//! One measured request: what it cost each service (answer bytes per service, Redis commands,
//! e-mails), and the answer itself for the next step.

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

use reqwest::RequestBuilder;
use serde_json::Value;

use crate::meter::{Metered, Service, Tally, commands_between};

/// Long enough for work a handler leaves running after its answer (a mail, a log row) to finish.
const SETTLE: Duration = Duration::from_millis(250);

pub struct Step {
    pub route: String,
    pub status: u16,
    pub body: Value,
    /// The function's answer as sent (uncompressed) and gzipped, as Vercel delivers JSON.
    pub answer_bytes: u64,
    pub answer_gzip: u64,
    /// Everything else the request caused, per service (its own answer included, as `Function`).
    pub tally: Tally,
    pub commands: BTreeMap<String, u64>,
    /// Recipients of the e-mails sent meanwhile.
    pub mails: Vec<String>,
}

impl Step {
    /// What Supabase sent the function for this request (PostgREST and Storage answers).
    pub fn supabase_egress(&self) -> u64 {
        self.tally.bytes(Service::Database) + self.tally.bytes(Service::StorageToFunction)
    }

    pub fn command_total(&self) -> u64 {
        self.commands.values().sum()
    }

    pub fn command_list(&self) -> String {
        let list: Vec<String> = self.commands.iter().map(|(name, n)| format!("{n} {name}")).collect();
        if list.is_empty() { "–".into() } else { list.join(", ") }
    }

    pub const HEADER: &'static str = "| route | status | answer bytes (gzip) | PostgREST → function | Storage → function | Upstash commands | Upstash bytes | e-mails |\n|---|---|---|---|---|---|---|---|";

    pub fn row(&self) -> String {
        format!(
            "| {} | {} | {} ({}) | {} | {} | {} ({}) | {} | {} |",
            self.route,
            self.status,
            self.answer_bytes,
            self.answer_gzip,
            self.tally.bytes(Service::Database),
            self.tally.bytes(Service::StorageToFunction),
            self.command_total(),
            self.command_list(),
            self.tally.bytes(Service::Upstash),
            self.mails.len(),
        )
    }
}

/// Sends `request` (named `route` in the tables) and insists on a 2xx: a capacity figure of an
/// error answer would count the wrong work.
pub async fn step(m: &Metered, route: &str, request: RequestBuilder) -> Result<Step, String> {
    let (tally, stats, mails) = (m.tally(), m.commandstats().await?, m.outbox.messages().len());
    let answer = request.send().await.map_err(|e| format!("{route}: {e}"))?;
    let status = answer.status().as_u16();
    let bytes = answer.bytes().await.map_err(|e| format!("{route}: {e}"))?;
    tokio::time::sleep(SETTLE).await;
    let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if !(200..300).contains(&status) {
        return Err(format!("{route} answered {status}: {body}"));
    }
    let sent = m.outbox.messages();
    Ok(Step {
        route: route.to_owned(),
        status,
        answer_bytes: bytes.len() as u64,
        answer_gzip: gzip_len(&bytes),
        tally: m.tally().since(&tally),
        commands: commands_between(&stats, &m.commandstats().await?),
        mails: sent[mails..].iter().flat_map(|message| message.to.clone()).collect(),
        body,
    })
}

/// The size of `bytes` gzipped at the default level.
pub fn gzip_len(bytes: &[u8]) -> u64 {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = encoder.write_all(bytes);
    encoder.finish().map_or(0, |out| out.len() as u64)
}

/// The bytes of a plain GET of `url` (an image or a static file), as the browser would receive them.
pub async fn fetch_len(http: &reqwest::Client, url: &str) -> Result<u64, String> {
    let answer = http.get(url).send().await.map_err(|e| format!("{url}: {e}"))?;
    let status = answer.status();
    let bytes = answer.bytes().await.map_err(|e| format!("{url}: {e}"))?;
    if !status.is_success() {
        return Err(format!("{url} answered {status}"));
    }
    Ok(bytes.len() as u64)
}
