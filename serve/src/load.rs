//! Loading a MOJO file, or a MOJO unzipped into a directory (as genmodel's folder reader
//! takes it), into an owned, shareable [`LoadedModel`].

use std::path::Path;

use scorer::model::{Header, InflateJob, Model, Mojo, SubModels};
use scorer::ModelError;

/// A model that owns its memory; `Send + Sync`, so one copy serves every thread.
pub type LoadedModel = Model<Box<[u64]>, HeapSubModels>;

/// Sub-model headers on the heap: as many as an ensemble has (the core keeps 128 inline),
/// and none of the inline store's ~40 KB in models without them.
#[derive(Clone, Debug, Default)]
pub struct HeapSubModels(Vec<Header>);

impl AsRef<[Header]> for HeapSubModels {
    fn as_ref(&self) -> &[Header] {
        &self.0
    }
}

impl AsMut<[Header]> for HeapSubModels {
    fn as_mut(&mut self) -> &mut [Header] {
        &mut self.0
    }
}

impl SubModels for HeapSubModels {
    fn push(&mut self, header: Header) -> Result<(), ModelError> {
        self.0.push(header);
        Ok(())
    }
}

/// Heap bytes a model planned as `plan` keeps besides its memory: its sub-model headers.
pub fn sub_model_bytes(plan: &scorer::model::Plan) -> usize {
    plan.sub_models() * std::mem::size_of::<Header>()
}

/// Why a model could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    Read(std::io::Error),
    Model(scorer::Error),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Read(e) => write!(f, "cannot read the model file: {e}"),
            LoadError::Model(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for LoadError {}

/// Loads a model from MOJO bytes: open, inflate every entry once, plan, allocate exactly
/// the planned memory, load. The inflated copy and the scratch are freed on return.
pub fn from_bytes(bytes: &[u8]) -> Result<LoadedModel, scorer::Error> {
    let mojo = Mojo::new(bytes)?;
    let mut inflated = LoadBuffer::zeroed(mojo.inflated_len());
    let workers = match inflated.len() >= PARALLEL_INFLATE_BYTES {
        true => std::thread::available_parallelism().map_or(1, usize::from),
        false => 1,
    };
    let mojo = mojo.inflate_all_in(&mut inflated, workers, run_side_by_side)?;
    let mut scratch = LoadBuffer::zeroed(mojo.scratch_len());
    let plan = mojo.plan_with::<HeapSubModels>(&mut scratch)?;
    let mem = vec![0u64; plan.words()].into_boxed_slice();
    mojo.load_with(&plan, &mut scratch, mem)
}

/// Bytes needed only while a model loads: the file, its inflated entries, the scratch.
/// From 1 MiB (`MAPPED_LOAD_BYTES`) on they are mapped from the kernel, not taken from the
/// allocator, so that dropping them gives the memory back at once: mimalloc keeps freed
/// pages resident until a later allocation purges them, which an idle server never makes
/// (a 46 MB DRF, 153 MB inflated, held 321 MB resident after loading instead of 127 MB).
pub enum LoadBuffer {
    Heap(Vec<u8>),
    Mapped(memmap2::MmapMut),
}

/// Bytes from which a load-time buffer is mapped: below, a mapping's system calls cost
/// more than the little memory mimalloc would keep.
const MAPPED_LOAD_BYTES: usize = 1 << 20;

impl LoadBuffer {
    /// `len` zero bytes: mapped from 1 MiB (`MAPPED_LOAD_BYTES`) on (or on the heap, if the
    /// kernel refuses the mapping).
    pub fn zeroed(len: usize) -> Self {
        if len >= MAPPED_LOAD_BYTES {
            if let Ok(map) = memmap2::MmapMut::map_anon(len) {
                return LoadBuffer::Mapped(map);
            }
        }
        LoadBuffer::Heap(vec![0; len])
    }

    /// The bytes of the file at `path`.
    fn read_file(path: &Path) -> std::io::Result<Self> {
        use std::io::Read;
        let mut file = std::fs::File::open(path)?;
        let len = usize::try_from(file.metadata()?.len()).unwrap_or(usize::MAX);
        if len < MAPPED_LOAD_BYTES {
            let mut bytes = Vec::with_capacity(len);
            file.read_to_end(&mut bytes)?;
            return Ok(LoadBuffer::Heap(bytes));
        }
        let mut buf = LoadBuffer::zeroed(len);
        file.read_exact(&mut buf)?;
        // A file that grew since its length was read: the rest on the heap, as a file of
        // unknown length would be read.
        let mut rest = Vec::new();
        if file.read_to_end(&mut rest)? > 0 {
            let mut bytes = buf.to_vec();
            bytes.append(&mut rest);
            return Ok(LoadBuffer::Heap(bytes));
        }
        Ok(buf)
    }
}

impl std::ops::Deref for LoadBuffer {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            LoadBuffer::Heap(bytes) => bytes,
            LoadBuffer::Mapped(map) => map,
        }
    }
}

impl std::ops::DerefMut for LoadBuffer {
    fn deref_mut(&mut self) -> &mut [u8] {
        match self {
            LoadBuffer::Heap(bytes) => bytes,
            LoadBuffer::Mapped(map) => map,
        }
    }
}

/// Inflated bytes from which loading inflates on every core: a thread costs tens of
/// microseconds to start, 4 MiB about 10 ms to inflate on one core (most of a large model's
/// load is inflating: 60 % of a 46 MB DRF's).
const PARALLEL_INFLATE_BYTES: usize = 4 << 20;

/// Runs inflate jobs on a thread per job, this one among them: each takes the next job
/// left until none is, so a thread that cannot start (a process limit) leaves its share to
/// the others.
fn run_side_by_side(jobs: &mut [InflateJob<'_>]) {
    let helpers = jobs.len().saturating_sub(1);
    let queue = std::sync::Mutex::new(jobs.iter_mut());
    let work = || loop {
        // The lock is held only to take a job, so nothing can poison it.
        let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
        match next {
            Some(job) => job.run(),
            None => break,
        }
    };
    std::thread::scope(|scope| {
        for _ in 0..helpers {
            // Not started: this thread does its share.
            let _ = std::thread::Builder::new()
                .name("inflate".into())
                .spawn_scoped(scope, work);
        }
        work();
    });
}

/// Loads a model from a MOJO file, or from a directory holding an unzipped MOJO (its
/// `model.ini` at the top).
pub fn from_path(path: &Path) -> Result<LoadedModel, LoadError> {
    from_bytes(&read_mojo(path)?).map_err(LoadError::Model)
}

/// The MOJO bytes at `path`: the file's, or an unzipped MOJO directory's as a zip.
pub fn read_mojo(path: &Path) -> Result<LoadBuffer, LoadError> {
    match path.is_dir() {
        true => pack_dir(path).map(LoadBuffer::Heap),
        false => LoadBuffer::read_file(path).map_err(LoadError::Read),
    }
}

/// Whether `dir` holds an unzipped MOJO.
pub fn is_unzipped_mojo(dir: &Path) -> bool {
    dir.join("model.ini").is_file()
}

/// The files under `dir` (an unzipped MOJO) as a zip of stored entries, named by their
/// paths below `dir` with `/` between parts, in name order; what the core reads.
fn pack_dir(dir: &Path) -> Result<Vec<u8>, LoadError> {
    let invalid =
        |what: String| LoadError::Read(std::io::Error::new(std::io::ErrorKind::InvalidData, what));
    if !is_unzipped_mojo(dir) {
        return Err(invalid(format!(
            "{} is a directory without model.ini (an unzipped MOJO has one at the top)",
            dir.display()
        )));
    }
    let mut files = Vec::new();
    let mut pending = vec![(dir.to_path_buf(), String::new())];
    while let Some((path, prefix)) = pending.pop() {
        for entry in std::fs::read_dir(&path).map_err(LoadError::Read)? {
            let entry = entry.map_err(LoadError::Read)?;
            let name = entry.file_name().into_string().map_err(|n| {
                invalid(format!(
                    "{}: a file name that is not UTF-8: {n:?}",
                    path.display()
                ))
            })?;
            let name = format!("{prefix}{name}");
            let kind = entry.file_type().map_err(LoadError::Read)?;
            let kind = match kind.is_symlink() {
                true => std::fs::metadata(entry.path())
                    .map_err(LoadError::Read)?
                    .file_type(),
                false => kind,
            };
            if kind.is_dir() {
                if pending.len() + files.len() > scorer::limits::MAX_ENTRIES {
                    return Err(invalid(format!("{}: too many entries", dir.display())));
                }
                pending.push((entry.path(), format!("{name}/")));
            } else if kind.is_file() {
                files.push((name, entry.path()));
            }
        }
    }
    files.sort();
    if files.len() > scorer::limits::MAX_ENTRIES {
        return Err(invalid(format!(
            "{}: too many files for a MOJO",
            dir.display()
        )));
    }
    let (mut out, mut central) = (Vec::new(), Vec::new());
    let mut total = 0usize;
    for (name, path) in &files {
        // Sizes are checked before a file is read, so that a stray large file in the
        // directory is refused rather than read.
        let len = std::fs::metadata(path).map_err(LoadError::Read)?.len();
        total = total.saturating_add(usize::try_from(len).unwrap_or(usize::MAX));
        if total > scorer::limits::MAX_TOTAL_INFLATED || name.len() > usize::from(u16::MAX) {
            return Err(invalid(format!("{}: too large for a MOJO", dir.display())));
        }
        let data = std::fs::read(path).map_err(LoadError::Read)?;
        if data.len() as u64 != len {
            return Err(invalid(format!("{}: changed while read", path.display())));
        }
        let offset = out.len() as u32;
        let crc = scorer::zip::crc32::checksum(&data);
        // A local header, then the data; its central header, which adds where it starts.
        let header = |out: &mut Vec<u8>, signature: u32, central: bool| {
            out.extend(signature.to_le_bytes());
            if central {
                out.extend(20u16.to_le_bytes()); // version made by
            }
            out.extend(20u16.to_le_bytes()); // version needed
            out.extend([0u8; 4]); // flags, method 0 (stored)
            out.extend([0u8; 4]); // time, date
            out.extend(crc.to_le_bytes());
            out.extend((data.len() as u32).to_le_bytes()); // compressed
            out.extend((data.len() as u32).to_le_bytes()); // uncompressed
            out.extend((name.len() as u16).to_le_bytes());
            out.extend([0u8; 2]); // extra length
            if central {
                out.extend([0u8; 10]); // comment length, disk, internal and external attributes
                out.extend(offset.to_le_bytes());
            }
            out.extend(name.as_bytes());
        };
        header(&mut out, scorer::zip::local::SIGNATURE, false);
        out.extend(&data);
        header(&mut central, scorer::zip::central::SIGNATURE, true);
    }
    // Offsets and sizes fit 32 bits (the files are at most 1 GiB); from 65,535 files on the
    // count does not fit 16, and goes to a zip64 record, as Java's `ZipOutputStream` writes.
    let (count, central_at) = (files.len(), out.len() as u32);
    let central_len = central.len() as u32;
    out.extend(central);
    let short_count = match u16::try_from(count) {
        Ok(n) if n < u16::MAX => n,
        _ => {
            let record_at = out.len() as u64;
            out.extend(scorer::zip::eocd::ZIP64_SIGNATURE.to_le_bytes());
            out.extend(44u64.to_le_bytes()); // the record's length after this field
            out.extend(45u16.to_le_bytes()); // version made by
            out.extend(45u16.to_le_bytes()); // version needed
            out.extend([0u8; 8]); // disk numbers
            out.extend((count as u64).to_le_bytes());
            out.extend((count as u64).to_le_bytes());
            out.extend(u64::from(central_len).to_le_bytes());
            out.extend(u64::from(central_at).to_le_bytes());
            out.extend(scorer::zip::eocd::ZIP64_LOCATOR_SIGNATURE.to_le_bytes());
            out.extend([0u8; 4]); // disk of the record
            out.extend(record_at.to_le_bytes());
            out.extend(1u32.to_le_bytes()); // disks
            u16::MAX
        }
    };
    out.extend(scorer::zip::eocd::SIGNATURE.to_le_bytes());
    out.extend([0u8; 4]); // disk numbers
    out.extend(short_count.to_le_bytes());
    out.extend(short_count.to_le_bytes());
    out.extend(central_len.to_le_bytes());
    out.extend(central_at.to_le_bytes());
    out.extend([0u8; 2]); // comment length
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{LoadBuffer, MAPPED_LOAD_BYTES};

    #[test]
    fn buffers_are_zeroed_and_mapped_from_the_threshold_on() {
        for len in [
            0,
            1,
            MAPPED_LOAD_BYTES - 1,
            MAPPED_LOAD_BYTES,
            3 * MAPPED_LOAD_BYTES + 5,
        ] {
            let mut buf = LoadBuffer::zeroed(len);
            assert_eq!(buf.len(), len);
            assert!(buf.iter().all(|&b| b == 0));
            let mapped = matches!(buf, LoadBuffer::Mapped(_));
            assert_eq!(mapped, len >= MAPPED_LOAD_BYTES, "{len}");
            if let Some(last) = buf.last_mut() {
                *last = 7;
                assert_eq!(buf[len - 1], 7);
            }
        }
    }

    #[test]
    fn a_file_reads_as_std_reads_it_on_both_sides_of_the_threshold() {
        let dir = std::env::temp_dir().join(format!("load-buffer-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for len in [
            0,
            10,
            MAPPED_LOAD_BYTES - 1,
            MAPPED_LOAD_BYTES,
            2 * MAPPED_LOAD_BYTES + 3,
        ] {
            let path = dir.join(format!("{len}.bin"));
            let bytes: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            std::fs::write(&path, &bytes).unwrap();
            let read = LoadBuffer::read_file(&path).unwrap();
            assert!(*read == *bytes, "{len}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
