//! The local file header (APPNOTE 4.3.7): the fixed 30 bytes, then the name and extra field,
//! then the entry's data, then (with flag bit 3) a data descriptor.
#![warn(clippy::indexing_slicing)]

use super::{le_u16, le_u32, ZipError};

/// `PK\x03\x04`.
pub const SIGNATURE: u32 = 0x0403_4b50;

/// `PK\x07\x08`: the optional signature of a data descriptor.
pub const DATA_DESCRIPTOR_SIGNATURE: u32 = 0x0807_4b50;

mod field {
    use core::ops::Range;

    pub const SIGNATURE: Range<usize> = 0..4;
    pub const VERSION_NEEDED: Range<usize> = 4..6;
    pub const FLAGS: Range<usize> = 6..8;
    pub const METHOD: Range<usize> = 8..10;
    pub const MTIME: Range<usize> = 10..12;
    pub const MDATE: Range<usize> = 12..14;
    pub const CRC32: Range<usize> = 14..18;
    pub const COMPRESSED_SIZE: Range<usize> = 18..22;
    pub const UNCOMPRESSED_SIZE: Range<usize> = 22..26;
    pub const NAME_LEN: Range<usize> = 26..28;
    pub const EXTRA_LEN: Range<usize> = 28..30;
}

/// Length of the fixed part of the header.
pub const HEADER_LEN: usize = field::EXTRA_LEN.end;

/// A view of the fixed part of a local file header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> LocalHeader<T> {
    /// A view without any check. Accessors of a view over too short a buffer read missing
    /// fields as zero; they never panic.
    pub const fn new_unchecked(buffer: T) -> Self {
        LocalHeader { buffer }
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
                field: "local header",
            });
        }
        if self.signature() != SIGNATURE {
            return Err(ZipError::BadLocalHeader { field: "signature" });
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

    pub fn version_needed(&self) -> u16 {
        le_u16(self.buffer.as_ref(), field::VERSION_NEEDED)
    }

    /// General-purpose bit flags (see [`super::flags`]).
    pub fn flags(&self) -> u16 {
        le_u16(self.buffer.as_ref(), field::FLAGS)
    }

    pub fn method(&self) -> u16 {
        le_u16(self.buffer.as_ref(), field::METHOD)
    }

    pub fn mtime(&self) -> u16 {
        le_u16(self.buffer.as_ref(), field::MTIME)
    }

    pub fn mdate(&self) -> u16 {
        le_u16(self.buffer.as_ref(), field::MDATE)
    }

    /// CRC-32; zero when flag bit 3 defers it to the data descriptor.
    pub fn crc32(&self) -> u32 {
        le_u32(self.buffer.as_ref(), field::CRC32)
    }

    /// Compressed size; zero when flag bit 3 defers it to the data descriptor.
    pub fn compressed_size(&self) -> u32 {
        le_u32(self.buffer.as_ref(), field::COMPRESSED_SIZE)
    }

    /// Uncompressed size; zero when flag bit 3 defers it to the data descriptor.
    pub fn uncompressed_size(&self) -> u32 {
        le_u32(self.buffer.as_ref(), field::UNCOMPRESSED_SIZE)
    }

    pub fn name_len(&self) -> u16 {
        le_u16(self.buffer.as_ref(), field::NAME_LEN)
    }

    pub fn extra_len(&self) -> u16 {
        le_u16(self.buffer.as_ref(), field::EXTRA_LEN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static HEADER: [u8; 30] = [
        0x50, 0x4b, 0x03, 0x04, // signature
        0x14, 0x00, 0x08, 0x08, // version, flags
        0x08, 0x00, 0x21, 0x43, // method, time
        0x65, 0x87, 0x00, 0x00, // date, crc
        0x00, 0x00, 0x00, 0x00, // crc, compressed
        0x00, 0x00, 0x00, 0x00, // compressed, uncompressed
        0x00, 0x00, 0x09, 0x00, // uncompressed, name
        0x04, 0x00, // extra
    ];

    #[test]
    fn deconstruct() {
        let view = LocalHeader::new_checked(&HEADER[..]).unwrap();
        assert_eq!(view.version_needed(), 0x14);
        assert_eq!(view.flags(), 0x0808);
        assert_eq!(view.method(), 8);
        assert_eq!((view.mtime(), view.mdate()), (0x4321, 0x8765));
        assert_eq!(view.crc32(), 0);
        assert_eq!((view.compressed_size(), view.uncompressed_size()), (0, 0));
        assert_eq!((view.name_len(), view.extra_len()), (9, 4));
    }

    #[test]
    fn impossible_len() {
        assert!(matches!(
            LocalHeader::new_checked(&HEADER[..29]),
            Err(ZipError::Truncated { .. })
        ));
        let mut bad = HEADER;
        bad[0] = 0;
        assert_eq!(
            LocalHeader::new_checked(&bad[..]),
            Err(ZipError::BadLocalHeader { field: "signature" })
        );
    }
}
