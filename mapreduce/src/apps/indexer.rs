//! indexer: which documents contain each word.

use std::collections::HashSet;

use super::{words, App};

/// Map emits `(word, document)` once per distinct word; reduce outputs
/// `"<count> <sorted documents joined by ','>"`.
pub struct Indexer;

impl App for Indexer {
    fn map(&self, filename: &str, contents: &str, emit: &mut dyn FnMut(&str, &str)) {
        let distinct: HashSet<&str> = words(contents).collect();
        for word in distinct {
            emit(word, filename);
        }
    }

    fn reduce(&self, _key: &str, values: &[&str]) -> String {
        let mut documents = values.to_vec();
        documents.sort_unstable();
        format!("{} {}", documents.len(), documents.join(","))
    }
}
