//! Tests of the zip reader: archives from real writers, archives built here, and hostile
//! archives made by patching valid ones.
#![allow(clippy::indexing_slicing)]

use std::format;
use std::string::String;
use std::vec;
use std::vec::Vec;

use miniz_oxide::inflate::core::DecompressorOxide;

use super::*;

static JAVA_ZIP: &[u8] = include_bytes!("testdata/java.zip");
static PYTHON_ZIP: &[u8] = include_bytes!("testdata/python.zip");
static PYTHON_STREAMED_ZIP: &[u8] = include_bytes!("testdata/python_streamed.zip");
static INFOZIP_STREAMED_ZIP: &[u8] = include_bytes!("testdata/infozip_streamed.zip");
static INFOZIP_ZIP64_ZIP: &[u8] = include_bytes!("testdata/infozip_zip64.zip");
static PYTHON_ZIP64_ZIP: &[u8] = include_bytes!("testdata/python_zip64.zip");

// ---------------------------------------------------------------------------------------------
// A tiny zip writer.

/// One entry to write.
#[derive(Clone)]
struct Spec {
    name: Vec<u8>,
    data: Vec<u8>,
    method: u16,
    /// Java-style: flag bit 3, zeros in the local CRC and sizes, a data descriptor after the
    /// data (with its signature).
    descriptor: bool,
    /// Compressed bytes to write instead of compressing `data`.
    raw: Option<Vec<u8>>,
}

impl Spec {
    fn stored(name: &[u8], data: &[u8]) -> Self {
        Spec {
            name: name.to_vec(),
            data: data.to_vec(),
            method: METHOD_STORED,
            descriptor: false,
            raw: None,
        }
    }

    fn deflated(name: &[u8], data: &[u8]) -> Self {
        Spec {
            method: METHOD_DEFLATED,
            ..Spec::stored(name, data)
        }
    }

    fn descriptor(mut self) -> Self {
        self.descriptor = true;
        self
    }

    fn raw(mut self, raw: Vec<u8>) -> Self {
        self.raw = Some(raw);
        self
    }
}

/// A written archive and where its records are, for patching.
struct Built {
    bytes: Vec<u8>,
    local: Vec<usize>,
    central: Vec<usize>,
    eocd: usize,
}

mod at {
    //! Field offsets for patching, relative to the start of each record.
    pub const L_FLAGS: usize = 6;
    pub const L_METHOD: usize = 8;
    pub const L_CRC: usize = 14;
    pub const L_CSIZE: usize = 18;
    pub const L_SIZE: usize = 22;
    pub const L_NAME: usize = 30;
    pub const C_FLAGS: usize = 8;
    pub const C_METHOD: usize = 10;
    pub const C_CRC: usize = 16;
    pub const C_CSIZE: usize = 20;
    pub const C_SIZE: usize = 24;
    pub const C_DISK: usize = 34;
    pub const C_OFFSET: usize = 42;
    pub const C_NAME: usize = 46;
    pub const E_DISK: usize = 4;
    pub const E_CD_DISK: usize = 6;
    pub const E_DISK_ENTRIES: usize = 8;
    pub const E_ENTRIES: usize = 10;
    pub const E_CD_SIZE: usize = 12;
    pub const E_CD_OFFSET: usize = 16;
    pub const E_COMMENT_LEN: usize = 20;
}

fn u16le(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn u32le(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put16(bytes: &mut [u8], at: usize, v: u16) {
    bytes[at..at + 2].copy_from_slice(&v.to_le_bytes());
}

fn put32(bytes: &mut [u8], at: usize, v: u32) {
    bytes[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

fn get32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

fn len32(n: usize) -> u32 {
    u32::try_from(n).unwrap()
}

fn len16(n: usize) -> u16 {
    u16::try_from(n).unwrap()
}

fn build(specs: &[Spec], comment: &[u8]) -> Built {
    let mut bytes = Vec::new();
    let mut local = Vec::new();
    let mut centrals = Vec::new();
    for spec in specs {
        let compressed = match (&spec.raw, spec.method) {
            (Some(raw), _) => raw.clone(),
            (None, METHOD_DEFLATED) => miniz_oxide::deflate::compress_to_vec(&spec.data, 6),
            (None, _) => spec.data.clone(),
        };
        let crc = crc32::checksum(&spec.data);
        let flags = flags::UTF8
            | if spec.descriptor {
                flags::DATA_DESCRIPTOR
            } else {
                0
            };
        let (csize, size) = (len32(compressed.len()), len32(spec.data.len()));
        let offset = bytes.len();
        local.push(offset);
        u32le(&mut bytes, local::SIGNATURE);
        u16le(&mut bytes, 20);
        u16le(&mut bytes, flags);
        u16le(&mut bytes, spec.method);
        u16le(&mut bytes, 0); // time
        u16le(&mut bytes, 0x21); // date: 1980-01-01
        if spec.descriptor {
            bytes.extend_from_slice(&[0; 12]);
        } else {
            u32le(&mut bytes, crc);
            u32le(&mut bytes, csize);
            u32le(&mut bytes, size);
        }
        u16le(&mut bytes, len16(spec.name.len()));
        u16le(&mut bytes, 0);
        bytes.extend_from_slice(&spec.name);
        bytes.extend_from_slice(&compressed);
        if spec.descriptor {
            u32le(&mut bytes, local::DATA_DESCRIPTOR_SIGNATURE);
            u32le(&mut bytes, crc);
            u32le(&mut bytes, csize);
            u32le(&mut bytes, size);
        }
        let mut c = Vec::new();
        u32le(&mut c, central::SIGNATURE);
        u16le(&mut c, 20);
        u16le(&mut c, 20);
        u16le(&mut c, flags);
        u16le(&mut c, spec.method);
        u16le(&mut c, 0);
        u16le(&mut c, 0x21);
        u32le(&mut c, crc);
        u32le(&mut c, csize);
        u32le(&mut c, size);
        u16le(&mut c, len16(spec.name.len()));
        u16le(&mut c, 0); // extra
        u16le(&mut c, 0); // comment
        u16le(&mut c, 0); // disk
        u16le(&mut c, 0); // internal attributes
        u32le(&mut c, 0); // external attributes
        u32le(&mut c, len32(offset));
        c.extend_from_slice(&spec.name);
        centrals.push(c);
    }
    let cd_offset = bytes.len();
    let mut central = Vec::new();
    for c in &centrals {
        central.push(bytes.len());
        bytes.extend_from_slice(c);
    }
    let eocd = bytes.len();
    u32le(&mut bytes, eocd::SIGNATURE);
    u16le(&mut bytes, 0);
    u16le(&mut bytes, 0);
    u16le(&mut bytes, len16(specs.len()));
    u16le(&mut bytes, len16(specs.len()));
    u32le(&mut bytes, len32(eocd - cd_offset));
    u32le(&mut bytes, len32(cd_offset));
    u16le(&mut bytes, len16(comment.len()));
    bytes.extend_from_slice(comment);
    Built {
        bytes,
        local,
        central,
        eocd,
    }
}

/// Pseudo-random bytes that compress a little (values 0..16).
fn noise(n: usize, seed: u32) -> Vec<u8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (x >> 28) as u8
        })
        .collect()
}

const MODEL_INI: &[u8] =
    b"[info]\nalgo = gbm\nn_trees = 2\n\n[columns]\nx\ny\n\n[domains]\n1: 2 d000.txt\n";

fn sample_specs() -> Vec<Spec> {
    vec![
        Spec::deflated(b"model.ini", MODEL_INI),
        Spec::stored(b"domains/d000.txt", b"NO\nYES\n"),
        Spec::deflated(b"trees/t00_000.bin", &noise(3000, 7)).descriptor(),
        Spec::stored(b"experimental/", b""),
    ]
}

fn sample() -> Built {
    build(&sample_specs(), b"")
}

/// Names and contents of every entry.
type Contents = Vec<(Vec<u8>, Vec<u8>)>;

/// Reads every entry of `bytes`, returning the first error.
fn read_all(bytes: &[u8]) -> Result<Contents, ZipError> {
    let archive = Archive::new(bytes)?;
    let mut out = vec![0u8; archive.largest_entry()];
    let mut all = Vec::new();
    for entry in archive.entries() {
        let data = entry.read_into(&mut out)?;
        all.push((entry.name().to_vec(), data.to_vec()));
    }
    Ok(all)
}

fn new_err(bytes: &[u8]) -> ZipError {
    Archive::new(bytes).unwrap_err()
}

fn read_err(bytes: &[u8], name: &[u8]) -> ZipError {
    let archive = Archive::new(bytes).unwrap();
    let entry = archive.find(name).unwrap();
    let mut out = vec![0u8; entry.size()];
    entry.read_into(&mut out).unwrap_err()
}

// ---------------------------------------------------------------------------------------------
// Valid archives.

#[test]
fn roundtrip() {
    let specs = sample_specs();
    let built = sample();
    let archive = Archive::new(&built.bytes).unwrap();
    assert_eq!(archive.len(), 4);
    assert!(!archive.is_empty());
    assert_eq!(archive.largest_entry(), 3000);
    assert_eq!(archive.entries().len(), 4);
    let mut out = vec![0u8; archive.largest_entry()];
    for (entry, spec) in archive.entries().zip(&specs) {
        assert_eq!(entry.name(), &spec.name[..]);
        assert_eq!(entry.size(), spec.data.len());
        assert_eq!(entry.is_dir(), spec.name.ends_with(b"/"));
        assert_eq!(entry.read_into(&mut out).unwrap(), &spec.data[..]);
        let found = archive.find(&spec.name).unwrap();
        assert_eq!(found.name(), entry.name());
        assert_eq!(found.read_into(&mut out).unwrap(), &spec.data[..]);
    }
    assert!(archive.find(b"model.in").is_none());
    assert!(archive.find(b"").is_none());
    assert_eq!(archive.find(b"model.ini").unwrap().name_str(), "model.ini");
}

#[test]
fn find_near_finds_what_find_finds_from_anywhere() {
    let built = sample();
    let archive = Archive::new(&built.bytes).unwrap();
    let names: Vec<Vec<u8>> = archive.entries().map(|e| e.name().to_vec()).collect();
    let offset = |e: Option<Entry<'_>>| e.map(|e| e.data_offset());
    // In archive order, in reverse (each a wrap around), and from every start.
    let mut orders: Vec<Vec<usize>> = vec![(0..4).collect(), (0..4).rev().collect()];
    orders.extend((0..4).map(|first| (0..4).map(|i| (first + i) % 4).collect()));
    for order in orders {
        let mut cursor = Cursor::default();
        for &i in &order {
            let found = archive.find_near(&names[i], &mut cursor);
            assert_eq!(offset(found), offset(archive.find(&names[i])), "{order:?}");
        }
    }
    // A name not there leaves the cursor where it was.
    let mut cursor = Cursor::default();
    archive.find_near(&names[1], &mut cursor).unwrap();
    let before = cursor;
    assert!(archive
        .find_near(b"trees/t00_001.bin", &mut cursor)
        .is_none());
    assert_eq!(cursor, before);
}

#[test]
fn read_into_with_reuses_the_decompressor() {
    let built = sample();
    let archive = Archive::new(&built.bytes).unwrap();
    let mut inflater = DecompressorOxide::new();
    let mut out = vec![0u8; 4096];
    for _ in 0..2 {
        for entry in archive.entries() {
            let data = entry.read_into_with(&mut inflater, &mut out).unwrap();
            assert_eq!(data.len(), entry.size());
        }
    }
    // A failed read leaves the decompressor in a state the next call resets.
    let bomb = build(&[Spec::deflated(b"a", &[0; 5000]).descriptor()], b"");
    let mut bytes = bomb.bytes.clone();
    put32(&mut bytes, bomb.central[0] + at::C_SIZE, 10);
    let entry = Archive::new(&bytes).unwrap().find(b"a").unwrap();
    assert_eq!(
        entry.read_into_with(&mut inflater, &mut out),
        Err(ZipError::SizeMismatch)
    );
    let model = archive.find(b"model.ini").unwrap();
    assert_eq!(model.read_into_with(&mut inflater, &mut out), Ok(MODEL_INI));
}

#[test]
fn java_zip_output_stream() {
    let archive = Archive::new(JAVA_ZIP).unwrap();
    let names: Vec<&str> = archive.entries().map(|e| e.name_str()).collect();
    assert_eq!(
        names,
        [
            "model.ini",
            "domains/d000.txt",
            "experimental/",
            "trees/t00_000.bin",
            "trees/t00_001.bin",
            "experimental/modelDetails.json",
            "stored.txt",
            "unicode/été.txt",
        ]
    );
    let mut details = String::new();
    for i in 0..8000 {
        details.push_str(&format!("{}", i * 7919 % 10007));
        details.push(if i % 3 == 0 { '\n' } else { ',' });
    }
    assert_eq!(archive.largest_entry(), details.len());
    let all = read_all(JAVA_ZIP).unwrap();
    let get = |name: &str| &all.iter().find(|(n, _)| n == name.as_bytes()).unwrap().1;
    assert_eq!(
        get("model.ini"),
        b"[info]\nh2o_version = 3.46.0.9\nmojo_version = 1.40\nalgo = gbm\nn_trees = 2\n\n\
          [columns]\nx\ny\n\n[domains]\n1: 2 d000.txt\n"
    );
    assert_eq!(get("domains/d000.txt"), b"NO\nYES\n");
    assert_eq!(get("experimental/modelDetails.json"), details.as_bytes());
    assert_eq!(get("stored.txt"), b"stored entry, written with STORED\n");
    assert_eq!(get("unicode/été.txt"), "été\n".as_bytes());
    assert_eq!(get("trees/t00_000.bin").len(), 3000);
    assert!(get("trees/t00_001.bin").is_empty());
    assert!(archive.find(b"experimental/").unwrap().is_dir());
}

#[test]
fn python_and_infozip() {
    let archive = Archive::new(PYTHON_ZIP).unwrap();
    assert_eq!(archive.len(), 4);
    let all = read_all(PYTHON_ZIP).unwrap();
    assert_eq!(all[0].1, b"[info]\nalgo = glm\n".repeat(20));
    assert_eq!(all[1].1, (0..=255).collect::<Vec<u8>>());
    assert_eq!((&all[2].0[..], &all[2].1[..]), (&b"empty"[..], &b""[..]));
    assert_eq!(&all[3].0[..], b"dir/");

    let all = read_all(PYTHON_STREAMED_ZIP).unwrap();
    assert_eq!(all[0].1, b"hello hello hello\n".repeat(10));
    assert_eq!(all[1].1, b"\x00\x01\x02".repeat(5));
    assert_eq!(all[2].1, b"");

    let all = read_all(INFOZIP_STREAMED_ZIP).unwrap();
    let names: Vec<&[u8]> = all.iter().map(|(n, _)| &n[..]).collect();
    assert_eq!(names, [&b"model.ini"[..], b"trees/", b"trees/t00_000.bin"]);
    assert_eq!(all[0].1, b"[info]\nalgo = drf\n");
    assert_eq!(all[2].1, [b'x'; 2000]);
}

#[test]
fn empty_archive() {
    for comment in [&b""[..], b"nothing here"] {
        let built = build(&[], comment);
        let archive = Archive::new(&built.bytes).unwrap();
        assert_eq!((archive.len(), archive.largest_entry()), (0, 0));
        assert!(archive.is_empty());
        assert!(archive.entries().next().is_none());
        assert!(archive.find(b"model.ini").is_none());
    }
}

#[test]
fn zero_sized_entries() {
    let built = build(
        &[
            Spec::stored(b"s", b""),
            Spec::deflated(b"d", b""),
            Spec::deflated(b"dd", b"").descriptor(),
        ],
        b"",
    );
    let archive = Archive::new(&built.bytes).unwrap();
    for entry in archive.entries() {
        assert_eq!(entry.read_into(&mut []), Ok(&b""[..]));
    }
}

#[test]
fn archive_comment() {
    let specs = sample_specs();
    // An ordinary comment.
    let built = build(&specs, b"a comment");
    assert!(read_all(&built.bytes).is_ok());
    // A comment holding a fake record: the search skips it (its comment length is wrong).
    let mut fake = Vec::from(&b"PK\x05\x06"[..]);
    fake.extend_from_slice(&[0xff; 30]);
    let built = build(&specs, &fake);
    assert_eq!(Archive::new(&built.bytes).unwrap().len(), 4);
    // The longest comment there is.
    let built = build(&specs, &vec![b'c'; eocd::MAX_COMMENT_LEN]);
    assert_eq!(Archive::new(&built.bytes).unwrap().len(), 4);
    // A comment length one too long or too short, or bytes after the comment.
    let built = build(&specs, b"a comment");
    let mut bytes = built.bytes.clone();
    put16(&mut bytes, built.eocd + at::E_COMMENT_LEN, 10);
    assert_eq!(new_err(&bytes), ZipError::NoEndOfCentralDirectory);
    put16(&mut bytes, built.eocd + at::E_COMMENT_LEN, 8);
    assert_eq!(new_err(&bytes), ZipError::NoEndOfCentralDirectory);
    let mut bytes = build(&specs, b"").bytes;
    bytes.push(0);
    assert_eq!(new_err(&bytes), ZipError::NoEndOfCentralDirectory);
    // The record more than 65,535 bytes before the end is not searched for.
    let mut bytes = build(&specs, b"").bytes;
    bytes.extend_from_slice(&vec![0; eocd::MAX_COMMENT_LEN + 1]);
    assert_eq!(new_err(&bytes), ZipError::NoEndOfCentralDirectory);
}

// ---------------------------------------------------------------------------------------------
// Hostile archives.

#[test]
fn truncated_at_every_length() {
    for bytes in [&sample().bytes[..], JAVA_ZIP, PYTHON_STREAMED_ZIP] {
        // Every length of the small archives; of the 22 KB one, the directory region and a
        // stride through the data (each attempt searches up to 64 KiB for the record).
        let lens = (0..bytes.len())
            .filter(|&len| bytes.len() < 4096 || len % 61 == 0 || len + 1024 > bytes.len());
        for len in lens {
            assert!(read_all(&bytes[..len]).is_err(), "prefix of {len} bytes");
            // Dropping the front breaks every offset; it must fail cleanly too.
            assert!(read_all(&bytes[len + 1..]).is_err(), "suffix from {len}");
        }
        assert!(read_all(bytes).is_ok());
    }
}

#[test]
fn bad_crc() {
    let built = sample();
    for (i, name) in [(0, &b"model.ini"[..]), (1, b"domains/d000.txt")] {
        let mut bytes = built.bytes.clone();
        let crc = get32(&bytes, built.central[i] + at::C_CRC) ^ 1;
        put32(&mut bytes, built.central[i] + at::C_CRC, crc);
        // Without a data descriptor the local header has the CRC too, and must agree.
        assert_eq!(
            new_err(&bytes),
            ZipError::BadLocalHeader {
                field: "crc32 or sizes"
            }
        );
        put32(&mut bytes, built.local[i] + at::L_CRC, crc);
        assert_eq!(read_err(&bytes, name), ZipError::CrcMismatch);
    }
    // With a data descriptor only the central directory counts.
    let mut bytes = built.bytes.clone();
    let crc = get32(&bytes, built.central[2] + at::C_CRC) ^ 0x8000_0000;
    put32(&mut bytes, built.central[2] + at::C_CRC, crc);
    assert_eq!(
        read_err(&bytes, b"trees/t00_000.bin"),
        ZipError::CrcMismatch
    );
    // Corrupt stored data.
    let mut bytes = built.bytes.clone();
    bytes[built.local[1] + at::L_NAME + "domains/d000.txt".len()] ^= 1;
    assert_eq!(read_err(&bytes, b"domains/d000.txt"), ZipError::CrcMismatch);
}

#[test]
fn inflate_bomb() {
    // 1 MiB of zeros deflates to about a kilobyte; the directory says 100 bytes.
    let built = build(
        &[Spec::deflated(b"bomb", &vec![0; 1 << 20]).descriptor()],
        b"",
    );
    let mut bytes = built.bytes.clone();
    put32(&mut bytes, built.central[0] + at::C_SIZE, 100);
    let archive = Archive::new(&bytes).unwrap();
    assert_eq!(archive.largest_entry(), 100);
    let entry = archive.find(b"bomb").unwrap();
    let mut out = vec![0xAA; 4096];
    assert_eq!(entry.read_into(&mut out), Err(ZipError::SizeMismatch));
    assert!(out[100..].iter().all(|&b| b == 0xAA), "wrote past size()");
    let mut exact = [0u8; 100];
    assert_eq!(entry.read_into(&mut exact), Err(ZipError::SizeMismatch));
    // The same with the local header declaring the small size too (no data descriptor).
    let built = build(&[Spec::deflated(b"bomb", &vec![0; 1 << 20])], b"");
    let mut bytes = built.bytes.clone();
    put32(&mut bytes, built.central[0] + at::C_SIZE, 100);
    put32(&mut bytes, built.local[0] + at::L_SIZE, 100);
    assert_eq!(read_err(&bytes, b"bomb"), ZipError::SizeMismatch);
}

#[test]
fn declared_size_wrong() {
    let data = noise(100, 3);
    let built = build(&[Spec::deflated(b"d", &data).descriptor()], b"");
    for size in [0, 1, 99, 101, 200, 1 << 20] {
        let mut bytes = built.bytes.clone();
        put32(&mut bytes, built.central[0] + at::C_SIZE, size);
        assert_eq!(read_err(&bytes, b"d"), ZipError::SizeMismatch, "{size}");
    }
    // A stored entry whose sizes differ.
    let built = sample();
    let mut bytes = built.bytes.clone();
    put32(&mut bytes, built.central[1] + at::C_SIZE, 8);
    assert_eq!(new_err(&bytes), ZipError::SizeMismatch);
    // A stored entry whose data would run into the next entry, or into the central directory.
    for (i, want) in [
        (1, ZipError::OverlappingEntries),
        (
            3,
            ZipError::Truncated {
                field: "entry data",
            },
        ),
    ] {
        let mut bytes = built.bytes.clone();
        let size = get32(&bytes, built.central[i] + at::C_SIZE) + 1;
        for at in [
            built.central[i] + at::C_SIZE,
            built.central[i] + at::C_CSIZE,
            built.local[i] + at::L_SIZE,
            built.local[i] + at::L_CSIZE,
        ] {
            put32(&mut bytes, at, size);
        }
        assert_eq!(new_err(&bytes), want);
    }
}

#[test]
fn bad_deflate_streams() {
    let data = noise(1000, 5);
    let deflated = miniz_oxide::deflate::compress_to_vec(&data, 6);
    let cases = [
        // Truncated stream.
        (
            deflated[..deflated.len() - 1].to_vec(),
            ZipError::Inflate("deflate stream is truncated"),
        ),
        // Bytes after the end of the stream.
        (
            [&deflated[..], &[0u8]].concat(),
            ZipError::Inflate("compressed data continues after the end of the deflate stream"),
        ),
        // Block type 3 is reserved.
        (
            vec![0xff; 16],
            ZipError::Inflate("deflate stream is invalid"),
        ),
        // No data at all.
        (vec![], ZipError::Inflate("deflate stream is truncated")),
    ];
    for (raw, want) in cases {
        let built = build(&[Spec::deflated(b"d", &data).descriptor().raw(raw)], b"");
        assert_eq!(read_err(&built.bytes, b"d"), want);
    }
    // A compressed size that takes in the data descriptor.
    let built = build(&[Spec::deflated(b"d", &data).descriptor()], b"");
    let mut bytes = built.bytes.clone();
    let csize = get32(&bytes, built.central[0] + at::C_CSIZE);
    put32(&mut bytes, built.central[0] + at::C_CSIZE, csize + 16);
    assert_eq!(
        read_err(&bytes, b"d"),
        ZipError::Inflate("compressed data continues after the end of the deflate stream")
    );
}

#[test]
fn buffer_too_small() {
    let built = sample();
    let archive = Archive::new(&built.bytes).unwrap();
    let entry = archive.find(b"trees/t00_000.bin").unwrap();
    let mut out = vec![0u8; 2999];
    assert_eq!(entry.read_into(&mut out), Err(ZipError::BufferTooSmall));
    let mut out = vec![0u8; 5000];
    assert_eq!(entry.read_into(&mut out).unwrap().len(), 3000);
}

#[test]
fn overlapping_entries() {
    let built = build(
        &[Spec::stored(b"a", b"same"), Spec::stored(b"b", b"same")],
        b"",
    );
    // Two central entries pointing at one local header.
    let mut bytes = built.bytes.clone();
    bytes[built.central[1] + at::C_NAME] = b'a';
    put32(&mut bytes, built.central[1] + at::C_OFFSET, 0);
    assert_eq!(new_err(&bytes), ZipError::OverlappingEntries);
    // A local header inside the previous entry's data.
    let inner = build(
        &[
            Spec::stored(b"outer", &build(&[Spec::stored(b"x", b"x")], b"").bytes),
            Spec::stored(b"x", b"x"),
        ],
        b"",
    );
    let mut bytes = inner.bytes.clone();
    let nested = len32(inner.local[0] + at::L_NAME + "outer".len());
    put32(&mut bytes, inner.central[1] + at::C_OFFSET, nested);
    assert_eq!(read_all(&inner.bytes).map(|all| all.len()), Ok(2));
    assert_eq!(new_err(&bytes), ZipError::OverlappingEntries);
    // Entries listed out of offset order.
    let built = sample();
    let mut bytes = built.bytes.clone();
    let cd = built.central[0];
    let mut records: Vec<&[u8]> = Vec::new();
    for (i, &start) in built.central.iter().enumerate() {
        let end = built.central.get(i + 1).copied().unwrap_or(built.eocd);
        records.push(&built.bytes[start..end]);
    }
    records.reverse();
    bytes[cd..built.eocd].copy_from_slice(&records.concat());
    assert_eq!(new_err(&bytes), ZipError::OverlappingEntries);
}

#[test]
fn duplicate_names() {
    let built = build(&[Spec::stored(b"a", b"1"), Spec::stored(b"a", b"2")], b"");
    assert_eq!(new_err(&built.bytes), ZipError::DuplicateName);
    // Non-adjacent duplicates are not detected; `find` returns the first, `find_near` the
    // first at or after its cursor.
    let built = build(
        &[
            Spec::stored(b"a", b"1"),
            Spec::stored(b"b", b"-"),
            Spec::stored(b"a", b"2"),
        ],
        b"",
    );
    let archive = Archive::new(&built.bytes).unwrap();
    let mut out = [0u8; 1];
    assert_eq!(
        archive.find(b"a").unwrap().read_into(&mut out),
        Ok(&b"1"[..])
    );
    let mut cursor = Cursor::default();
    let mut near = |name: &[u8], cursor: &mut Cursor| {
        let entry = archive.find_near(name, cursor).unwrap();
        entry.read_into(&mut out).unwrap().to_vec()
    };
    assert_eq!(near(b"a", &mut cursor), b"1");
    assert_eq!(near(b"a", &mut cursor), b"2");
    assert_eq!(near(b"a", &mut cursor), b"1");
    near(b"b", &mut cursor);
    assert_eq!(near(b"a", &mut cursor), b"2");
}

#[test]
fn absurd_sizes() {
    let built = build(
        &[
            Spec::deflated(b"a", b"abc").descriptor(),
            Spec::stored(b"b", b""),
        ],
        b"",
    );
    for size in [u32::MAX - 1, len32(MAX_ENTRY_SIZE) + 1] {
        let mut bytes = built.bytes.clone();
        put32(&mut bytes, built.central[0] + at::C_SIZE, size);
        assert_eq!(new_err(&bytes), ZipError::EntryTooLarge);
    }
    // The largest allowed size opens; reading needs a buffer that large.
    let mut bytes = built.bytes.clone();
    put32(
        &mut bytes,
        built.central[0] + at::C_SIZE,
        len32(MAX_ENTRY_SIZE),
    );
    let archive = Archive::new(&bytes).unwrap();
    assert_eq!(archive.largest_entry(), MAX_ENTRY_SIZE);
    let mut out = [0u8; 16];
    let entry = archive.find(b"a").unwrap();
    assert_eq!(entry.read_into(&mut out), Err(ZipError::BufferTooSmall));
    // Many large entries.
    let n = MAX_TOTAL_INFLATED / MAX_ENTRY_SIZE + 1;
    let specs: Vec<Spec> = (0..n)
        .map(|i| Spec::deflated(format!("e{i}").as_bytes(), b"x").descriptor())
        .collect();
    let built = build(&specs, b"");
    let mut bytes = built.bytes.clone();
    for &c in &built.central {
        put32(&mut bytes, c + at::C_SIZE, len32(MAX_ENTRY_SIZE));
    }
    assert_eq!(new_err(&bytes), ZipError::TotalTooLarge);
}

#[test]
fn bad_end_of_central_directory() {
    let built = sample();
    let patch16 = |at: usize, v: u16| {
        let mut bytes = built.bytes.clone();
        put16(&mut bytes, built.eocd + at, v);
        new_err(&bytes)
    };
    let patch32 = |at: usize, v: u32| {
        let mut bytes = built.bytes.clone();
        put32(&mut bytes, built.eocd + at, v);
        new_err(&bytes)
    };
    let bad = |field| ZipError::BadEndOfCentralDirectory { field };
    // An entry count far beyond what the central directory holds.
    for count in [5, 1000, 65_000] {
        let mut bytes = built.bytes.clone();
        put16(&mut bytes, built.eocd + at::E_ENTRIES, count);
        put16(&mut bytes, built.eocd + at::E_DISK_ENTRIES, count);
        let err = new_err(&bytes);
        assert!(
            err == bad("total entries") || matches!(err, ZipError::Truncated { .. }),
            "{count}: {err:?}"
        );
    }
    // Fewer entries than the central directory holds.
    let mut bytes = built.bytes.clone();
    put16(&mut bytes, built.eocd + at::E_ENTRIES, 3);
    put16(&mut bytes, built.eocd + at::E_DISK_ENTRIES, 3);
    assert_eq!(new_err(&bytes), bad("central directory size"));
    assert_eq!(patch16(at::E_ENTRIES, 3), bad("entries on this disk"));
    let cd_size = get32(&built.bytes, built.eocd + at::E_CD_SIZE);
    let cd_offset = get32(&built.bytes, built.eocd + at::E_CD_OFFSET);
    assert_eq!(
        patch32(at::E_CD_SIZE, cd_size + 1),
        bad("central directory bounds")
    );
    assert_eq!(
        patch32(at::E_CD_SIZE, cd_size - 1),
        ZipError::Truncated {
            field: "central header name"
        }
    );
    assert_eq!(
        patch32(at::E_CD_OFFSET, cd_offset + 1),
        bad("central directory bounds")
    );
    assert_eq!(
        patch32(at::E_CD_OFFSET, cd_offset - 1),
        ZipError::BadCentralHeader { field: "signature" }
    );
    assert_eq!(
        patch32(at::E_CD_OFFSET, u32::MAX - 1),
        bad("central directory bounds")
    );
    assert_eq!(patch16(at::E_DISK, 1), ZipError::MultiDiskUnsupported);
    assert_eq!(patch16(at::E_CD_DISK, 1), ZipError::MultiDiskUnsupported);
}

/// `built` as Java's `ZipOutputStream` writes an archive of 65,535 entries or more: the end
/// record's counts `0xFFFF`, and before it a zip64 record with the real ones and a locator
/// pointing at it. Returns the bytes and the zip64 record's and the locator's offsets.
fn as_java_zip64(built: &Built) -> (Vec<u8>, usize, usize) {
    let count = u64::try_from(built.central.len()).unwrap();
    let cd_offset = u64::try_from(built.central.first().copied().unwrap_or(built.eocd)).unwrap();
    let cd_size = u64::try_from(built.eocd).unwrap() - cd_offset;
    let mut bytes = built.bytes[..built.eocd].to_vec();
    let record = bytes.len();
    u32le(&mut bytes, eocd::ZIP64_SIGNATURE);
    bytes.extend_from_slice(&44u64.to_le_bytes());
    u16le(&mut bytes, 45);
    u16le(&mut bytes, 45);
    bytes.extend_from_slice(&[0; 8]); // disks
    for value in [count, count, cd_size, cd_offset] {
        bytes.extend_from_slice(&value.to_le_bytes());
    }
    let locator = bytes.len();
    u32le(&mut bytes, eocd::ZIP64_LOCATOR_SIGNATURE);
    u32le(&mut bytes, 0);
    bytes.extend_from_slice(&u64::try_from(record).unwrap().to_le_bytes());
    u32le(&mut bytes, 1);
    let end = bytes.len();
    bytes.extend_from_slice(&built.bytes[built.eocd..]);
    put16(&mut bytes, end + at::E_DISK_ENTRIES, u16::MAX);
    put16(&mut bytes, end + at::E_ENTRIES, u16::MAX);
    (bytes, record, locator)
}

#[test]
fn zip64_real_writers() {
    // Info-ZIP's `zip -fz`: zip64 extra fields in every header, the central ones holding only
    // the uncompressed size, the end record's central directory offset in its zip64 record.
    let all = read_all(INFOZIP_ZIP64_ZIP).unwrap();
    assert_eq!(all, read_all(INFOZIP_STREAMED_ZIP).unwrap());
    // Python's `force_zip64`: sizes in the local headers' zip64 extra fields only.
    let all = read_all(PYTHON_ZIP64_ZIP).unwrap();
    let names: Vec<&[u8]> = all.iter().map(|(n, _)| &n[..]).collect();
    assert_eq!(names, [&b"model.ini"[..], b"stored.bin"]);
    assert_eq!(all[0].1, b"[info]\nalgo = gbm\n".repeat(20));
    assert_eq!(all[1].1, (0..=255).collect::<Vec<u8>>());
}

#[test]
fn zip64_end_record_as_java_writes_it() {
    let built = sample();
    let (bytes, record, locator) = as_java_zip64(&built);
    assert_eq!(read_all(&bytes).unwrap(), read_all(&built.bytes).unwrap());
    // A locator without a marker in the end record is ignored, as Java's `ZipFile` does.
    let mut unmarked = bytes.clone();
    let end = unmarked.len() - eocd::HEADER_LEN;
    put16(&mut unmarked, end + at::E_DISK_ENTRIES, 4);
    put16(&mut unmarked, end + at::E_ENTRIES, 4);
    put32(&mut unmarked, record + 48, 1);
    assert_eq!(
        read_all(&unmarked).unwrap(),
        read_all(&built.bytes).unwrap()
    );
    // A marker without a locator leaves the end record's own counts, which do not add up.
    let mut lost = bytes.clone();
    lost[locator] = b'Q';
    assert_eq!(
        new_err(&lost),
        ZipError::BadEndOfCentralDirectory {
            field: "total entries"
        }
    );

    let patched = |at: usize, value: &[u8]| {
        let mut bytes = bytes.clone();
        bytes[at..at + value.len()].copy_from_slice(value);
        new_err(&bytes)
    };
    let offset = |value: u64| patched(locator + 8, &value.to_le_bytes());
    let bad = |field| ZipError::BadEndOfCentralDirectory { field };
    // The locator must point at a whole record before it, with its signature.
    assert_eq!(offset(u64::MAX), bad("zip64 record offset"));
    assert_eq!(offset(locator as u64 - 55), bad("zip64 record offset"));
    assert_eq!(offset(record as u64 - 1), bad("zip64 record signature"));
    assert_eq!(
        patched(record, b"PK\x06\x07"),
        bad("zip64 record signature")
    );
    // Disks: the record's, the locator's.
    assert_eq!(patched(locator + 4, &[1]), ZipError::MultiDiskUnsupported);
    assert_eq!(patched(locator + 16, &[2]), ZipError::MultiDiskUnsupported);
    assert_eq!(patched(record + 16, &[1]), ZipError::MultiDiskUnsupported);
    assert_eq!(patched(record + 20, &[1]), ZipError::MultiDiskUnsupported);
    // Counts, size and offset at 64 bits, checked as the end record's are.
    assert_eq!(patched(record + 24, &[5]), bad("entries on this disk"));
    let entries = |n: u64| {
        let mut value = n.to_le_bytes().to_vec();
        value.extend_from_slice(&n.to_le_bytes());
        patched(record + 24, &value)
    };
    assert_eq!(entries(MAX_ENTRIES as u64 + 1), ZipError::TooManyEntries);
    assert_eq!(entries(1 << 40), ZipError::TooManyEntries);
    assert_eq!(entries(100), bad("total entries"));
    assert_eq!(
        patched(record + 40, &[1, 0, 0, 0, 1]),
        bad("central directory bounds")
    );
    assert_eq!(
        patched(record + 48, &(1u64 << 33).to_le_bytes()),
        bad("central directory bounds")
    );
    // The central directory ends at the zip64 record, not at the end record.
    assert_eq!(
        patched(record + 40, &(record - built.central[0] + 1).to_le_bytes()),
        bad("central directory bounds")
    );
}

#[test]
fn zip64_extra_fields() {
    let specs = [
        Spec::deflated(b"model.ini", MODEL_INI),
        Spec::stored(b"s", b"stored"),
    ];
    let plain = build(&specs, b"");
    let expected = read_all(&plain.bytes).unwrap();
    // Rewrites the central header of `s` with its marked fields moved to a zip64 extra field
    // (in APPNOTE's order) and, with `local`, its local header's sizes likewise.
    let marked = |fields: [bool; 4], local: bool, extra_values: Option<Vec<u64>>| {
        let (c, l) = (plain.central[1], plain.local[1]);
        let header = &plain.bytes[c..c + central::HEADER_LEN];
        let get16 = |at: usize| u16::from_le_bytes(header[at..at + 2].try_into().unwrap());
        let (size, csize, offset, disk) = (
            get32(header, at::C_SIZE),
            get32(header, at::C_CSIZE),
            get32(header, at::C_OFFSET),
            get16(at::C_DISK),
        );
        let mut values = Vec::new();
        let mut header = header.to_vec();
        for (on, at, value) in [
            (fields[0], at::C_SIZE, u64::from(size)),
            (fields[1], at::C_CSIZE, u64::from(csize)),
            (fields[2], at::C_OFFSET, u64::from(offset)),
        ] {
            if on {
                put32(&mut header, at, u32::MAX);
                values.push(value);
            }
        }
        let mut extra = Vec::new();
        u16le(&mut extra, 0x5455); // an extended timestamp first, as Info-ZIP writes
        u16le(&mut extra, 1);
        extra.push(0);
        let values = extra_values.unwrap_or(values);
        u16le(&mut extra, 1);
        u16le(
            &mut extra,
            len16(values.len() * 8 + usize::from(fields[3]) * 4),
        );
        for v in &values {
            extra.extend_from_slice(&v.to_le_bytes());
        }
        if fields[3] {
            put16(&mut header, at::C_DISK, u16::MAX);
            u32le(&mut extra, u32::from(disk));
        }
        put16(&mut header, 30, len16(extra.len()));
        let name = &plain.bytes[c + at::C_NAME..c + at::C_NAME + 1];
        // The local header of `s`, with or without zip64 sizes; the local headers are
        // rewritten, so the central offset of `s` moves by what its own local header grows.
        let mut local_header = plain.bytes[l..l + local::HEADER_LEN + 1].to_vec();
        if local {
            put32(&mut local_header, at::L_CSIZE, u32::MAX);
            put32(&mut local_header, at::L_SIZE, u32::MAX);
            let mut local_extra = Vec::new();
            u16le(&mut local_extra, 1);
            u16le(&mut local_extra, 16);
            local_extra.extend_from_slice(&u64::from(size).to_le_bytes());
            local_extra.extend_from_slice(&u64::from(csize).to_le_bytes());
            put16(&mut local_header, 28, len16(local_extra.len()));
            local_header.extend_from_slice(&local_extra);
        }
        let mut bytes = plain.bytes[..l].to_vec();
        bytes.extend_from_slice(&local_header);
        bytes.extend_from_slice(&plain.bytes[l + local::HEADER_LEN + 1..plain.central[0]]);
        let cd_offset = bytes.len();
        bytes.extend_from_slice(&plain.bytes[plain.central[0]..c]);
        bytes.extend_from_slice(&header);
        bytes.extend_from_slice(name);
        bytes.extend_from_slice(&extra);
        let cd_size = bytes.len() - cd_offset;
        let end = bytes.len();
        bytes.extend_from_slice(&plain.bytes[plain.eocd..]);
        put32(&mut bytes, end + at::E_CD_SIZE, len32(cd_size));
        put32(&mut bytes, end + at::E_CD_OFFSET, len32(cd_offset));
        bytes
    };
    for fields in [
        [true, false, false, false],
        [false, true, false, false],
        [false, false, true, false],
        [false, false, false, true],
        [true, true, true, true],
    ] {
        for local in [false, true] {
            let bytes = marked(fields, local, None);
            assert_eq!(read_all(&bytes).unwrap(), expected, "{fields:?} {local}");
        }
    }
    // A marker whose value is missing, a value that disagrees with the local header's.
    assert_eq!(
        new_err(&marked([true, true, false, false], false, Some(vec![6]))),
        ZipError::BadCentralHeader {
            field: "zip64 extra field"
        }
    );
    for local in [false, true] {
        assert_eq!(
            new_err(&marked([true, true, false, false], local, Some(vec![7, 7]))),
            ZipError::BadLocalHeader {
                field: "crc32 or sizes"
            }
        );
    }
    // A stored entry's two sizes must still agree.
    assert_eq!(
        new_err(&marked([true, false, false, false], false, Some(vec![7]))),
        ZipError::SizeMismatch
    );
    // A local header whose marked sizes have no zip64 extra field.
    let mut bytes = marked([false; 4], false, None);
    put32(&mut bytes, plain.local[1] + at::L_CSIZE, u32::MAX);
    put32(&mut bytes, plain.local[1] + at::L_SIZE, u32::MAX);
    assert_eq!(
        new_err(&bytes),
        ZipError::BadLocalHeader {
            field: "zip64 extra field"
        }
    );
}

#[test]
fn central_header_checks() {
    let built = sample();
    // Encryption flags, in the central or only in the local header.
    for flag in [
        flags::ENCRYPTED,
        flags::STRONG_ENCRYPTION,
        flags::MASKED_HEADERS,
    ] {
        let mut bytes = built.bytes.clone();
        put16(
            &mut bytes,
            built.central[0] + at::C_FLAGS,
            flags::UTF8 | flag,
        );
        assert_eq!(new_err(&bytes), ZipError::Encrypted);
        let mut bytes = built.bytes.clone();
        put16(&mut bytes, built.local[0] + at::L_FLAGS, flags::UTF8 | flag);
        assert_eq!(new_err(&bytes), ZipError::Encrypted);
    }
    // Methods other than 0 and 8, in both headers.
    for method in [1, 9, 12, 14, 93, 99] {
        let mut bytes = built.bytes.clone();
        put16(&mut bytes, built.central[0] + at::C_METHOD, method);
        put16(&mut bytes, built.local[0] + at::L_METHOD, method);
        assert_eq!(new_err(&bytes), ZipError::UnsupportedMethod(method));
    }
    let mut bytes = built.bytes.clone();
    put16(&mut bytes, built.central[1] + at::C_DISK, 1);
    assert_eq!(new_err(&bytes), ZipError::MultiDiskUnsupported);
    let mut bytes = built.bytes.clone();
    bytes[built.central[2]] = b'Q';
    assert_eq!(
        new_err(&bytes),
        ZipError::BadCentralHeader { field: "signature" }
    );
}

#[test]
fn names() {
    let long = vec![b'n'; MAX_NAME_LEN];
    let built = build(&[Spec::stored(&long, b"ok")], b"");
    assert_eq!(
        Archive::new(&built.bytes)
            .unwrap()
            .find(&long)
            .unwrap()
            .size(),
        2
    );
    let longer = vec![b'n'; MAX_NAME_LEN + 1];
    let built = build(&[Spec::stored(&longer, b"ok")], b"");
    assert_eq!(new_err(&built.bytes), ZipError::NameTooLong);
    for bad in [&b""[..], b"a\0b", b"\xff.ini", b"caf\xc3"] {
        let built = build(&[Spec::stored(bad, b"ok")], b"");
        assert_eq!(new_err(&built.bytes), ZipError::BadName, "{bad:?}");
    }
}

#[test]
fn local_header_checks() {
    let built = sample();
    let name_at = built.local[0] + at::L_NAME;
    let mut bytes = built.bytes.clone();
    bytes[name_at] = b'M';
    assert_eq!(new_err(&bytes), ZipError::BadLocalHeader { field: "name" });
    let mut bytes = built.bytes.clone();
    put16(&mut bytes, built.local[0] + at::L_METHOD, METHOD_STORED);
    assert_eq!(
        new_err(&bytes),
        ZipError::BadLocalHeader { field: "method" }
    );
    let mut bytes = built.bytes.clone();
    put32(&mut bytes, built.local[0] + at::L_CSIZE, 1);
    assert_eq!(
        new_err(&bytes),
        ZipError::BadLocalHeader {
            field: "crc32 or sizes"
        }
    );
    let mut bytes = built.bytes.clone();
    bytes[built.local[1] + 2] = 0;
    assert_eq!(
        new_err(&bytes),
        ZipError::BadLocalHeader { field: "signature" }
    );
    // A local header offset at or past the central directory.
    let cd = len32(built.central[0]);
    for offset in [cd - 10, cd, cd + 5, u32::MAX - 1] {
        let mut bytes = built.bytes.clone();
        put32(&mut bytes, built.central[3] + at::C_OFFSET, offset);
        assert!(Archive::new(&bytes).is_err(), "{offset}");
    }
}

#[test]
fn flipped_bytes_never_panic() {
    let specs = [
        Spec::deflated(b"model.ini", MODEL_INI),
        Spec::stored(b"s", b"stored"),
        Spec::deflated(b"t", &noise(200, 9)).descriptor(),
        Spec::stored(b"d/", b""),
    ];
    let built = build(&specs, b"c");
    let mut opened = 0;
    let mut read = 0;
    for i in 0..built.bytes.len() {
        for change in [0xff, 0x01, 0x80, 0x10] {
            let mut bytes = built.bytes.clone();
            bytes[i] ^= change;
            let Ok(archive) = Archive::new(&bytes) else {
                continue;
            };
            opened += 1;
            // Sizes are bounded by the limits, but keep the test's own memory small.
            let mut out = vec![0u8; archive.largest_entry().min(1 << 16)];
            let mut inflater = DecompressorOxide::new();
            for entry in archive.entries() {
                let _ = archive.find(entry.name());
                if entry.read_into_with(&mut inflater, &mut out).is_ok() {
                    read += 1;
                }
            }
        }
    }
    // Bytes outside every checked field (times, dates, attributes, data) still open.
    assert!(opened > 0 && read > 0, "{opened} {read}");
}

#[test]
fn display() {
    let all = [
        ZipError::Truncated { field: "x" },
        ZipError::NoEndOfCentralDirectory,
        ZipError::BadEndOfCentralDirectory { field: "x" },
        ZipError::MultiDiskUnsupported,
        ZipError::TooManyEntries,
        ZipError::BadCentralHeader { field: "x" },
        ZipError::NameTooLong,
        ZipError::BadName,
        ZipError::DuplicateName,
        ZipError::UnsupportedMethod(12),
        ZipError::Encrypted,
        ZipError::EntryTooLarge,
        ZipError::TotalTooLarge,
        ZipError::BadLocalHeader { field: "x" },
        ZipError::OverlappingEntries,
        ZipError::BufferTooSmall,
        ZipError::SizeMismatch,
        ZipError::CrcMismatch,
        ZipError::Inflate("x"),
    ];
    for err in all {
        let text = format!("{err}");
        assert!(
            text.starts_with("zip: ") && text.len() > "zip: ".len(),
            "{text}"
        );
    }
    assert_eq!(
        format!("{}", ZipError::UnsupportedMethod(12)),
        "zip: unsupported compression method 12"
    );
    let _: &dyn core::error::Error = &ZipError::CrcMismatch;
}

#[test]
fn debug_is_short() {
    let archive = Archive::new(JAVA_ZIP).unwrap();
    let entry = archive.find(b"experimental/modelDetails.json").unwrap();
    let text = format!("{archive:?} {entry:?} {:?}", archive.entries());
    assert!(
        text.contains("modelDetails.json") && text.len() < 400,
        "{text}"
    );
}
