//! The export's archive task: `metadata.json`, then each original (the next one downloading while
//! the current one is sent), then the central directory. It owns what it needs, since it outlives
//! the request handler; a failure is logged and aborts the response.

use bytes::Bytes;
use serde_json::json;
use time::OffsetDateTime;

use super::MAX_BYTES;
use crate::archive::{ArchiveError, ZipWriter};
use crate::error::BoxError;
use crate::http::stream::{Closed, Sender};
use crate::supabase::{Storage, StorageError};

/// Each original is sent in chunks of this size, so back-pressure acts within a file.
const CHUNK: usize = 64 * 1024;

/// One original in the archive.
pub(super) struct Entry {
    pub name: String,
    pub path: String,
    pub modified: OffsetDateTime,
}

/// Why the archive stopped early.
enum Stop {
    /// The client went away: nobody to tell.
    Closed,
    Failed(BoxError),
}

impl From<Closed> for Stop {
    fn from(_: Closed) -> Self {
        Self::Closed
    }
}

impl From<StorageError> for Stop {
    fn from(err: StorageError) -> Self {
        Self::Failed(err.into())
    }
}

impl From<ArchiveError> for Stop {
    fn from(err: ArchiveError) -> Self {
        Self::Failed(err.into())
    }
}

/// What the archive task owns: it outlives the request handler.
pub(super) struct Archive {
    pub storage: Storage,
    pub entries: Vec<Entry>,
    pub metadata: Bytes,
    pub started: OffsetDateTime,
}

impl Archive {
    /// Streams the archive into `sender`; a failure is logged and aborts the response.
    pub async fn stream(self, first: Bytes, sender: Sender, request_id: String) {
        if let Err(Stop::Failed(err)) = self.write(first, &sender).await {
            let line = json!({ "level": "error", "event": "export_aborted", "requestId": request_id,
                               "error": err.to_string() });
            eprintln!("{line}");
            sender.abort(err).await;
        }
    }

    async fn write(&self, first: Bytes, sender: &Sender) -> Result<(), Stop> {
        let mut zip = ZipWriter::default();
        sender.send(zip.begin("metadata.json", self.started)?).await?;
        send_data(&mut zip, sender, self.metadata.clone()).await?;
        let mut current = first;
        let mut sent: i64 = 0;
        for (i, entry) in self.entries.iter().enumerate() {
            sent += current.len() as i64;
            // The stored sizes were checked; this holds the cap should a row understate its object.
            if sent > MAX_BYTES {
                return Err(Stop::Failed(format!("the originals exceed {MAX_BYTES} bytes").into()));
            }
            sender.send(zip.begin(&entry.name, entry.modified)?).await?;
            let next = async {
                match self.entries.get(i + 1) {
                    Some(next) => Some(self.storage.download(self.storage.private_bucket(), &next.path).await),
                    None => None,
                }
            };
            let (next, written) = tokio::join!(next, send_data(&mut zip, sender, current));
            written?;
            match next {
                Some(next) => current = next?.bytes,
                None => break,
            }
        }
        sender.send(zip.finish()?).await?;
        Ok(())
    }
}

/// `bytes` as the open entry's data, in chunks the client takes one after another.
async fn send_data(zip: &mut ZipWriter, sender: &Sender, bytes: Bytes) -> Result<(), Stop> {
    for start in (0..bytes.len()).step_by(CHUNK) {
        let chunk = bytes.slice(start..(start + CHUNK).min(bytes.len()));
        zip.data(&chunk)?;
        sender.send(chunk).await?;
    }
    Ok(())
}
