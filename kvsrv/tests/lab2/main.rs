//! The graded kvsrv suite (lab 2): the key/value server's tests and the lock's, one module
//! each. The course gives lab 2 no part letters, so every test name ends in `_2`:
//! `cargo test -p kvsrv _2` runs them all, `cargo test -p kvsrv lock` the lock's.
//!
//! The memory test is apart, in `tests/memory_2.rs`: it counts the process's heap, so no
//! other test may run in its process.

#[path = "../tester/mod.rs"]
mod tester;

mod kvsrv_2;
mod lock_2;
mod replay;
