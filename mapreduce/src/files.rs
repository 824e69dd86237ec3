//! File names, reading inputs, and writing files atomically.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{MrError, Result};

/// The buffer for every file the workers write; large writes keep syscalls off the profile.
const WRITE_BUFFER_BYTES: usize = 256 << 10;

/// `mr-X-Y`: map task X's pairs for reduce task Y.
pub fn intermediate_name(map_id: usize, reduce_id: usize) -> PathBuf {
    PathBuf::from(format!("mr-{map_id}-{reduce_id}"))
}

/// `mr-out-Y`: reduce task Y's output.
pub fn output_name(reduce_id: usize) -> PathBuf {
    PathBuf::from(format!("mr-out-{reduce_id}"))
}

/// Reads an input file as text. Bytes that are not UTF-8 become U+FFFD, so any file can be
/// an input, and the sequential run and the workers see the same text.
pub fn read_input(path: &str) -> Result<String> {
    let bytes = std::fs::read(path).map_err(MrError::file(path))?;
    Ok(match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
    })
}

/// Fails unless `path` is a regular file that can be opened for reading.
pub fn check_readable_file(path: &str) -> Result<()> {
    let file = std::fs::File::open(path).map_err(MrError::file(path))?;
    let metadata = file.metadata().map_err(MrError::file(path))?;
    if !metadata.is_file() {
        let not_a_file = std::io::Error::other("not a regular file");
        return Err(MrError::file(path)(not_a_file));
    }
    Ok(())
}

/// A file being written under a temporary name in its final directory; [`commit`] renames
/// it into place atomically, and dropping it uncommitted removes it.
///
/// [`commit`]: AtomicFile::commit
pub struct AtomicFile {
    /// The name it will get.
    path: PathBuf,
    /// The temporary file, buffered.
    writer: BufWriter<tempfile::NamedTempFile>,
}

impl AtomicFile {
    /// Starts writing what will become `path`.
    pub fn create(path: impl Into<PathBuf>) -> Result<AtomicFile> {
        let path = path.into();
        let directory = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let file = tempfile::Builder::new()
            .prefix(".mr-tmp-")
            .tempfile_in(&directory)
            .map_err(MrError::file(&directory))?;
        Ok(AtomicFile {
            path,
            writer: BufWriter::with_capacity(WRITE_BUFFER_BYTES, file),
        })
    }

    /// The final path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where to write the contents.
    pub fn writer(&mut self) -> &mut impl Write {
        &mut self.writer
    }

    /// Flushes and renames the file into place.
    pub fn commit(self) -> Result<()> {
        let path = self.path;
        let file = self
            .writer
            .into_inner()
            .map_err(|error| MrError::file(&path)(error.into_error()))?;
        file.persist(&path)
            .map_err(|error| MrError::file(&path)(error.error))?;
        Ok(())
    }
}

/// Writes one `"key value"` output line, as the course's `"%v %v\n"`.
pub fn write_output_line(writer: &mut impl Write, key: &str, value: &str) -> std::io::Result<()> {
    writer.write_all(key.as_bytes())?;
    writer.write_all(b" ")?;
    writer.write_all(value.as_bytes())?;
    writer.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncommitted_files_leave_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("mr-out-0");
        let mut file = AtomicFile::create(&target).unwrap();
        file.writer().write_all(b"partial").unwrap();
        assert!(!target.exists(), "nobody sees a partly written file");
        drop(file);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn committed_files_appear_whole() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("mr-out-0");
        let mut file = AtomicFile::create(&target).unwrap();
        write_output_line(file.writer(), "a", "1").unwrap();
        file.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "a 1\n");
    }
}
