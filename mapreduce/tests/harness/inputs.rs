//! Inputs whose words are nearly all distinct, so that wc's output is about as large as its
//! input and a reduce task spends a measurable time writing its output file.
//!
//! The course's books, and [`mapreduce::corpus`], repeat a vocabulary of some thousands of
//! words: wc's output stays small however large the input, and a worker writes it in one go.
//! Here every word is drawn afresh from the letters, so 2 MB of input gives each of the ten
//! reduce tasks about 200 000 output lines to write.

use std::io::Write;
use std::path::{Path, PathBuf};

use mapreduce::corpus::{input_name, LINE_WIDTH};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Word lengths, in letters: from 5, so that most words are distinct.
const WORD_LETTERS: std::ops::RangeInclusive<usize> = 5..=9;

/// Writes `files` inputs of about `bytes_per_file` bytes of distinct lower-case words into
/// `directory`, each file from its own seed derived from `seed`; returns their paths.
pub fn write_distinct_words(
    directory: &Path,
    seed: u64,
    files: usize,
    bytes_per_file: usize,
) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(directory)?;
    (0..files)
        .map(|index| {
            let path = directory.join(input_name(index));
            let mut rng = StdRng::seed_from_u64(seed.wrapping_add(index as u64));
            let mut file = std::io::BufWriter::new(std::fs::File::create(&path)?);
            file.write_all(distinct_words(&mut rng, bytes_per_file).as_bytes())?;
            file.flush()?;
            Ok(path)
        })
        .collect()
}

/// About `bytes` bytes of random words, wrapped at [`LINE_WIDTH`] columns.
fn distinct_words(rng: &mut StdRng, bytes: usize) -> String {
    let mut text = String::with_capacity(bytes + LINE_WIDTH);
    let mut line_len = 0;
    while text.len() < bytes {
        let letters = rng.gen_range(WORD_LETTERS);
        if line_len > 0 && line_len + 1 + letters > LINE_WIDTH {
            text.push('\n');
            line_len = 0;
        } else if line_len > 0 {
            text.push(' ');
            line_len += 1;
        }
        text.extend((0..letters).map(|_| char::from(rng.gen_range(b'a'..=b'z'))));
        line_len += letters;
    }
    text.push('\n');
    text
}
