//! The sequential run behind `mrsequential`: every map, then every reduce, in one process;
//! and [`write_reduced`], the reduce phase's output, which reduce tasks share with it.

use std::path::Path;

use crate::apps::App;
use crate::error::{MrError, Result};
use crate::files::{read_input, write_output_line, AtomicFile};
use crate::pairs::Pairs;

/// Maps every input in order, sorts all pairs by key, reduces each key, and writes the
/// lines to `output` (`mr-out-0` in `mrsequential`).
pub fn run_sequential(app: &dyn App, inputs: &[String], output: &Path) -> Result<()> {
    if inputs.is_empty() {
        return Err(MrError::NoInputs);
    }
    let mut pairs = Pairs::new();
    for input in inputs {
        let contents = read_input(input)?;
        app.map(input, &contents, &mut |key, value| pairs.push(key, value));
    }
    write_reduced(app, &mut pairs, output)
}

/// Sorts `pairs`, reduces each key and writes the `"key value"` lines to `output`
/// atomically. Shared by the reduce task and the sequential run.
pub fn write_reduced(app: &dyn App, pairs: &mut Pairs, output: impl AsRef<Path>) -> Result<()> {
    let output = output.as_ref();
    pairs.sort_by_key();
    let mut file = AtomicFile::create(output)?;
    pairs
        .for_each_group(|key, values| {
            write_output_line(file.writer(), key, &app.reduce(key, values))
        })
        .map_err(MrError::file(output))?;
    file.commit()
}
