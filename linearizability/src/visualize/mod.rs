//! The picture of a check: one self-contained HTML page (no network needed).
//!
//! One row per client, each operation a bar over (rank-compressed) time, the longest
//! linearizable prefix of each partition drawn as a line through its linearization points,
//! the operation that could not be linearized outlined in red, the operations that were tried
//! next and found illegal crossed, and the states before and after each step on hover.
//!
//! Size is bounded: descriptions and states are shortened, one prefix is kept per partition,
//! and past [`MAX_DRAWN_OPERATIONS`] the picture shows a part of the history (a [`Focus`]):
//! by default the first partition that is not linearizable, around its failure, or when all
//! are, the last operations of the busiest partition. The page says which part it shows.

mod data;

use crate::check::CheckResult;
use crate::error::{Error, Result};
use crate::history::{Event, Operation};
use crate::model::Model;
use crate::view::{view_events, view_operations};
use std::path::Path;

pub use data::{Focus, MAX_DRAWN_OPERATIONS};

/// The page around the data: CSS, the drawing script, and a slot for the JSON.
const TEMPLATE: &str = include_str!("template.html");
/// Where the data goes in the template.
const DATA_SLOT: &str = "/*HISTORY_DATA*/";

/// Renders the picture of `result` (a check of `history` against `model`) as HTML.
pub fn render_html<M: Model>(
    model: &M,
    history: &[Operation<M::Input, M::Output>],
    result: &CheckResult,
) -> String {
    render_html_focused(model, history, result, &Focus::default())
}

/// Renders the part of the picture that `focus` selects.
pub fn render_html_focused<M: Model>(
    model: &M,
    history: &[Operation<M::Input, M::Output>],
    result: &CheckResult,
    focus: &Focus,
) -> String {
    let view = view_operations(model, history);
    fill_template(&data::Picture::new(model, &view.operations, result, focus))
}

/// Renders the picture of a check of an event history.
pub fn render_html_events<M: Model>(
    model: &M,
    history: &[Event<M::Input, M::Output>],
    result: &CheckResult,
) -> Result<String> {
    let view = view_events(model, history)?;
    Ok(fill_template(&data::Picture::new(
        model,
        &view.operations,
        result,
        &Focus::default(),
    )))
}

/// Writes the picture of a check of an operation history to `path`.
pub fn write_html<M: Model>(
    model: &M,
    history: &[Operation<M::Input, M::Output>],
    result: &CheckResult,
    path: &Path,
) -> Result<()> {
    write(path, &render_html(model, history, result))
}

/// Writes the part of the picture that `focus` selects to `path`, and says what part that
/// is (empty when it is the whole history), as the page does.
pub fn write_html_focused<M: Model>(
    model: &M,
    history: &[Operation<M::Input, M::Output>],
    result: &CheckResult,
    focus: &Focus,
    path: &Path,
) -> Result<String> {
    let view = view_operations(model, history);
    let picture = data::Picture::new(model, &view.operations, result, focus);
    write(path, &fill_template(&picture))?;
    Ok(picture.focus().to_string())
}

/// Writes the picture of a check of an event history to `path`.
pub fn write_html_events<M: Model>(
    model: &M,
    history: &[Event<M::Input, M::Output>],
    result: &CheckResult,
    path: &Path,
) -> Result<()> {
    write(path, &render_html_events(model, history, result)?)
}

fn write(path: &Path, html: &str) -> Result<()> {
    std::fs::write(path, html).map_err(|source| Error::WriteHtml {
        path: path.to_path_buf(),
        source,
    })
}

/// Puts the data, as JSON safe inside a `<script>` element, into the template.
fn fill_template(picture: &data::Picture) -> String {
    let json = serde_json::to_string(picture).expect("the picture's data always serializes");
    let safe = json.replace("</", "<\\/").replace("<!--", "<\\!--");
    TEMPLATE.replacen(DATA_SLOT, &safe, 1)
}
