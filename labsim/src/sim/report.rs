//! Reports on a simulation's threads: one line per unfinished thread saying where it waits
//! and for what. Every part is deterministic (objects are numbered in order of first use), so
//! a replay prints the same.

use std::fmt::Write;

use super::scheduler::{Scheduler, Status};
use super::wait::{Owner, Tid, Wait};

/// The report of a simulation where no thread can run and nothing is due.
pub(crate) fn deadlock(scheduler: &Scheduler) -> String {
    let mut report = String::from("no thread can run and nothing is due\n");
    for tid in unfinished(scheduler) {
        report.push_str(&line(scheduler, tid, "is runnable (this is a labsim bug)"));
    }
    report
}

/// The report of a cycle of waits: the `stuck` threads first, then every other thread.
pub(crate) fn cycle(scheduler: &Scheduler, stuck: &[Tid]) -> String {
    let mut report = format!(
        "a cycle of waits: {} thread(s) wait for each other, and no timer can end it\n",
        stuck.len()
    );
    for tid in stuck {
        report.push_str(&line(scheduler, *tid, "is runnable (this is a labsim bug)"));
    }
    let others: Vec<Tid> = unfinished(scheduler)
        .filter(|tid| !stuck.contains(tid))
        .collect();
    if !others.is_empty() {
        report.push_str(" other threads:\n");
        for tid in others {
            report.push_str(&line(scheduler, tid, "can run"));
        }
    }
    report
}

/// Every unfinished thread, `me` (if any) marked as the one asking.
pub(crate) fn threads(scheduler: &Scheduler, me: Option<Tid>) -> String {
    let mut report = String::new();
    for tid in unfinished(scheduler) {
        let runnable = if Some(tid) == me {
            "is running (it asked for this list)"
        } else {
            "can run"
        };
        report.push_str(&line(scheduler, tid, runnable));
    }
    report
}

fn unfinished(scheduler: &Scheduler) -> impl Iterator<Item = Tid> + '_ {
    (0..scheduler.slots.len())
        .filter(|tid| !matches!(scheduler.slots[*tid].status, Status::Finished))
}

/// `  thread 'worker' (#1) at src/x.rs:20:9: locks mutex#2 held by 'main' (#0, locked at
/// src/x.rs:12:5)`, or `runnable` in place of the wait for a thread that is not blocked.
fn line(scheduler: &Scheduler, tid: Tid, runnable: &str) -> String {
    let what = match &scheduler.slots[tid].status {
        Status::Finished => "has finished".to_string(),
        Status::Runnable => runnable.to_string(),
        Status::Blocked(blocked) => format!(
            "at {}: {}",
            blocked.location,
            describe(scheduler, &blocked.wait)
        ),
    };
    let mut line = String::new();
    let _ = writeln!(line, "  thread {} {what}", named(scheduler, tid));
    line
}

/// `'worker' (#1)`.
fn named(scheduler: &Scheduler, tid: Tid) -> String {
    format!("'{}' (#{tid})", scheduler.name(tid))
}

/// What one wait is for, naming the holder of a lock, the target of a join, and the thread
/// that holds the other side of a channel when it has said so.
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
        Wait::Recv { channel, owner } => format!(
            "receives from channel#{channel} (empty){}",
            other_side(scheduler, owner, "sending")
        ),
        Wait::Send { channel, owner } => format!(
            "sends to channel#{channel} (full){}",
            other_side(scheduler, owner, "receiving")
        ),
        Wait::Select(operations) => {
            let operations: Vec<String> = operations
                .iter()
                .map(|operation| match operation.send {
                    true => format!(
                        "send to channel#{}{}",
                        operation.channel,
                        other_side(scheduler, &operation.owner, "receiving")
                    ),
                    false => format!(
                        "receive from channel#{}{}",
                        operation.channel,
                        other_side(scheduler, &operation.owner, "sending")
                    ),
                })
                .collect();
            format!("selects, none ready: {}", operations.join(", "))
        }
        Wait::Join(tid) => format!("joins thread {}", named(scheduler, *tid)),
        Wait::Sleep => "sleeps".to_string(),
    }
}

/// `, whose sending side 'handler' (#4) holds`, when a thread claimed it.
fn other_side(scheduler: &Scheduler, owner: &Owner, side: &str) -> String {
    match owner.get() {
        Some(tid) if tid < scheduler.slots.len() => {
            format!(", whose {side} side {} holds", named(scheduler, tid))
        }
        _ => String::new(),
    }
}
