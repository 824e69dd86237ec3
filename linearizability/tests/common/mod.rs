//! Small builders shared by the test files.
#![allow(dead_code)]

use linearizability::models::{KvInput, KvOutput, RegisterInput, RegisterOutput};
use linearizability::Operation;

/// A key/value operation history.
pub type KvHistory = Vec<Operation<KvInput, KvOutput>>;

/// A completed Put.
pub fn put(
    client: usize,
    key: &str,
    value: &str,
    call: i64,
    ret: i64,
) -> Operation<KvInput, KvOutput> {
    Operation::new(
        client,
        KvInput::put(key, value),
        call,
        KvOutput::default(),
        ret,
    )
}

/// A completed Append.
pub fn append(
    client: usize,
    key: &str,
    value: &str,
    call: i64,
    ret: i64,
) -> Operation<KvInput, KvOutput> {
    Operation::new(
        client,
        KvInput::append(key, value),
        call,
        KvOutput::default(),
        ret,
    )
}

/// A completed Get that returned `value`.
pub fn get(
    client: usize,
    key: &str,
    value: &str,
    call: i64,
    ret: i64,
) -> Operation<KvInput, KvOutput> {
    Operation::new(client, KvInput::get(key), call, KvOutput::new(value), ret)
}

/// A register read that returned `value` (None: nil).
pub fn read(
    client: usize,
    value: Option<i64>,
    call: i64,
    ret: i64,
) -> Operation<RegisterInput, RegisterOutput> {
    Operation::new(
        client,
        RegisterInput::Read,
        call,
        RegisterOutput::Read { value },
        ret,
    )
}

/// A register write.
pub fn write(
    client: usize,
    value: i64,
    call: i64,
    ret: i64,
) -> Operation<RegisterInput, RegisterOutput> {
    Operation::new(
        client,
        RegisterInput::Write { value },
        call,
        RegisterOutput::Write,
        ret,
    )
}

/// A register compare-and-swap and whether it succeeded.
pub fn cas(
    client: usize,
    from: i64,
    to: i64,
    ok: bool,
    call: i64,
    ret: i64,
) -> Operation<RegisterInput, RegisterOutput> {
    Operation::new(
        client,
        RegisterInput::Cas { from, to },
        call,
        RegisterOutput::Cas { ok },
        ret,
    )
}

/// A history no search can finish quickly: `width` appends to one key, all concurrent,
/// followed by a Get whose value no order of them produces. Every subset of the appends in
/// every order is a distinct state, so the memo cannot collapse the search.
pub fn hard_kv_history(key: &str, width: usize) -> KvHistory {
    let mut history: KvHistory = (0..width)
        .map(|client| append(client, key, &format!("<{client}>"), 0, 1_000))
        .collect();
    history.push(get(width, key, "impossible", 2_000, 3_000));
    history
}
