//! The end-of-central-directory record (APPNOTE 4.3.16), the backwards search for it, and
//! the zip64 locator and record (4.3.15, 4.3.14) that carry its counts and offsets when they
//! do not fit (Java's `ZipOutputStream` writes them for 65,535 entries or more).
#![warn(clippy::indexing_slicing)]

use super::{le_u16, le_u32, le_u64, ZipError};

/// `PK\x05\x06`.
pub const SIGNATURE: u32 = 0x0605_4b50;

/// `PK\x06\x07`: the zip64 end-of-central-directory locator, which sits just before the record.
pub const ZIP64_LOCATOR_SIGNATURE: u32 = 0x0706_4b50;

/// Length of the zip64 locator.
pub const ZIP64_LOCATOR_LEN: usize = 20;

/// `PK\x06\x06`: the zip64 end-of-central-directory record.
pub const ZIP64_SIGNATURE: u32 = 0x0606_4b50;

/// Length of the zip64 record's fixed part (its extensible data, if any, follows).
pub const ZIP64_HEADER_LEN: usize = 56;

/// The longest archive comment the 16-bit length field can express.
pub const MAX_COMMENT_LEN: usize = u16::MAX as usize;

mod field {
    use core::ops::Range;

    pub const SIGNATURE: Range<usize> = 0..4;
    pub const DISK: Range<usize> = 4..6;
    pub const CD_DISK: Range<usize> = 6..8;
    pub const DISK_ENTRIES: Range<usize> = 8..10;
    pub const TOTAL_ENTRIES: Range<usize> = 10..12;
    pub const CD_SIZE: Range<usize> = 12..16;
    pub const CD_OFFSET: Range<usize> = 16..20;
    pub const COMMENT_LEN: Range<usize> = 20..22;
}

/// Length of the fixed part of the record; the comment follows it.
pub const HEADER_LEN: usize = field::COMMENT_LEN.end;

/// A view of an end-of-central-directory record: the fixed 22 bytes, then the comment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Eocd<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Eocd<T> {
    /// A view without any check. Accessors of a view over too short a buffer read missing
    /// fields as zero; they never panic.
    pub const fn new_unchecked(buffer: T) -> Self {
        Eocd { buffer }
    }

    /// A view whose fixed part lies within `buffer` and whose signature is right.
    pub fn new_checked(buffer: T) -> Result<Self, ZipError> {
        let view = Self::new_unchecked(buffer);
        view.check()?;
        Ok(view)
    }

    /// Checks the length of the fixed part and the signature.
    pub fn check(&self) -> Result<(), ZipError> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            return Err(ZipError::Truncated {
                field: "end of central directory",
            });
        }
        if self.signature() != SIGNATURE {
            return Err(ZipError::NoEndOfCentralDirectory);
        }
        Ok(())
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    pub fn signature(&self) -> u32 {
        le_u32(self.buffer.as_ref(), field::SIGNATURE)
    }

    /// Number of this disk.
    pub fn disk(&self) -> u16 {
        le_u16(self.buffer.as_ref(), field::DISK)
    }

    /// Disk on which the central directory starts.
    pub fn cd_disk(&self) -> u16 {
        le_u16(self.buffer.as_ref(), field::CD_DISK)
    }

    /// Central-directory entries on this disk.
    pub fn disk_entries(&self) -> u16 {
        le_u16(self.buffer.as_ref(), field::DISK_ENTRIES)
    }

    /// Central-directory entries in total.
    pub fn total_entries(&self) -> u16 {
        le_u16(self.buffer.as_ref(), field::TOTAL_ENTRIES)
    }

    /// Size of the central directory in bytes.
    pub fn cd_size(&self) -> u32 {
        le_u32(self.buffer.as_ref(), field::CD_SIZE)
    }

    /// Offset of the central directory from the start of the archive.
    pub fn cd_offset(&self) -> u32 {
        le_u32(self.buffer.as_ref(), field::CD_OFFSET)
    }

    /// Declared length of the comment.
    pub fn comment_len(&self) -> u16 {
        le_u16(self.buffer.as_ref(), field::COMMENT_LEN)
    }

    /// Whether any field holds the value that means "see the zip64 record".
    pub fn has_zip64_marker(&self) -> bool {
        self.disk() == u16::MAX
            || self.cd_disk() == u16::MAX
            || self.disk_entries() == u16::MAX
            || self.total_entries() == u16::MAX
            || self.cd_size() == u32::MAX
            || self.cd_offset() == u32::MAX
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Eocd<&'a T> {
    /// The bytes after the fixed part (the comment, if the record was found by [`find`]).
    pub fn comment(&self) -> &'a [u8] {
        self.buffer.as_ref().get(HEADER_LEN..).unwrap_or_default()
    }
}

/// Finds the record: the last position, searching backwards over at most
/// [`MAX_COMMENT_LEN`] bytes of comment, that holds the signature and whose comment length
/// reaches exactly to the end of `bytes`. Returns the record's offset and a view of it.
pub fn find(bytes: &[u8]) -> Result<(usize, Eocd<&[u8]>), ZipError> {
    let last = bytes
        .len()
        .checked_sub(HEADER_LEN)
        .ok_or(ZipError::NoEndOfCentralDirectory)?;
    let first = last.saturating_sub(MAX_COMMENT_LEN);
    let signature = SIGNATURE.to_le_bytes();
    for pos in (first..=last).rev() {
        let Some(tail) = bytes.get(pos..) else {
            continue;
        };
        if tail.get(..4) != Some(signature.as_slice()) {
            continue;
        }
        let Ok(view) = Eocd::new_checked(tail) else {
            continue;
        };
        if tail.len().checked_sub(HEADER_LEN) == Some(usize::from(view.comment_len())) {
            return Ok((pos, view));
        }
    }
    Err(ZipError::NoEndOfCentralDirectory)
}

mod locator_field {
    use core::ops::Range;

    pub const SIGNATURE: Range<usize> = 0..4;
    pub const RECORD_DISK: Range<usize> = 4..8;
    pub const RECORD_OFFSET: Range<usize> = 8..16;
    pub const TOTAL_DISKS: Range<usize> = 16..20;
}

/// A view of the zip64 end-of-central-directory locator, which sits just before the record
/// and points at the zip64 record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zip64Locator<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Zip64Locator<T> {
    /// A view without any check; accessors of a short buffer read zeros.
    pub const fn new_unchecked(buffer: T) -> Self {
        Zip64Locator { buffer }
    }

    /// A view whose 20 bytes lie within `buffer` and whose signature is right.
    pub fn new_checked(buffer: T) -> Result<Self, ZipError> {
        let view = Self::new_unchecked(buffer);
        if view.buffer.as_ref().len() < ZIP64_LOCATOR_LEN {
            return Err(ZipError::Truncated {
                field: "zip64 locator",
            });
        }
        if view.signature() != ZIP64_LOCATOR_SIGNATURE {
            return Err(ZipError::BadEndOfCentralDirectory {
                field: "zip64 locator signature",
            });
        }
        Ok(view)
    }

    pub fn signature(&self) -> u32 {
        le_u32(self.buffer.as_ref(), locator_field::SIGNATURE)
    }

    /// Disk holding the zip64 record.
    pub fn record_disk(&self) -> u32 {
        le_u32(self.buffer.as_ref(), locator_field::RECORD_DISK)
    }

    /// Offset of the zip64 record from the start of the archive.
    pub fn record_offset(&self) -> u64 {
        le_u64(self.buffer.as_ref(), locator_field::RECORD_OFFSET)
    }

    /// Number of disks (1 for a single file; some writers write 0).
    pub fn total_disks(&self) -> u32 {
        le_u32(self.buffer.as_ref(), locator_field::TOTAL_DISKS)
    }
}

mod zip64_field {
    use core::ops::Range;

    pub const SIGNATURE: Range<usize> = 0..4;
    pub const RECORD_SIZE: Range<usize> = 4..12;
    pub const VERSION_MADE_BY: Range<usize> = 12..14;
    pub const VERSION_NEEDED: Range<usize> = 14..16;
    pub const DISK: Range<usize> = 16..20;
    pub const CD_DISK: Range<usize> = 20..24;
    pub const DISK_ENTRIES: Range<usize> = 24..32;
    pub const TOTAL_ENTRIES: Range<usize> = 32..40;
    pub const CD_SIZE: Range<usize> = 40..48;
    pub const CD_OFFSET: Range<usize> = 48..56;
}

/// A view of the zip64 end-of-central-directory record: the end record's fields at their
/// full widths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zip64Eocd<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Zip64Eocd<T> {
    /// A view without any check; accessors of a short buffer read zeros.
    pub const fn new_unchecked(buffer: T) -> Self {
        Zip64Eocd { buffer }
    }

    /// A view whose fixed 56 bytes lie within `buffer` and whose signature is right.
    pub fn new_checked(buffer: T) -> Result<Self, ZipError> {
        let view = Self::new_unchecked(buffer);
        if view.buffer.as_ref().len() < ZIP64_HEADER_LEN {
            return Err(ZipError::Truncated {
                field: "zip64 end of central directory",
            });
        }
        if view.signature() != ZIP64_SIGNATURE {
            return Err(ZipError::BadEndOfCentralDirectory {
                field: "zip64 record signature",
            });
        }
        Ok(view)
    }

    pub fn signature(&self) -> u32 {
        le_u32(self.buffer.as_ref(), zip64_field::SIGNATURE)
    }

    /// Size of the record after this field (44 without extensible data).
    pub fn record_size(&self) -> u64 {
        le_u64(self.buffer.as_ref(), zip64_field::RECORD_SIZE)
    }

    pub fn version_made_by(&self) -> u16 {
        le_u16(self.buffer.as_ref(), zip64_field::VERSION_MADE_BY)
    }

    pub fn version_needed(&self) -> u16 {
        le_u16(self.buffer.as_ref(), zip64_field::VERSION_NEEDED)
    }

    pub fn disk(&self) -> u32 {
        le_u32(self.buffer.as_ref(), zip64_field::DISK)
    }

    pub fn cd_disk(&self) -> u32 {
        le_u32(self.buffer.as_ref(), zip64_field::CD_DISK)
    }

    pub fn disk_entries(&self) -> u64 {
        le_u64(self.buffer.as_ref(), zip64_field::DISK_ENTRIES)
    }

    pub fn total_entries(&self) -> u64 {
        le_u64(self.buffer.as_ref(), zip64_field::TOTAL_ENTRIES)
    }

    pub fn cd_size(&self) -> u64 {
        le_u64(self.buffer.as_ref(), zip64_field::CD_SIZE)
    }

    pub fn cd_offset(&self) -> u64 {
        le_u64(self.buffer.as_ref(), zip64_field::CD_OFFSET)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static RECORD: [u8; 24] = [
        0x50, 0x4b, 0x05, 0x06, // signature
        0x00, 0x00, 0x00, 0x00, // disks
        0x02, 0x00, 0x02, 0x00, // entries
        0x5c, 0x00, 0x00, 0x00, // cd size
        0x10, 0x01, 0x00, 0x00, // cd offset
        0x02, 0x00, b'h', b'i', // comment
    ];

    #[test]
    fn deconstruct() {
        let view = Eocd::new_checked(&RECORD[..]).unwrap();
        assert_eq!(view.signature(), SIGNATURE);
        assert_eq!((view.disk(), view.cd_disk()), (0, 0));
        assert_eq!((view.disk_entries(), view.total_entries()), (2, 2));
        assert_eq!(view.cd_size(), 0x5c);
        assert_eq!(view.cd_offset(), 0x110);
        assert_eq!(view.comment_len(), 2);
        assert_eq!(view.comment(), b"hi");
        assert!(!view.has_zip64_marker());
    }

    #[test]
    fn deconstruct_zip64() {
        let mut locator = std::vec::Vec::new();
        locator.extend_from_slice(&ZIP64_LOCATOR_SIGNATURE.to_le_bytes());
        locator.extend_from_slice(&0u32.to_le_bytes());
        locator.extend_from_slice(&0x1_2345_6789u64.to_le_bytes());
        locator.extend_from_slice(&1u32.to_le_bytes());
        let view = Zip64Locator::new_checked(&locator[..]).unwrap();
        assert_eq!(view.record_disk(), 0);
        assert_eq!(view.record_offset(), 0x1_2345_6789);
        assert_eq!(view.total_disks(), 1);
        assert!(matches!(
            Zip64Locator::new_checked(locator.get(..19).unwrap()),
            Err(ZipError::Truncated { .. })
        ));

        let mut record = std::vec::Vec::new();
        record.extend_from_slice(&ZIP64_SIGNATURE.to_le_bytes());
        record.extend_from_slice(&44u64.to_le_bytes());
        record.extend_from_slice(&[0x2d, 0x00, 0x2d, 0x00]);
        record.extend_from_slice(&[0; 8]);
        for value in [70_000u64, 70_001, 0x1_0000_0000, 0x2_0000_0000] {
            record.extend_from_slice(&value.to_le_bytes());
        }
        let view = Zip64Eocd::new_checked(&record[..]).unwrap();
        assert_eq!(view.record_size(), 44);
        assert_eq!((view.version_made_by(), view.version_needed()), (45, 45));
        assert_eq!((view.disk(), view.cd_disk()), (0, 0));
        assert_eq!(
            (view.disk_entries(), view.total_entries()),
            (70_000, 70_001)
        );
        assert_eq!(view.cd_size(), 0x1_0000_0000);
        assert_eq!(view.cd_offset(), 0x2_0000_0000);
        record.truncate(3);
        record.extend_from_slice(&[0; 53]);
        assert_eq!(
            Zip64Eocd::new_checked(&record[..]),
            Err(ZipError::BadEndOfCentralDirectory {
                field: "zip64 record signature"
            })
        );
        assert_eq!(
            Zip64Eocd::new_unchecked(record.get(..50).unwrap()).cd_offset(),
            0
        );
    }

    #[test]
    fn impossible_len() {
        assert_eq!(
            Eocd::new_checked(&RECORD[..21]),
            Err(ZipError::Truncated {
                field: "end of central directory"
            })
        );
        let short = Eocd::new_unchecked(&RECORD[..3]);
        assert_eq!((short.signature(), short.comment_len()), (0, 0));
        assert_eq!(short.comment(), b"");
    }

    #[test]
    fn search() {
        let mut bytes = std::vec![0u8; 7];
        bytes.extend_from_slice(&RECORD);
        assert_eq!(find(&bytes).map(|(pos, _)| pos), Ok(7));
        bytes.push(0);
        assert_eq!(find(&bytes), Err(ZipError::NoEndOfCentralDirectory));
        assert_eq!(find(&RECORD[..20]), Err(ZipError::NoEndOfCentralDirectory));
        assert_eq!(find(&[]), Err(ZipError::NoEndOfCentralDirectory));
    }
}
