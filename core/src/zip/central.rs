//! The central-directory file header (APPNOTE 4.3.12): the fixed 46 bytes, then the name,
//! extra field and comment, whose lengths the fixed part gives.
#![warn(clippy::indexing_slicing)]

use super::{le_u16, le_u32, ZipError};

/// `PK\x01\x02`.
pub const SIGNATURE: u32 = 0x0201_4b50;

mod field {
    use core::ops::Range;

    pub const SIGNATURE: Range<usize> = 0..4;
    pub const VERSION_MADE_BY: Range<usize> = 4..6;
    pub const VERSION_NEEDED: Range<usize> = 6..8;
    pub const FLAGS: Range<usize> = 8..10;
    pub const METHOD: Range<usize> = 10..12;
    pub const MTIME: Range<usize> = 12..14;
    pub const MDATE: Range<usize> = 14..16;
    pub const CRC32: Range<usize> = 16..20;
    pub const COMPRESSED_SIZE: Range<usize> = 20..24;
    pub const UNCOMPRESSED_SIZE: Range<usize> = 24..28;
    pub const NAME_LEN: Range<usize> = 28..30;
    pub const EXTRA_LEN: Range<usize> = 30..32;
    pub const COMMENT_LEN: Range<usize> = 32..34;
    pub const DISK_START: Range<usize> = 34..36;
    pub const INTERNAL_ATTRS: Range<usize> = 36..38;
    pub const EXTERNAL_ATTRS: Range<usize> = 38..42;
    pub const LOCAL_OFFSET: Range<usize> = 42..46;
}

/// Length of the fixed part of the header.
pub const HEADER_LEN: usize = field::LOCAL_OFFSET.end;

/// A view of the fixed part of a central-directory file header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CentralHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> CentralHeader<T> {
    /// A view without any check. Accessors of a view over too short a buffer read missing
    /// fields as zero; they never panic.
    pub const fn new_unchecked(buffer: T) -> Self {
        CentralHeader { buffer }
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
                field: "central header",
            });
        }
        if self.signature() != SIGNATURE {
            return Err(ZipError::BadCentralHeader { field: "signature" });
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

    pub fn version_made_by(&self) -> u16 {
        le_u16(self.buffer.as_ref(), field::VERSION_MADE_BY)
    }

    pub fn version_needed(&self) -> u16 {
        le_u16(self.buffer.as_ref(), field::VERSION_NEEDED)
    }

    /// General-purpose bit flags (see [`super::flags`]).
    pub fn flags(&self) -> u16 {
        le_u16(self.buffer.as_ref(), field::FLAGS)
    }

    /// Compression method (0 stored, 8 deflate).
    pub fn method(&self) -> u16 {
        le_u16(self.buffer.as_ref(), field::METHOD)
    }

    /// Modification time, MS-DOS format.
    pub fn mtime(&self) -> u16 {
        le_u16(self.buffer.as_ref(), field::MTIME)
    }

    /// Modification date, MS-DOS format.
    pub fn mdate(&self) -> u16 {
        le_u16(self.buffer.as_ref(), field::MDATE)
    }

    /// CRC-32 of the uncompressed data.
    pub fn crc32(&self) -> u32 {
        le_u32(self.buffer.as_ref(), field::CRC32)
    }

    pub fn compressed_size(&self) -> u32 {
        le_u32(self.buffer.as_ref(), field::COMPRESSED_SIZE)
    }

    pub fn uncompressed_size(&self) -> u32 {
        le_u32(self.buffer.as_ref(), field::UNCOMPRESSED_SIZE)
    }

    pub fn name_len(&self) -> u16 {
        le_u16(self.buffer.as_ref(), field::NAME_LEN)
    }

    pub fn extra_len(&self) -> u16 {
        le_u16(self.buffer.as_ref(), field::EXTRA_LEN)
    }

    pub fn comment_len(&self) -> u16 {
        le_u16(self.buffer.as_ref(), field::COMMENT_LEN)
    }

    /// Disk on which the entry's local header lies.
    pub fn disk_start(&self) -> u16 {
        le_u16(self.buffer.as_ref(), field::DISK_START)
    }

    pub fn internal_attrs(&self) -> u16 {
        le_u16(self.buffer.as_ref(), field::INTERNAL_ATTRS)
    }

    pub fn external_attrs(&self) -> u32 {
        le_u32(self.buffer.as_ref(), field::EXTERNAL_ATTRS)
    }

    /// Offset of the entry's local header from the start of the archive.
    pub fn local_offset(&self) -> u32 {
        le_u32(self.buffer.as_ref(), field::LOCAL_OFFSET)
    }

    /// Whether any field holds the value that means "see the zip64 extra field".
    pub fn has_zip64_marker(&self) -> bool {
        self.compressed_size() == u32::MAX
            || self.uncompressed_size() == u32::MAX
            || self.local_offset() == u32::MAX
            || self.disk_start() == u16::MAX
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static HEADER: [u8; 46] = [
        0x50, 0x4b, 0x01, 0x02, // signature
        0x14, 0x03, 0x14, 0x00, // versions
        0x08, 0x08, 0x08, 0x00, // flags, method
        0x21, 0x43, 0x65, 0x87, // time, date
        0x78, 0x56, 0x34, 0x12, // crc
        0x05, 0x00, 0x00, 0x00, // compressed
        0x07, 0x00, 0x00, 0x00, // uncompressed
        0x09, 0x00, 0x02, 0x00, // name, extra
        0x03, 0x00, 0x00, 0x00, // comment, disk
        0x01, 0x00, 0x00, 0x00, // internal, external attrs
        0xa4, 0x81, 0x40, 0x01, // external attrs, local offset
        0x00, 0x00,
    ];

    #[test]
    fn deconstruct() {
        let view = CentralHeader::new_checked(&HEADER[..]).unwrap();
        assert_eq!(view.version_made_by(), 0x0314);
        assert_eq!(view.version_needed(), 0x14);
        assert_eq!(view.flags(), 0x0808);
        assert_eq!(view.method(), 8);
        assert_eq!((view.mtime(), view.mdate()), (0x4321, 0x8765));
        assert_eq!(view.crc32(), 0x1234_5678);
        assert_eq!(view.compressed_size(), 5);
        assert_eq!(view.uncompressed_size(), 7);
        assert_eq!(
            (view.name_len(), view.extra_len(), view.comment_len()),
            (9, 2, 3)
        );
        assert_eq!(view.disk_start(), 0);
        assert_eq!(view.internal_attrs(), 1);
        assert_eq!(view.external_attrs(), 0x81a4_0000);
        assert_eq!(view.local_offset(), 0x140);
        assert!(!view.has_zip64_marker());
    }

    #[test]
    fn impossible_len() {
        assert!(matches!(
            CentralHeader::new_checked(&HEADER[..45]),
            Err(ZipError::Truncated { .. })
        ));
        let mut bad = HEADER;
        bad[3] = 0;
        assert_eq!(
            CentralHeader::new_checked(&bad[..]),
            Err(ZipError::BadCentralHeader { field: "signature" })
        );
        assert_eq!(
            CentralHeader::new_unchecked(&HEADER[..44]).local_offset(),
            0
        );
    }
}
