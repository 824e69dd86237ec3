//! The deadlock report: one line per unfinished thread saying where it waits and for what.

use std::fmt::Write;

use super::scheduler::{Scheduler, Status};
use super::wait::Wait;

/// Lines like `thread 'worker' (#1) at src/x.rs:20:9: locks mutex#2 held by 'main' (#0,
/// locked at src/x.rs:12:5)`. Every part is deterministic, so a replay prints the same.
pub(crate) fn deadlock(scheduler: &Scheduler) -> String {
    let mut report = String::new();
    for (tid, slot) in scheduler.slots.iter().enumerate() {
        let line = match &slot.status {
            Status::Finished => continue,
            Status::Runnable => "is runnable (this is a labsim bug)".to_string(),
            Status::Blocked(blocked) => format!(
                "at {}: {}",
                blocked.location,
                describe(scheduler, &blocked.wait)
            ),
        };
        let _ = writeln!(report, "  thread '{}' (#{tid}) {line}", slot.name);
    }
    report
}

/// What one wait is for, naming the holder of a lock and the target of a join.
fn describe(scheduler: &Scheduler, wait: &Wait) -> String {
    match wait {
        Wait::Lock { key, mutex } => match scheduler.holders.get(key) {
            Some((holder, location)) => format!(
                "locks mutex#{mutex} held by '{}' (#{holder}, locked at {location})",
                scheduler.name(*holder)
            ),
            None => format!("locks mutex#{mutex} (held outside the simulation?)"),
        },
        Wait::Condvar(condvar) => format!("waits on condvar#{condvar}"),
        Wait::Recv(channel) => format!("receives from channel#{channel} (empty)"),
        Wait::Send(channel) => format!("sends to channel#{channel} (full)"),
        Wait::Select(operations) => {
            let operations: Vec<String> = operations
                .iter()
                .map(|operation| match operation.send {
                    true => format!("send to channel#{}", operation.channel),
                    false => format!("receive from channel#{}", operation.channel),
                })
                .collect();
            format!("selects, none ready: {}", operations.join(", "))
        }
        Wait::Join(tid) => format!("joins thread '{}' (#{tid})", scheduler.name(*tid)),
        Wait::Sleep => "sleeps (cannot deadlock: a labsim bug)".to_string(),
    }
}
