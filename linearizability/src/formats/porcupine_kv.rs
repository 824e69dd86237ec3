//! Porcupine's kv test logs, one EDN-like map per line:
//! `{:process 9, :type :invoke, :f :append, :key "0", :value "x 9 0 y"}`.

use super::parse_error;
use crate::error::Result;
use crate::history::Event;
use crate::models::{KvInput, KvOp, KvOutput};
use std::collections::HashMap;
use std::path::Path;

/// A value in a log line.
#[derive(Debug, PartialEq)]
enum Value {
    Text(String),
    Keyword(String),
    Nil,
    Number(i64),
}

/// Parses a porcupine kv log into events; `path` is only used in error messages.
pub fn parse(text: &str, path: &Path) -> Result<Vec<Event<KvInput, KvOutput>>> {
    let mut events = Vec::new();
    let mut pending: HashMap<usize, (u64, KvOp)> = HashMap::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let event = parse_line(line, &mut pending, events.len() as u64)
            .map_err(|message| parse_error(path, index + 1, message))?;
        events.push(event);
    }
    Ok(events)
}

/// One line to one event, pairing returns with the process's pending call.
fn parse_line(
    line: &str,
    pending: &mut HashMap<usize, (u64, KvOp)>,
    next_id: u64,
) -> std::result::Result<Event<KvInput, KvOutput>, String> {
    let fields = parse_map(line)?;
    let field = |name: &str| fields.get(name).ok_or_else(|| format!("missing :{name}"));
    let client = match field("process")? {
        Value::Number(process) if *process >= 0 => *process as usize,
        other => return Err(format!(":process must be a number, not {other:?}")),
    };
    let op = match field("f")? {
        Value::Keyword(f) if f == "get" => KvOp::Get,
        Value::Keyword(f) if f == "put" => KvOp::Put,
        Value::Keyword(f) if f == "append" => KvOp::Append,
        other => return Err(format!(":f must be :get, :put or :append, not {other:?}")),
    };
    let text_of = |name: &str| -> std::result::Result<String, String> {
        match field(name)? {
            Value::Text(text) => Ok(text.clone()),
            Value::Nil => Ok(String::new()),
            other => Err(format!(":{name} must be a string or nil, not {other:?}")),
        }
    };
    match field("type")? {
        Value::Keyword(kind) if kind == "invoke" => {
            if pending.insert(client, (next_id, op)).is_some() {
                return Err(format!(
                    "process {client} invokes while its last call is pending"
                ));
            }
            let input = KvInput {
                op,
                key: text_of("key")?,
                value: text_of("value")?,
            };
            Ok(Event::Call {
                client,
                id: next_id,
                input,
            })
        }
        Value::Keyword(kind) if kind == "ok" => {
            let (id, called) = pending
                .remove(&client)
                .ok_or_else(|| format!("process {client} returns without a pending call"))?;
            if called != op {
                return Err(format!(
                    "process {client} returns {op:?} for a {called:?} call"
                ));
            }
            let output = KvOutput {
                value: text_of("value")?,
            };
            Ok(Event::Return {
                client,
                id,
                output: Some(output),
            })
        }
        other => Err(format!(":type must be :invoke or :ok, not {other:?}")),
    }
}

/// Parses `{:name value, ...}` into a map.
fn parse_map(line: &str) -> std::result::Result<HashMap<String, Value>, String> {
    let body = line
        .trim()
        .strip_prefix('{')
        .and_then(|rest| rest.strip_suffix('}'))
        .ok_or("expected a line of the form {:name value, ...}")?;
    let mut fields = HashMap::new();
    let mut rest = body;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
        if rest.is_empty() {
            return Ok(fields);
        }
        let after_colon = rest.strip_prefix(':').ok_or("expected :name")?;
        let name_end = after_colon
            .find(char::is_whitespace)
            .ok_or("expected a value after the name")?;
        let (name, after_name) = after_colon.split_at(name_end);
        let (value, after_value) = parse_value(after_name.trim_start())?;
        fields.insert(name.to_string(), value);
        rest = after_value;
    }
}

/// Parses one value at the start of `text`; returns it and what follows.
fn parse_value(text: &str) -> std::result::Result<(Value, &str), String> {
    if let Some(quoted) = text.strip_prefix('"') {
        return parse_string(quoted);
    }
    let end = text
        .find(|c: char| c == ',' || c.is_whitespace())
        .unwrap_or(text.len());
    let (token, rest) = text.split_at(end);
    let value = if token == "nil" {
        Value::Nil
    } else if let Some(keyword) = token.strip_prefix(':') {
        Value::Keyword(keyword.to_string())
    } else {
        Value::Number(
            token
                .parse()
                .map_err(|_| format!("unexpected value {token:?}"))?,
        )
    };
    Ok((value, rest))
}

/// Parses the rest of a string literal after its opening quote.
fn parse_string(text: &str) -> std::result::Result<(Value, &str), String> {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => return Ok((Value::Text(value), &text[at + 1..])),
            '\\' => match chars.next() {
                Some((_, 'n')) => value.push('\n'),
                Some((_, 't')) => value.push('\t'),
                Some((_, escaped)) => value.push(escaped),
                None => break,
            },
            _ => value.push(c),
        }
    }
    Err("unterminated string".to_string())
}
