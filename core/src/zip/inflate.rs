//! Raw DEFLATE (no zlib header) into a caller-owned buffer of exactly the declared size,
//! through `miniz_oxide::inflate::core`, which allocates nothing.
#![warn(clippy::indexing_slicing)]

use miniz_oxide::inflate::core::{decompress, inflate_flags, DecompressorOxide};
use miniz_oxide::inflate::TINFLStatus;

use super::ZipError;

/// Inflates all of `input` into all of `out`.
///
/// `out` is the whole output (`TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF`), so the decompressor
/// can never write past its end: a stream that would produce more than `out.len()` bytes stops
/// with `HasMoreOutput` and is refused. Succeeds only if the stream ends, has produced exactly
/// `out.len()` bytes, and has used exactly all of `input`.
pub(crate) fn inflate_exact(
    inflater: &mut DecompressorOxide,
    input: &[u8],
    out: &mut [u8],
) -> Result<(), ZipError> {
    inflater.init();
    let flags = inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    let (status, consumed, written) = decompress(inflater, input, out, 0, flags);
    match status {
        TINFLStatus::Done if written != out.len() => Err(ZipError::SizeMismatch),
        TINFLStatus::Done if consumed != input.len() => Err(ZipError::Inflate(
            "compressed data continues after the end of the deflate stream",
        )),
        TINFLStatus::Done => Ok(()),
        // The output is full and the stream wants to write more: more data than declared.
        TINFLStatus::HasMoreOutput => Err(ZipError::SizeMismatch),
        TINFLStatus::FailedCannotMakeProgress | TINFLStatus::NeedsMoreInput => {
            Err(ZipError::Inflate("deflate stream is truncated"))
        }
        TINFLStatus::Failed => Err(ZipError::Inflate("deflate stream is invalid")),
        // Neither can occur without a zlib header or with a non-wrapping buffer.
        TINFLStatus::Adler32Mismatch | TINFLStatus::BadParam => {
            Err(ZipError::Inflate("decompressor rejected its parameters"))
        }
        // `BlockBoundary` exists when some crate in the build enables miniz_oxide's
        // `block-boundary` feature, and needs a flag this module does not set.
        #[allow(unreachable_patterns)]
        _ => Err(ZipError::Inflate("unexpected decompressor status")),
    }
}
