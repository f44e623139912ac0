//! ZIP archives written front to back, for streaming: each entry's local header goes out before
//! its data is known, the data passes through (stored, not deflated: PNGs are compressed already)
//! while its CRC-32 and size are counted, and a data descriptor follows it (general purpose flag
//! bit 3); the central directory closes the archive. No ZIP64: an archive stays under 4 GiB and
//! 65,535 entries, which the callers' caps guarantee and [`ZipWriter`] checks.
//!
//! The writer only makes bytes; the caller sends them, in order.

use bytes::{BufMut, Bytes, BytesMut};
use time::OffsetDateTime;

const LOCAL_HEADER: u32 = 0x0403_4b50;
const DATA_DESCRIPTOR: u32 = 0x0807_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const END_OF_CENTRAL_DIRECTORY: u32 = 0x0605_4b50;
/// 2.0: the version that introduced data descriptors.
const VERSION_NEEDED: u16 = 20;
/// Made on Unix (3), spec 2.0, so that unzip applies the permissions below.
const VERSION_MADE_BY: u16 = (3 << 8) | 20;
/// Sizes and CRC follow the data (bit 3); the name is UTF-8 (bit 11).
const FLAGS: u16 = (1 << 3) | (1 << 11);
/// A regular file, rw-r--r--, in the high half of the external attributes.
const UNIX_FILE_MODE: u32 = 0o100_644 << 16;

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("a ZIP without ZIP64 holds at most 65,535 entries and 4 GiB")]
    TooLarge,
    #[error("entry name of {0} bytes is too long")]
    NameTooLong(usize),
    #[error("data written before any entry was begun")]
    NoEntry,
}

/// One finished entry, for the central directory.
struct Written {
    name: String,
    modified: (u16, u16),
    crc: u32,
    size: u32,
    offset: u32,
}

/// The entry being written.
struct Open {
    name: String,
    modified: (u16, u16),
    crc: crc32fast::Hasher,
    size: u64,
    offset: u64,
}

#[derive(Default)]
pub struct ZipWriter {
    /// Bytes handed out so far: the next local header's offset.
    written: u64,
    entries: Vec<Written>,
    open: Option<Open>,
}

impl ZipWriter {
    /// The local header of a new entry named `name`, last modified at `modified`, preceded by
    /// the data descriptor of the previous entry if that one is still open.
    pub fn begin(&mut self, name: &str, modified: OffsetDateTime) -> Result<Bytes, ArchiveError> {
        let descriptor = self.end()?;
        let name_len = u16::try_from(name.len()).map_err(|_| ArchiveError::NameTooLong(name.len()))?;
        let modified = dos_time(modified);
        let offset = self.written;
        let mut out = BytesMut::with_capacity(descriptor.len() + 30 + name.len());
        out.put(descriptor);
        out.put_u32_le(LOCAL_HEADER);
        out.put_u16_le(VERSION_NEEDED);
        out.put_u16_le(FLAGS);
        out.put_u16_le(0); // stored
        out.put_u16_le(modified.0);
        out.put_u16_le(modified.1);
        out.put_bytes(0, 12); // CRC and sizes: in the data descriptor
        out.put_u16_le(name_len);
        out.put_u16_le(0); // no extra field
        out.put_slice(name.as_bytes());
        self.count(30 + name.len())?;
        self.open = Some(Open { name: name.to_owned(), modified, crc: crc32fast::Hasher::new(), size: 0, offset });
        Ok(out.freeze())
    }

    /// Counts `chunk` of the open entry's data; the caller sends the chunk itself.
    pub fn data(&mut self, chunk: &[u8]) -> Result<(), ArchiveError> {
        let open = self.open.as_mut().ok_or(ArchiveError::NoEntry)?;
        open.crc.update(chunk);
        open.size += chunk.len() as u64;
        self.count(chunk.len())
    }

    /// The data descriptor that closes the open entry.
    pub fn end(&mut self) -> Result<Bytes, ArchiveError> {
        let Some(open) = self.open.take() else { return Ok(Bytes::new()) };
        let crc = open.crc.finalize();
        let size = u32::try_from(open.size).map_err(|_| ArchiveError::TooLarge)?;
        let offset = u32::try_from(open.offset).map_err(|_| ArchiveError::TooLarge)?;
        let mut out = BytesMut::with_capacity(16);
        out.put_u32_le(DATA_DESCRIPTOR);
        out.put_u32_le(crc);
        out.put_u32_le(size); // compressed: stored, so the same
        out.put_u32_le(size);
        self.entries.push(Written { name: open.name, modified: open.modified, crc, size, offset });
        self.count(out.len())?;
        Ok(out.freeze())
    }

    /// The central directory and its end record (after closing an open entry): the archive's last bytes.
    pub fn finish(mut self) -> Result<Bytes, ArchiveError> {
        let mut out = BytesMut::new();
        out.put(self.end()?);
        let start = u32::try_from(self.written).map_err(|_| ArchiveError::TooLarge)?;
        let count = u16::try_from(self.entries.len()).map_err(|_| ArchiveError::TooLarge)?;
        let mut directory = BytesMut::new();
        for entry in &self.entries {
            directory.put_u32_le(CENTRAL_HEADER);
            directory.put_u16_le(VERSION_MADE_BY);
            directory.put_u16_le(VERSION_NEEDED);
            directory.put_u16_le(FLAGS);
            directory.put_u16_le(0);
            directory.put_u16_le(entry.modified.0);
            directory.put_u16_le(entry.modified.1);
            directory.put_u32_le(entry.crc);
            directory.put_u32_le(entry.size);
            directory.put_u32_le(entry.size);
            directory.put_u16_le(entry.name.len() as u16);
            directory.put_bytes(0, 8); // extra and comment lengths, disk number, internal attributes
            directory.put_u32_le(UNIX_FILE_MODE);
            directory.put_u32_le(entry.offset);
            directory.put_slice(entry.name.as_bytes());
        }
        let size = u32::try_from(directory.len()).map_err(|_| ArchiveError::TooLarge)?;
        start.checked_add(size).ok_or(ArchiveError::TooLarge)?;
        out.put(directory);
        out.put_u32_le(END_OF_CENTRAL_DIRECTORY);
        out.put_bytes(0, 4); // this disk, the directory's disk
        out.put_u16_le(count);
        out.put_u16_le(count);
        out.put_u32_le(size);
        out.put_u32_le(start);
        out.put_u16_le(0); // no comment
        Ok(out.freeze())
    }

    fn count(&mut self, len: usize) -> Result<(), ArchiveError> {
        self.written += len as u64;
        if self.written > u64::from(u32::MAX) { Err(ArchiveError::TooLarge) } else { Ok(()) }
    }
}

/// MS-DOS time and date (local time by the format's definition; we write UTC), 2-second
/// resolution, clamped to the format's 1980–2107.
fn dos_time(at: OffsetDateTime) -> (u16, u16) {
    let at = at.to_offset(time::UtcOffset::UTC);
    let year = at.year().clamp(1980, 2107) as u16;
    let time = (u16::from(at.hour()) << 11) | (u16::from(at.minute()) << 5) | u16::from(at.second() / 2);
    let date = ((year - 1980) << 9) | (u16::from(u8::from(at.month())) << 5) | u16::from(at.day());
    (time, date)
}

#[cfg(test)]
mod tests;
