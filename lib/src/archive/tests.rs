//! Specifications of the streamed ZIP writer, read back by an independent reader (the `zip` crate).

use std::io::{Cursor, Read};

use time::macros::datetime;

use super::*;

/// An archive of `entries` (name, data sent in chunks of `chunk` bytes), as one buffer.
fn archive(entries: &[(&str, &[u8])], chunk: usize) -> Vec<u8> {
    let mut writer = ZipWriter::default();
    let mut out = Vec::new();
    for (name, data) in entries {
        out.extend_from_slice(&writer.begin(name, datetime!(2026-11-26 10:15:31 UTC)).unwrap());
        for piece in data.chunks(chunk) {
            writer.data(piece).unwrap();
            out.extend_from_slice(piece);
        }
    }
    out.extend_from_slice(&writer.finish().unwrap());
    out
}

#[test]
fn every_entry_reads_back_byte_for_byte_with_its_crc_checked() {
    let png: Vec<u8> = (0..100_000u32).map(|n| (n * 7 % 251) as u8).collect();
    let entries: [(&str, &[u8]); 4] =
        [("metadata.json", b"{\"images\":[]}"), ("kucing.png", &png), ("kosong.txt", b""), ("ikan.png", &png[..999])];

    let bytes = archive(&entries, 4096);

    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    assert_eq!(zip.len(), 4);
    for (i, (name, data)) in entries.iter().enumerate() {
        let mut entry = zip.by_index(i).unwrap();
        assert_eq!(entry.name().unwrap(), *name);
        assert_eq!(entry.compression(), zip::CompressionMethod::Stored, "{name}");
        assert_eq!(entry.size(), data.len() as u64, "{name}");
        let mut read = Vec::new();
        // The reader checks the CRC-32 at the end of the entry.
        entry.read_to_end(&mut read).unwrap();
        assert_eq!(read, *data, "{name}");
        assert_eq!(entry.unix_mode(), Some(0o100_644), "{name}");
    }
}

#[test]
fn entries_carry_their_modification_time_and_a_data_descriptor() {
    let bytes = archive(&[("a.png", b"abc")], 1);

    assert_eq!(&bytes[6..8], &FLAGS.to_le_bytes(), "bit 3: sizes follow the data");
    assert_eq!(&bytes[14..26], &[0; 12], "no CRC or size before the data");
    let descriptor = &bytes[30 + 5 + 3..30 + 5 + 3 + 16];
    assert_eq!(&descriptor[..4], &DATA_DESCRIPTOR.to_le_bytes());
    assert_eq!(&descriptor[4..8], &crc32fast::hash(b"abc").to_le_bytes());
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let modified = zip.by_index(0).unwrap().last_modified().unwrap();
    assert_eq!((modified.year(), modified.month(), modified.day()), (2026, 11, 26));
    assert_eq!((modified.hour(), modified.minute(), modified.second()), (10, 15, 30), "two-second resolution");
}

#[test]
fn an_archive_cut_before_its_central_directory_is_not_readable() {
    let mut writer = ZipWriter::default();
    let mut bytes = writer.begin("a.png", datetime!(2026-01-01 0:00 UTC)).unwrap().to_vec();
    writer.data(b"abc").unwrap();
    bytes.extend_from_slice(b"abc");
    bytes.extend_from_slice(&writer.end().unwrap());

    assert!(zip::ZipArchive::new(Cursor::new(bytes)).is_err());
}

#[test]
fn data_before_an_entry_and_dates_outside_the_format_are_handled() {
    assert!(matches!(ZipWriter::default().data(b"x"), Err(ArchiveError::NoEntry)));
    assert_eq!(dos_time(datetime!(1970-01-01 0:00 UTC)).1, (1 << 5) | 1, "clamped to 1980-01-01");
    assert!(matches!(
        ZipWriter::default().begin(&"n".repeat(70_000), datetime!(2026-01-01 0:00 UTC)),
        Err(ArchiveError::NameTooLong(70_000))
    ));
}
