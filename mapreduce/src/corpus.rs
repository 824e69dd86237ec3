//! A seeded generator of text corpora, so tests and benchmarks need no downloaded books.
//!
//! Words follow Zipf's law, as in natural text: the word of frequency rank r appears with
//! probability proportional to 1/r, over a vocabulary of [`VOCABULARY_SIZE`] pronounceable
//! made-up words with a few real ones ("the", "and", names) at the top. Sentences run 4-19
//! words, start with a capital letter, carry the odd comma, end with a full stop, and are
//! wrapped at [`LINE_WIDTH`] columns. The same seed always gives the same bytes.

use std::io::Write;
use std::path::{Path, PathBuf};

use rand::distributions::{Distribution, WeightedIndex};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// How many distinct words the generator draws from.
pub const VOCABULARY_SIZE: usize = 20_000;

/// Lines are wrapped before they exceed this many bytes.
pub const LINE_WIDTH: usize = 72;

/// The most frequent words, in rank order; the rest of the vocabulary is made up.
const COMMON_WORDS: &[&str] = &[
    "the", "and", "of", "to", "a", "in", "that", "he", "was", "it", "his", "her", "I", "with",
    "as", "had", "you", "for", "she", "not", "at", "on", "but", "be", "him", "said", "Sherlock",
    "Holmes", "Tom", "Watson",
];

/// The syllables made-up words are built from.
const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ne", "ra", "tu", "shi", "ven", "dor", "al", "be", "cor", "est", "fa", "gan",
    "hel", "is", "jor", "ul", "wen", "yth", "ze", "qua", "ob", "pre", "sto", "ther", "ing", "ly",
    "ment",
];

/// Book-like file names, as the course's `pg-*.txt` inputs; "sherlock" and "tom" matter to
/// the early_exit app, whose reduce is slow for them.
pub const BOOK_NAMES: &[&str] = &[
    "being_ernest",
    "dorian_gray",
    "frankenstein",
    "grimm",
    "huckleberry_finn",
    "metamorphosis",
    "sherlock_holmes",
    "tom_sawyer",
];

/// A seeded source of natural-looking text.
pub struct CorpusGenerator {
    /// The random source; everything derives from the seed.
    rng: StdRng,
    /// Words in frequency-rank order.
    vocabulary: Vec<String>,
    /// Zipf weights over `vocabulary`.
    ranks: WeightedIndex<f64>,
}

impl CorpusGenerator {
    /// A generator whose output depends only on `seed`.
    pub fn new(seed: u64) -> CorpusGenerator {
        let mut rng = StdRng::seed_from_u64(seed);
        let vocabulary = make_vocabulary(&mut rng);
        let weights = (1..=vocabulary.len()).map(|rank| 1.0 / rank as f64);
        let ranks = WeightedIndex::new(weights).expect("positive Zipf weights");
        CorpusGenerator {
            rng,
            vocabulary,
            ranks,
        }
    }

    /// About `bytes` bytes of text (at least that many, at most one sentence more).
    pub fn text(&mut self, bytes: usize) -> String {
        let mut text = String::with_capacity(bytes + 4 * LINE_WIDTH);
        let mut line_len = 0;
        while text.len() < bytes {
            let sentence_len = self.rng.gen_range(4..20);
            for position in 0..sentence_len {
                let word = self.word(position == 0, position + 1 == sentence_len);
                if line_len + word.len() + 1 > LINE_WIDTH && line_len > 0 {
                    text.push('\n');
                    line_len = 0;
                } else if line_len > 0 {
                    text.push(' ');
                    line_len += 1;
                }
                text.push_str(&word);
                line_len += word.len();
            }
        }
        text.push('\n');
        text
    }

    /// One word, capitalized at a sentence start, with a full stop at its end or, now and
    /// then, a comma.
    fn word(&mut self, starts_sentence: bool, ends_sentence: bool) -> String {
        let mut word = self.vocabulary[self.ranks.sample(&mut self.rng)].clone();
        if starts_sentence {
            capitalize(&mut word);
        }
        if ends_sentence {
            word.push('.');
        } else if self.rng.gen_ratio(1, 12) {
            word.push(',');
        }
        word
    }
}

/// The vocabulary: the common words, then made-up words of 1-4 syllables, all distinct.
fn make_vocabulary(rng: &mut StdRng) -> Vec<String> {
    let mut vocabulary: Vec<String> = COMMON_WORDS.iter().map(|word| word.to_string()).collect();
    let mut seen: std::collections::HashSet<String> = vocabulary.iter().cloned().collect();
    while vocabulary.len() < VOCABULARY_SIZE {
        let syllables = rng.gen_range(1..=4);
        let word: String = (0..syllables)
            .map(|_| SYLLABLES[rng.gen_range(0..SYLLABLES.len())])
            .collect();
        if seen.insert(word.clone()) {
            vocabulary.push(word);
        }
    }
    vocabulary
}

/// Upper-cases the first letter.
fn capitalize(word: &mut String) {
    if let Some(first) = word.get(..1) {
        let upper = first.to_ascii_uppercase();
        word.replace_range(..1, &upper);
    }
}

/// The name of input file `index`: `pg-<book>.txt` for the first eight, then
/// `pg-<book>-<n>.txt`.
pub fn input_name(index: usize) -> String {
    let book = BOOK_NAMES[index % BOOK_NAMES.len()];
    match index / BOOK_NAMES.len() {
        0 => format!("pg-{book}.txt"),
        round => format!("pg-{book}-{round}.txt"),
    }
}

/// Writes `files` input files of about `bytes_per_file` bytes each into `directory`, every
/// file from its own seed derived from `seed`; returns their paths in order.
pub fn write_corpus(
    directory: &Path,
    seed: u64,
    files: usize,
    bytes_per_file: usize,
) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(directory)?;
    (0..files)
        .map(|index| write_corpus_file(directory, seed, index, bytes_per_file))
        .collect()
}

/// Writes input file `index` of the corpus [`write_corpus`] would write, alone, so that
/// callers can write files in parallel; returns its path.
pub fn write_corpus_file(
    directory: &Path,
    seed: u64,
    index: usize,
    bytes: usize,
) -> std::io::Result<PathBuf> {
    let path = directory.join(input_name(index));
    let mut generator = CorpusGenerator::new(seed.wrapping_add(index as u64));
    std::fs::File::create(&path)?.write_all(generator.text(bytes).as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_text() {
        assert_eq!(
            CorpusGenerator::new(7).text(5000),
            CorpusGenerator::new(7).text(5000)
        );
        assert_ne!(
            CorpusGenerator::new(7).text(5000),
            CorpusGenerator::new(8).text(5000)
        );
    }

    #[test]
    fn text_has_the_requested_size_and_short_lines() {
        let text = CorpusGenerator::new(1).text(100_000);
        assert!((100_000..101_000).contains(&text.len()), "{}", text.len());
        assert!(text.lines().all(|line| line.len() <= LINE_WIDTH));
    }

    #[test]
    fn word_frequencies_fall_off_like_zipf() {
        let text = CorpusGenerator::new(3).text(400_000);
        let mut counts = std::collections::HashMap::new();
        for word in text
            .split(|c: char| !c.is_alphabetic())
            .filter(|w| !w.is_empty())
        {
            *counts.entry(word.to_lowercase()).or_insert(0usize) += 1;
        }
        let the = counts["the"] as f64;
        let of = counts["of"] as f64;
        // Rank 1 against rank 3: about 3 to 1 under Zipf's law.
        assert!((2.0..4.5).contains(&(the / of)), "the={the} of={of}");
        assert!(
            counts.len() > 5000,
            "a long tail of rare words: {}",
            counts.len()
        );
    }

    #[test]
    fn file_names_look_like_books() {
        assert_eq!(input_name(0), "pg-being_ernest.txt");
        assert_eq!(input_name(9), "pg-dorian_gray-1.txt");
    }
}
