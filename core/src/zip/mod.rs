//! A bounded, validating reader of zip archives held in borrowed bytes, for MOJO containers.
//!
//! [`Archive::new`] finds the end-of-central-directory record and validates the whole central
//! directory and every local header once. Afterwards [`Archive::entries`], [`Archive::find`]
//! and the accessors of [`Entry`] cannot fail or panic; only [`Entry::read_into`] can fail,
//! because only it looks at the entry's data (deflate stream, size, CRC-32).
//!
//! ```
//! # use scorer::zip::{Archive, ZipError};
//! // The smallest archive: an end-of-central-directory record with no entries.
//! let bytes = [0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
//! let archive = Archive::new(&bytes)?;
//! assert!(archive.is_empty());
//! assert!(archive.find(b"model.ini").is_none());
//! # Ok::<(), ZipError>(())
//! ```
//!
//! # Parsing contract
//! The fixed-layout records ([`eocd::Eocd`], [`central::CentralHeader`], [`local::LocalHeader`])
//! are smoltcp-style views: `new_unchecked` wraps any buffer, `check` tests the length and the
//! signature, and `new_checked` does both. If `check` passed, no accessor can panic or read
//! out of bounds; on a view that skipped `check`, accessors read missing bytes as zero (they
//! still never panic). Variable-length parts (names, extra fields, comments, data) are read
//! with [`crate::read::Reader`]. Untrusted bytes only ever go through `new_checked`.
//!
//! # What [`Archive::new`] checks
//! - The end-of-central-directory record is found searching backwards over at most 65,535
//!   bytes of comment, and its comment reaches exactly to the end of the bytes. Where one of
//!   its fields holds a zip64 marker (`0xFFFF`, `0xFFFFFFFF`), the zip64 locator just before
//!   it must point at a zip64 record before the locator, whose fields replace all of the
//!   record's (Java's `ZipFile` reads them so; its `ZipOutputStream` writes them for 65,535
//!   entries or more, and a MOJO has two files a tree). Without a marker a locator is
//!   ignored, as Java does. Disk numbers are 0, both entry counts agree, the central
//!   directory lies between its offset and the (zip64) record and holds exactly the declared
//!   entries.
//! - Each central header: signature; name at most [`MAX_NAME_LEN`] bytes, non-empty, UTF-8,
//!   without NUL; the sizes, local header offset and disk that hold a marker read from the
//!   zip64 extra field (ID `0x0001`) in APPNOTE 4.5.3's order; method 0 (stored) or 8
//!   (deflate); no encryption (flag bits 0, 6, 13); uncompressed size at most
//!   [`MAX_ENTRY_SIZE`], sum at most [`MAX_TOTAL_INFLATED`], count at most [`MAX_ENTRIES`];
//!   stored entries have equal compressed and uncompressed sizes.
//! - Each local header: signature, the same name and method as the central header, and, when
//!   flag bit 3 is clear, the same CRC-32 and sizes (from its own zip64 extra field where
//!   both hold `0xFFFFFFFF`). Sizes always come from the central directory: with bit 3 set
//!   (Java's `ZipOutputStream` sets it for every deflated entry) the local CRC and sizes are
//!   zero and the real ones follow the data in a data descriptor, which this reader does not
//!   need. The data starts after the local name and extra field and ends before the central
//!   directory.
//!
//! # Layout rule: no overlapping entries
//! Entries must appear in the central directory in increasing order of local-header offset,
//! and each entry's local header and data must end at or before the next entry's local header.
//! Every ordinary writer, Java's `ZipOutputStream` included, writes entries one after another
//! and the central directory in the same order, so this costs nothing and refuses the
//! overlapping entries of "zip bombs" (many central entries sharing one local header) in one
//! pass without memory. Gaps are allowed, so a data descriptor (12 or 16 bytes, with or without
//! its signature `0x08074b50`) may follow the data.
//!
//! # Duplicate names
//! Finding every duplicate name would take O(n²) time or memory proportional to the entry
//! count, and this module has neither to spare for [`MAX_ENTRIES`] entries.
//! [`Archive::new`] refuses duplicates that are adjacent in the central directory
//! ([`ZipError::DuplicateName`]); other duplicates are accepted, and [`Archive::find`]
//! returns the first in central-directory order ([`Archive::find_near`] the first after its
//! cursor). Writers that produce MOJOs (Java's `ZipOutputStream`) refuse duplicates themselves.
//!
//! # Nesting
//! Entries are never opened as archives themselves: a zip inside a MOJO is just bytes, so
//! archive nesting is bounded at one level by construction. (Sub-model directories of
//! stacked ensembles live in the same archive, under `models/`.)
//!
//! # Not supported
//! Multi-disk archives, encryption, methods other than stored and deflate, and archives with
//! bytes prepended (self-extractors), whose offsets do not start at 0. Zip64 is read, but an
//! archive's sizes stay within [`MAX_TOTAL_INFLATED`] and the bytes in memory.
#![warn(clippy::indexing_slicing)]

pub mod central;
pub mod crc32;
pub mod eocd;
mod inflate;
pub mod local;
#[cfg(test)]
mod tests;

use core::fmt;
use core::ops::Range;

use miniz_oxide::inflate::core::DecompressorOxide;

use crate::limits::{MAX_ENTRIES, MAX_ENTRY_SIZE, MAX_NAME_LEN, MAX_TOTAL_INFLATED};
use crate::read::Reader;

use self::central::CentralHeader;
use self::local::LocalHeader;

/// General-purpose bit flags of local and central headers (APPNOTE 4.4.4).
pub mod flags {
    /// Bit 0: the entry is encrypted.
    pub const ENCRYPTED: u16 = 1 << 0;
    /// Bit 3: CRC-32 and sizes are in a data descriptor after the data; the local header has
    /// zeros.
    pub const DATA_DESCRIPTOR: u16 = 1 << 3;
    /// Bit 6: strong encryption.
    pub const STRONG_ENCRYPTION: u16 = 1 << 6;
    /// Bit 11: name and comment are UTF-8.
    pub const UTF8: u16 = 1 << 11;
    /// Bit 13: the central directory is encrypted and local header values are masked.
    pub const MASKED_HEADERS: u16 = 1 << 13;
    /// Every bit that means the data or the headers cannot be read without a key.
    pub const ANY_ENCRYPTION: u16 = ENCRYPTED | STRONG_ENCRYPTION | MASKED_HEADERS;
}

/// Compression method 0: the data is stored as is.
pub const METHOD_STORED: u16 = 0;
/// Compression method 8: raw DEFLATE.
pub const METHOD_DEFLATED: u16 = 8;

/// What can go wrong reading a zip archive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZipError {
    /// A record or a variable-length field runs past the bytes that must hold it.
    Truncated { field: &'static str },
    /// No end-of-central-directory record whose comment reaches exactly to the end of the
    /// bytes, in the last 65,557 bytes.
    NoEndOfCentralDirectory,
    /// The end-of-central-directory record contradicts itself or the central directory.
    BadEndOfCentralDirectory { field: &'static str },
    /// A disk number other than 0; not supported.
    MultiDiskUnsupported,
    /// More entries than [`MAX_ENTRIES`].
    TooManyEntries,
    /// A central-directory header is malformed.
    BadCentralHeader { field: &'static str },
    /// An entry name longer than [`MAX_NAME_LEN`].
    NameTooLong,
    /// An entry name that is empty, not UTF-8, or holds NUL.
    BadName,
    /// Two adjacent central-directory entries with the same name.
    DuplicateName,
    /// A compression method other than stored (0) and deflate (8).
    UnsupportedMethod(u16),
    /// An encrypted entry.
    Encrypted,
    /// An entry whose uncompressed size exceeds [`MAX_ENTRY_SIZE`].
    EntryTooLarge,
    /// Uncompressed sizes whose sum exceeds [`MAX_TOTAL_INFLATED`].
    TotalTooLarge,
    /// A local header that is malformed or disagrees with its central header.
    BadLocalHeader { field: &'static str },
    /// Entries out of offset order, or overlapping (see the module docs).
    OverlappingEntries,
    /// The output buffer is shorter than the entry's size.
    BufferTooSmall,
    /// The data is longer or shorter than the declared size, or a stored entry's two sizes
    /// differ.
    SizeMismatch,
    /// The CRC-32 of the data is not the declared one.
    CrcMismatch,
    /// The deflate stream is invalid or truncated.
    Inflate(&'static str),
}

impl fmt::Display for ZipError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ZipError::Truncated { field } => {
                f.write_str("zip: truncated ")?;
                f.write_str(field)
            }
            ZipError::NoEndOfCentralDirectory => {
                f.write_str("zip: no end-of-central-directory record")
            }
            ZipError::BadEndOfCentralDirectory { field } => {
                f.write_str("zip: bad end-of-central-directory record: ")?;
                f.write_str(field)
            }
            ZipError::MultiDiskUnsupported => {
                f.write_str("zip: multi-disk archives are not supported")
            }
            ZipError::TooManyEntries => f.write_str("zip: too many entries"),
            ZipError::BadCentralHeader { field } => {
                f.write_str("zip: bad central directory header: ")?;
                f.write_str(field)
            }
            ZipError::NameTooLong => f.write_str("zip: entry name too long"),
            ZipError::BadName => f.write_str("zip: entry name empty, not UTF-8, or with NUL"),
            ZipError::DuplicateName => f.write_str("zip: duplicate entry name"),
            ZipError::UnsupportedMethod(method) => {
                f.write_str("zip: unsupported compression method ")?;
                fmt::Display::fmt(&method, f)
            }
            ZipError::Encrypted => f.write_str("zip: encrypted entries are not supported"),
            ZipError::EntryTooLarge => f.write_str("zip: entry too large"),
            ZipError::TotalTooLarge => f.write_str("zip: entries too large in total"),
            ZipError::BadLocalHeader { field } => {
                f.write_str("zip: bad local header: ")?;
                f.write_str(field)
            }
            ZipError::OverlappingEntries => f.write_str("zip: entries overlap or are out of order"),
            ZipError::BufferTooSmall => f.write_str("zip: output buffer too small"),
            ZipError::SizeMismatch => {
                f.write_str("zip: entry data does not have its declared size")
            }
            ZipError::CrcMismatch => f.write_str("zip: entry CRC-32 mismatch"),
            ZipError::Inflate(what) => {
                f.write_str("zip: ")?;
                f.write_str(what)
            }
        }
    }
}

impl core::error::Error for ZipError {}

/// A validated zip archive over borrowed bytes.
#[derive(Clone, Copy)]
pub struct Archive<'a> {
    bytes: &'a [u8],
    /// The central directory, `bytes[cd_offset..]` up to the end-of-central-directory record.
    cd: &'a [u8],
    cd_offset: usize,
    count: usize,
    largest: usize,
}

impl fmt::Debug for Archive<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Archive")
            .field("bytes", &self.bytes.len())
            .field("cd_offset", &self.cd_offset)
            .field("cd_len", &self.cd.len())
            .field("entries", &self.count)
            .field("largest_entry", &self.largest)
            .finish()
    }
}

impl<'a> Archive<'a> {
    /// Finds the end-of-central-directory record (searching backwards over a possible archive
    /// comment, at most 65,535 + 22 bytes) and validates the whole central directory and every
    /// local header once, as the module docs list. An archive with no entries is valid.
    pub fn new(bytes: &'a [u8]) -> Result<Self, ZipError> {
        let directory = Directory::find(bytes)?;
        if directory.disk != 0 || directory.cd_disk != 0 {
            return Err(ZipError::MultiDiskUnsupported);
        }
        if directory.disk_entries != directory.total_entries {
            return Err(ZipError::BadEndOfCentralDirectory {
                field: "entries on this disk",
            });
        }
        let count = usize_from(directory.total_entries)
            .filter(|&count| count <= MAX_ENTRIES)
            .ok_or(ZipError::TooManyEntries)?;
        let bad_bounds = ZipError::BadEndOfCentralDirectory {
            field: "central directory bounds",
        };
        let cd_offset = usize_from(directory.cd_offset).ok_or(bad_bounds)?;
        let cd_size = usize_from(directory.cd_size).ok_or(bad_bounds)?;
        let cd_end = cd_offset
            .checked_add(cd_size)
            .filter(|&end| end <= directory.end)
            .ok_or(bad_bounds)?;
        let cd = bytes.get(cd_offset..cd_end).ok_or(bad_bounds)?;
        if count
            .checked_mul(central::HEADER_LEN)
            .is_none_or(|min| min > cd_size)
        {
            return Err(ZipError::BadEndOfCentralDirectory {
                field: "total entries",
            });
        }

        let mut reader = Reader::new(cd);
        let mut total: usize = 0;
        let mut largest: usize = 0;
        let mut previous_end: usize = 0;
        let mut previous_name: Option<&[u8]> = None;
        for _ in 0..count {
            let record = next_record(&mut reader)?;
            let checked = check_record(&record)?;
            total = total
                .checked_add(checked.size)
                .filter(|&total| total <= MAX_TOTAL_INFLATED)
                .ok_or(ZipError::TotalTooLarge)?;
            largest = largest.max(checked.size);
            let located = locate(bytes, cd_offset, &record, &checked)?;
            if located.start < previous_end {
                return Err(ZipError::OverlappingEntries);
            }
            if previous_name == Some(record.name) {
                return Err(ZipError::DuplicateName);
            }
            previous_end = located.end;
            previous_name = Some(record.name);
        }
        if !reader.is_empty() {
            return Err(ZipError::BadEndOfCentralDirectory {
                field: "central directory size",
            });
        }
        Ok(Archive {
            bytes,
            cd,
            cd_offset,
            count,
            largest,
        })
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether the archive has no entries.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The entries, in central-directory order (which is also local-offset order).
    pub fn entries(&self) -> Entries<'a> {
        Entries {
            bytes: self.bytes,
            cd_offset: self.cd_offset,
            reader: Reader::new(self.cd),
            remaining: self.count,
        }
    }

    /// The first entry, in central-directory order, whose name is exactly `name`.
    ///
    /// This is a linear scan of the central directory that decodes only names until it finds
    /// a match. To visit many entries, iterate [`Archive::entries`] once instead.
    pub fn find(&self, name: &[u8]) -> Option<Entry<'a>> {
        let mut reader = Reader::new(self.cd);
        for _ in 0..self.count {
            let record = next_record(&mut reader).ok()?;
            if record.name == name {
                let checked = check_record(&record).ok()?;
                let located = locate(self.bytes, self.cd_offset, &record, &checked).ok()?;
                return Some(located.entry);
            }
        }
        None
    }

    /// [`Archive::find`] from `cursor` on, wrapping around to the first entry, and leaves
    /// `cursor` just past the entry found. Names looked up in about the order the archive
    /// holds them (a tree model's thousands of files) then cost a step or a few each rather
    /// than a scan of the central directory. Where a name appears twice (see the module
    /// docs), the entry found is the first at or after `cursor`.
    pub fn find_near(&self, name: &[u8], cursor: &mut Cursor) -> Option<Entry<'a>> {
        let mut at = match cursor.index < self.count {
            true => *cursor,
            false => Cursor::default(),
        };
        let mut reader = Reader::new(self.cd);
        reader.skip(at.offset)?;
        for _ in 0..self.count {
            if at.index == self.count {
                at = Cursor::default();
                reader = Reader::new(self.cd);
            }
            let record = next_record(&mut reader).ok()?;
            at = Cursor {
                index: at.index + 1,
                offset: reader.position(),
            };
            if record.name == name {
                let checked = check_record(&record).ok()?;
                let located = locate(self.bytes, self.cd_offset, &record, &checked).ok()?;
                *cursor = at;
                return Some(located.entry);
            }
        }
        None
    }

    /// The largest uncompressed size of any entry (0 for an empty archive): a scratch buffer
    /// this long can hold any entry.
    pub fn largest_entry(&self) -> usize {
        self.largest
    }
}

/// A place in an [`Archive`]'s central directory, where [`Archive::find_near`] starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    /// The entry's index.
    index: usize,
    /// Its header's offset in the central directory.
    offset: usize,
}

/// The entries of an [`Archive`], in central-directory order.
#[derive(Clone)]
pub struct Entries<'a> {
    bytes: &'a [u8],
    cd_offset: usize,
    reader: Reader<'a>,
    remaining: usize,
}

impl fmt::Debug for Entries<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entries")
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = Entry<'a>;

    fn next(&mut self) -> Option<Entry<'a>> {
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        // `Archive::new` ran these same checks, so they pass; should one fail anyway, the
        // iteration ends rather than panicking.
        let located = next_record(&mut self.reader).and_then(|record| {
            let checked = check_record(&record)?;
            locate(self.bytes, self.cd_offset, &record, &checked)
        });
        match located {
            Ok(located) => Some(located.entry),
            Err(_) => {
                self.remaining = 0;
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for Entries<'_> {}

impl core::iter::FusedIterator for Entries<'_> {}

/// How an entry's data is compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Stored,
    Deflated,
}

/// One validated entry of an [`Archive`].
#[derive(Clone, Copy)]
pub struct Entry<'a> {
    name: &'a [u8],
    method: Method,
    crc32: u32,
    /// The compressed data, located through the local header, sized by the central directory.
    data: &'a [u8],
    /// The uncompressed size from the central directory, at most [`MAX_ENTRY_SIZE`].
    size: usize,
    /// Where the compressed data starts in the archive: one entry's, unlike any other's.
    data_offset: usize,
}

impl fmt::Debug for Entry<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entry")
            .field("name", &self.name_str())
            .field("method", &self.method)
            .field("crc32", &self.crc32)
            .field("compressed", &self.data.len())
            .field("size", &self.size)
            .finish()
    }
}

impl<'a> Entry<'a> {
    /// The name, as stored: `/`-separated, no NUL, valid UTF-8.
    pub fn name(&self) -> &'a [u8] {
        self.name
    }

    /// The name as `&str` (names are checked to be UTF-8).
    pub fn name_str(&self) -> &'a str {
        core::str::from_utf8(self.name).unwrap_or_default()
    }

    /// The uncompressed size, from the central directory.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Whether this is a directory entry (its name ends with `/`).
    pub fn is_dir(&self) -> bool {
        self.name.last() == Some(&b'/')
    }

    /// Where the entry's data starts in the archive (entries never share it).
    pub fn data_offset(&self) -> usize {
        self.data_offset
    }

    /// Inflates (or copies, for stored entries) the data into `out[..self.size()]` and returns
    /// that slice. Creates a 10.5 KB `DecompressorOxide` on the stack; to reuse one, call
    /// [`Entry::read_into_with`].
    ///
    /// # Errors
    /// [`ZipError::BufferTooSmall`] if `out.len() < self.size()`; [`ZipError::SizeMismatch`] if
    /// the data is longer or shorter than `self.size()`; [`ZipError::CrcMismatch`];
    /// [`ZipError::Inflate`] if the deflate stream is invalid, truncated, or followed by more
    /// compressed bytes. Nothing is ever written past `out[self.size()]`, not even for an
    /// "inflate bomb" whose data is longer than declared; after an error the contents of
    /// `out[..self.size()]` are unspecified.
    pub fn read_into<'o>(&self, out: &'o mut [u8]) -> Result<&'o [u8], ZipError> {
        let mut inflater = DecompressorOxide::new();
        self.read_into_with(&mut inflater, out)
    }

    /// [`Entry::read_into`] with a caller-owned decompressor, which is reset first.
    pub fn read_into_with<'o>(
        &self,
        inflater: &mut DecompressorOxide,
        out: &'o mut [u8],
    ) -> Result<&'o [u8], ZipError> {
        let out = out.get_mut(..self.size).ok_or(ZipError::BufferTooSmall)?;
        match self.method {
            Method::Stored => {
                // `Archive::new` checked that both sizes are equal.
                if self.data.len() != out.len() {
                    return Err(ZipError::SizeMismatch);
                }
                out.copy_from_slice(self.data);
            }
            Method::Deflated => inflate::inflate_exact(inflater, self.data, out)?,
        }
        // Fuzzing (`--cfg fuzzing`) skips the check so that mutated entries reach the parsers.
        if !cfg!(fuzzing) && crc32::checksum(out) != self.crc32 {
            return Err(ZipError::CrcMismatch);
        }
        Ok(out)
    }
}

/// A little-endian `u16` at `range` of `buf`, or 0 if `buf` is too short.
fn le_u16(buf: &[u8], range: Range<usize>) -> u16 {
    buf.get(range)
        .and_then(|bytes| bytes.try_into().ok())
        .map_or(0, u16::from_le_bytes)
}

/// A little-endian `u32` at `range` of `buf`, or 0 if `buf` is too short.
fn le_u32(buf: &[u8], range: Range<usize>) -> u32 {
    buf.get(range)
        .and_then(|bytes| bytes.try_into().ok())
        .map_or(0, u32::from_le_bytes)
}

/// A little-endian `u64` at `range` of `buf`, or 0 if `buf` is too short.
fn le_u64(buf: &[u8], range: Range<usize>) -> u64 {
    buf.get(range)
        .and_then(|bytes| bytes.try_into().ok())
        .map_or(0, u64::from_le_bytes)
}

/// A size, offset or count as `usize`, or `None` where it does not fit.
fn usize_from(value: impl TryInto<usize>) -> Option<usize> {
    value.try_into().ok()
}

/// The end-of-central-directory record's fields at their full widths: the record's own, or
/// the zip64 record's where the end record holds a zip64 marker.
struct Directory {
    disk: u32,
    cd_disk: u32,
    disk_entries: u64,
    total_entries: u64,
    cd_size: u64,
    cd_offset: u64,
    /// Where the central directory must end by: the (zip64) record's offset.
    end: usize,
}

impl Directory {
    /// Finds the end record and, where it holds a zip64 marker, the zip64 record its locator
    /// points at, which must lie before the locator. As Java's `ZipFile`, a marker without a
    /// locator leaves the end record's own values (which then rarely add up), and a locator
    /// without a marker is ignored.
    fn find(bytes: &[u8]) -> Result<Directory, ZipError> {
        let (eocd_pos, eocd) = eocd::find(bytes)?;
        let plain = Directory {
            disk: u32::from(eocd.disk()),
            cd_disk: u32::from(eocd.cd_disk()),
            disk_entries: u64::from(eocd.disk_entries()),
            total_entries: u64::from(eocd.total_entries()),
            cd_size: u64::from(eocd.cd_size()),
            cd_offset: u64::from(eocd.cd_offset()),
            end: eocd_pos,
        };
        if !eocd.has_zip64_marker() {
            return Ok(plain);
        }
        let Some(locator_pos) = eocd_pos.checked_sub(eocd::ZIP64_LOCATOR_LEN) else {
            return Ok(plain);
        };
        let locator = bytes.get(locator_pos..eocd_pos).unwrap_or_default();
        let Ok(locator) = eocd::Zip64Locator::new_checked(locator) else {
            return Ok(plain);
        };
        if locator.record_disk() != 0 || locator.total_disks() > 1 {
            return Err(ZipError::MultiDiskUnsupported);
        }
        let bad = ZipError::BadEndOfCentralDirectory {
            field: "zip64 record offset",
        };
        let record_pos = usize_from(locator.record_offset()).ok_or(bad)?;
        let record = record_pos
            .checked_add(eocd::ZIP64_HEADER_LEN)
            .filter(|&end| end <= locator_pos)
            .and_then(|end| bytes.get(record_pos..end))
            .ok_or(bad)?;
        let record = eocd::Zip64Eocd::new_checked(record)?;
        Ok(Directory {
            disk: record.disk(),
            cd_disk: record.cd_disk(),
            disk_entries: record.disk_entries(),
            total_entries: record.total_entries(),
            cd_size: record.cd_size(),
            cd_offset: record.cd_offset(),
            end: record_pos,
        })
    }
}

/// One central-directory header: its fixed part, its name and its extra field.
struct Record<'a> {
    header: CentralHeader<&'a [u8]>,
    name: &'a [u8],
    extra: &'a [u8],
}

/// Reads the next central-directory header (fixed part, name, extra field, comment).
fn next_record<'a>(reader: &mut Reader<'a>) -> Result<Record<'a>, ZipError> {
    let fixed = reader
        .take(central::HEADER_LEN)
        .ok_or(ZipError::Truncated {
            field: "central header",
        })?;
    let header = CentralHeader::new_checked(fixed)?;
    let name_len = usize::from(header.name_len());
    if name_len > MAX_NAME_LEN {
        return Err(ZipError::NameTooLong);
    }
    let name = reader.take(name_len).ok_or(ZipError::Truncated {
        field: "central header name",
    })?;
    let extra = reader
        .take(usize::from(header.extra_len()))
        .ok_or(ZipError::Truncated {
            field: "central header extra field",
        })?;
    reader
        .skip(usize::from(header.comment_len()))
        .ok_or(ZipError::Truncated {
            field: "central header comment",
        })?;
    Ok(Record {
        header,
        name,
        extra,
    })
}

/// Header ID of the zip64 extended information extra field (APPNOTE 4.5.3).
const ZIP64_EXTRA_ID: u16 = 0x0001;

/// The data of the zip64 extra field among `extra`'s (ID, length, data) blocks, if any. Bytes
/// too few for a block's ID and length end the search (some writers pad), as in Java's
/// `ZipEntry`.
fn zip64_extra(extra: &[u8]) -> Option<Reader<'_>> {
    let mut reader = Reader::new(extra);
    while reader.left() >= 4 {
        let id = reader.le_u16()?;
        let len = reader.le_u16()?;
        let data = reader.sub(usize::from(len))?;
        if id == ZIP64_EXTRA_ID {
            return Some(data);
        }
    }
    None
}

/// A central header's sizes and local header offset at their full widths.
#[derive(Clone, Copy)]
struct Wide {
    compressed: u64,
    uncompressed: u64,
    local_offset: u64,
    disk_start: u32,
}

impl Wide {
    /// The header's fields, the marked ones (`0xFFFFFFFF`, `0xFFFF`) read from its zip64 extra
    /// field in APPNOTE 4.5.3's order: uncompressed size, compressed size, local header
    /// offset, disk.
    fn of(record: &Record<'_>) -> Result<Wide, ZipError> {
        let header = &record.header;
        let mut wide = Wide {
            compressed: u64::from(header.compressed_size()),
            uncompressed: u64::from(header.uncompressed_size()),
            local_offset: u64::from(header.local_offset()),
            disk_start: u32::from(header.disk_start()),
        };
        if !header.has_zip64_marker() {
            return Ok(wide);
        }
        let bad = ZipError::BadCentralHeader {
            field: "zip64 extra field",
        };
        let mut values = zip64_extra(record.extra).ok_or(bad)?;
        if header.uncompressed_size() == u32::MAX {
            wide.uncompressed = values.le_u64().ok_or(bad)?;
        }
        if header.compressed_size() == u32::MAX {
            wide.compressed = values.le_u64().ok_or(bad)?;
        }
        if header.local_offset() == u32::MAX {
            wide.local_offset = values.le_u64().ok_or(bad)?;
        }
        if header.disk_start() == u16::MAX {
            wide.disk_start = values.le_u32().ok_or(bad)?;
        }
        Ok(wide)
    }
}

/// A central header that passed [`check_record`].
struct Checked {
    method: Method,
    /// The uncompressed size, at most [`MAX_ENTRY_SIZE`].
    size: usize,
    wide: Wide,
}

/// Checks a central header on its own.
fn check_record(record: &Record<'_>) -> Result<Checked, ZipError> {
    let header = &record.header;
    let wide = Wide::of(record)?;
    if wide.disk_start != 0 {
        return Err(ZipError::MultiDiskUnsupported);
    }
    if header.flags() & flags::ANY_ENCRYPTION != 0 {
        return Err(ZipError::Encrypted);
    }
    let method = match header.method() {
        METHOD_STORED => Method::Stored,
        METHOD_DEFLATED => Method::Deflated,
        other => return Err(ZipError::UnsupportedMethod(other)),
    };
    check_name(record.name)?;
    let size = usize_from(wide.uncompressed)
        .filter(|&size| size <= MAX_ENTRY_SIZE)
        .ok_or(ZipError::EntryTooLarge)?;
    if method == Method::Stored && wide.compressed != wide.uncompressed {
        return Err(ZipError::SizeMismatch);
    }
    Ok(Checked { method, size, wide })
}

/// Checks that a name is non-empty UTF-8 without NUL (its length was checked when read).
fn check_name(name: &[u8]) -> Result<(), ZipError> {
    if name.is_empty() || name.contains(&0) || core::str::from_utf8(name).is_err() {
        return Err(ZipError::BadName);
    }
    Ok(())
}

/// An entry together with the span of its local header and data in the archive.
struct Located<'a> {
    entry: Entry<'a>,
    /// Offset of the local header.
    start: usize,
    /// Offset just past the compressed data.
    end: usize,
}

/// Reads and checks the local header of `record` and locates its data, which must end at or
/// before the central directory at `cd_offset`.
fn locate<'a>(
    bytes: &'a [u8],
    cd_offset: usize,
    record: &Record<'a>,
    checked: &Checked,
) -> Result<Located<'a>, ZipError> {
    let central = &record.header;
    let wide = &checked.wide;
    let start = usize_from(wide.local_offset).ok_or(ZipError::BadLocalHeader {
        field: "local header offset",
    })?;
    let mut reader = Reader::new(bytes.get(..cd_offset).unwrap_or_default());
    reader.skip(start).ok_or(ZipError::BadLocalHeader {
        field: "local header offset",
    })?;
    let fixed = reader.take(local::HEADER_LEN).ok_or(ZipError::Truncated {
        field: "local header",
    })?;
    let local = LocalHeader::new_checked(fixed)?;
    let name = reader
        .take(usize::from(local.name_len()))
        .ok_or(ZipError::Truncated {
            field: "local header name",
        })?;
    if name != record.name {
        return Err(ZipError::BadLocalHeader { field: "name" });
    }
    let local_extra = reader
        .take(usize::from(local.extra_len()))
        .ok_or(ZipError::Truncated {
            field: "local header extra field",
        })?;
    if local.method() != central.method() {
        return Err(ZipError::BadLocalHeader { field: "method" });
    }
    if local.flags() & flags::ANY_ENCRYPTION != 0 {
        return Err(ZipError::Encrypted);
    }
    if local.flags() & flags::DATA_DESCRIPTOR == 0
        && (local.crc32() != central.crc32()
            || local_sizes(&local, local_extra)? != (wide.uncompressed, wide.compressed))
    {
        return Err(ZipError::BadLocalHeader {
            field: "crc32 or sizes",
        });
    }
    let compressed = usize_from(wide.compressed).ok_or(ZipError::Truncated {
        field: "entry data",
    })?;
    let data_offset = reader.position();
    let data = reader.take(compressed).ok_or(ZipError::Truncated {
        field: "entry data",
    })?;
    Ok(Located {
        entry: Entry {
            name: record.name,
            method: checked.method,
            crc32: central.crc32(),
            data,
            size: checked.size,
            data_offset,
        },
        start,
        end: reader.position(),
    })
}

/// A local header's (uncompressed, compressed) sizes: its own, or, where both hold
/// `0xFFFFFFFF`, its zip64 extra field's (which then has both, APPNOTE 4.5.3).
fn local_sizes(local: &LocalHeader<&[u8]>, extra: &[u8]) -> Result<(u64, u64), ZipError> {
    let sizes = (local.uncompressed_size(), local.compressed_size());
    if sizes != (u32::MAX, u32::MAX) {
        return Ok((u64::from(sizes.0), u64::from(sizes.1)));
    }
    let bad = ZipError::BadLocalHeader {
        field: "zip64 extra field",
    };
    let mut values = zip64_extra(extra).ok_or(bad)?;
    Ok((values.le_u64().ok_or(bad)?, values.le_u64().ok_or(bad)?))
}
