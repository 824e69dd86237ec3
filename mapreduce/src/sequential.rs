//! The sequential run behind `mrsequential`: every map, then every reduce, in one process.

use std::path::Path;

use crate::apps::App;
use crate::error::{MrError, Result};
use crate::files::read_input;
use crate::pairs::Pairs;
use crate::worker::write_reduced;

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
