//! Jepsen etcd logs: `INFO  jepsen.util - <process> :<type> :<f> <value>`, any whitespace.
//!
//! | line | becomes |
//! |---|---|
//! | `:invoke :read nil`, `:invoke :write N`, `:invoke :cas [A B]` | a call |
//! | `:ok :read nil` or `:ok :read N` | a return with the value read |
//! | `:ok :write N`, `:ok :cas [A B]`, `:fail :cas [A B]` | a return |
//! | `:fail :read :timed-out` | a return with an unknown result |
//! | `:info ...` | nothing: the call stays open and may take effect at any later time |

use super::parse_error;
use crate::error::Result;
use crate::history::Event;
use crate::models::{RegisterInput, RegisterOutput};
use std::collections::HashMap;
use std::path::Path;

/// The marker before the interesting part of a line.
const PREFIX: &str = "jepsen.util - ";

/// Parses a Jepsen etcd log into events; `path` is only used in error messages.
pub fn parse(text: &str, path: &Path) -> Result<Vec<Event<RegisterInput, RegisterOutput>>> {
    let mut events = Vec::new();
    let mut pending: HashMap<usize, (u64, String)> = HashMap::new();
    let mut next_id = 0;
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let event = parse_line(line, &mut pending, &mut next_id)
            .map_err(|message| parse_error(path, index + 1, message))?;
        events.extend(event);
    }
    Ok(events)
}

/// The fields of one line.
struct Line<'a> {
    process: usize,
    kind: &'a str,
    function: &'a str,
    value: String,
}

fn split_line(line: &str) -> std::result::Result<Line<'_>, String> {
    let start = line
        .find(PREFIX)
        .ok_or("expected `jepsen.util - <process> :<type> :<f> <value>`")?;
    let mut words = line[start + PREFIX.len()..].split_whitespace();
    let mut next = |what: &str| words.next().ok_or_else(|| format!("missing {what}"));
    let process = next("process")?;
    let process = process
        .parse()
        .map_err(|_| format!("process must be a number, not {process:?}"))?;
    let kind = next("type")?;
    let function = next("function")?;
    let value = words.collect::<Vec<_>>().join(" ");
    Ok(Line {
        process,
        kind,
        function,
        value,
    })
}

/// One line to at most one event.
fn parse_line(
    line: &str,
    pending: &mut HashMap<usize, (u64, String)>,
    next_id: &mut u64,
) -> std::result::Result<Option<Event<RegisterInput, RegisterOutput>>, String> {
    let Line {
        process: client,
        kind,
        function,
        value,
    } = split_line(line)?;
    if kind == ":invoke" {
        let input = parse_input(function, &value)?;
        let id = *next_id;
        *next_id += 1;
        if pending.insert(client, (id, function.to_string())).is_some() {
            return Err(format!(
                "process {client} invokes while its last call is pending"
            ));
        }
        return Ok(Some(Event::Call { client, id, input }));
    }
    let (id, called) = pending
        .remove(&client)
        .ok_or_else(|| format!("process {client} completes without a pending call"))?;
    if called != function {
        return Err(format!(
            "process {client} completes {function} for a {called} call"
        ));
    }
    let output = match (kind, function) {
        (":info", _) => return Ok(None),
        (":fail", ":read") => None,
        (":ok", ":read") => Some(RegisterOutput::Read {
            value: parse_optional(&value)?,
        }),
        (":ok", ":write") => Some(RegisterOutput::Write),
        (":ok", ":cas") => Some(RegisterOutput::Cas { ok: true }),
        (":fail", ":cas") => Some(RegisterOutput::Cas { ok: false }),
        _ => return Err(format!("unexpected `{kind} {function}`")),
    };
    Ok(Some(Event::Return { client, id, output }))
}

fn parse_input(function: &str, value: &str) -> std::result::Result<RegisterInput, String> {
    match function {
        ":read" => Ok(RegisterInput::Read),
        ":write" => Ok(RegisterInput::Write {
            value: parse_number(value)?,
        }),
        ":cas" => {
            let inner = value
                .strip_prefix('[')
                .and_then(|rest| rest.strip_suffix(']'))
                .ok_or_else(|| format!("cas expects [from to], not {value:?}"))?;
            let mut numbers = inner.split_whitespace().map(parse_number);
            match (numbers.next(), numbers.next(), numbers.next()) {
                (Some(from), Some(to), None) => Ok(RegisterInput::Cas {
                    from: from?,
                    to: to?,
                }),
                _ => Err(format!("cas expects [from to], not {value:?}")),
            }
        }
        other => Err(format!("unknown function {other:?}")),
    }
}

fn parse_optional(value: &str) -> std::result::Result<Option<i64>, String> {
    if value == "nil" {
        Ok(None)
    } else {
        parse_number(value).map(Some)
    }
}

fn parse_number(value: &str) -> std::result::Result<i64, String> {
    value
        .parse()
        .map_err(|_| format!("expected a number, not {value:?}"))
}
