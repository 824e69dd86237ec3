//! Finding a cycle of waits the moment it closes, whatever timers are pending.
//!
//! A blocked thread *waits for* another when only that thread can let it go on: the holder of
//! the mutex it locks, the thread it joins, or the thread that holds the other side of the
//! channel it waits on, once that thread has said so (`bind_to_current_thread`). A thread
//! whose waker is unknown (a condvar, a sleep, a channel nobody claimed) or that can run is
//! *free*. A blocked thread is stuck when no free thread can be reached from it by following
//! waits-for: then every thread it can reach is blocked on another one of them, and nothing
//! inside can move (a select stuck on several claimed channels waits for any of their
//! holders, so it is stuck only when all of them are).
//!
//! Two things break the cycle from outside and are not counted as ways out: a select's
//! operations on unclaimed channels (shutdown signals, such as a closed network), and the
//! timeout of a wait on a claimed channel (a liveness check that waits again). So a cycle of
//! RPC calls made under locks is reported at once, although a crash by the tester could
//! have ended it later.

use super::scheduler::{Scheduler, Status};
use super::wait::{Tid, Wait};

/// The threads `tid` waits for, or `None` if it is free: runnable, finished, or waiting for
/// someone labsim cannot name.
fn waits_for(scheduler: &Scheduler, tid: Tid) -> Option<Vec<Tid>> {
    let Status::Blocked(blocked) = &scheduler.slots[tid].status else {
        return None;
    };
    match &blocked.wait {
        Wait::Lock { key, .. } => scheduler.holders.get(key).map(|(holder, _)| vec![*holder]),
        Wait::Join(target) => Some(vec![*target]),
        Wait::Recv { owner, .. } | Wait::Send { owner, .. } => owner.get().map(|tid| vec![tid]),
        Wait::Select(operations) => {
            let owners: Vec<Tid> = operations
                .iter()
                .filter_map(|operation| operation.owner.get())
                .collect();
            (!owners.is_empty()).then_some(owners)
        }
        Wait::Condvar(_) | Wait::Sleep => None,
    }
}

/// The threads stuck with `start` (itself first, then in the order they were reached) if
/// `start` can never run again, or `None` if a free thread can be reached from it.
///
/// Runs at every block, so it costs nothing for the common waits (a condvar, a sleep, an
/// unclaimed channel: free at once) and only as much as the chain of waits it follows, which
/// is a few threads long: `reached` is searched linearly rather than sized by the thousands
/// of threads a long simulation may have created.
pub(crate) fn stuck_with(scheduler: &Scheduler, start: Tid) -> Option<Vec<Tid>> {
    let mut reached = vec![start];
    let mut next = 0;
    while next < reached.len() {
        let tid = reached[next];
        next += 1;
        for target in waits_for(scheduler, tid)? {
            if !reached.contains(&target) {
                reached.push(target);
            }
        }
    }
    Some(reached)
}

#[cfg(test)]
mod tests {
    use std::panic::Location;

    use super::*;
    use crate::sim::wait::{Blocked, Owner, SelectWait};

    fn blocked(scheduler: &mut Scheduler, tid: Tid, wait: Wait) {
        let blocked = Blocked {
            wait,
            location: Location::caller(),
            keys: Vec::new(),
        };
        scheduler.slots[tid].status = Status::Blocked(blocked);
    }

    fn lock_wait(key: usize) -> Wait {
        Wait::Lock { key, mutex: 1 }
    }

    /// Threads 0..n, all blocked on their own sleep until told otherwise.
    fn scheduler(threads: usize) -> Scheduler {
        let mut scheduler = Scheduler::new(1, crate::sim::policy::Policy::Random);
        for _ in 1..threads {
            scheduler.add_thread("t");
        }
        for tid in 0..threads {
            blocked(&mut scheduler, tid, Wait::Sleep);
        }
        scheduler
    }

    #[test]
    fn two_threads_locking_each_others_mutex_are_stuck() {
        let mut scheduler = scheduler(3);
        scheduler.holders.insert(10, (0, Location::caller()));
        scheduler.holders.insert(20, (1, Location::caller()));
        blocked(&mut scheduler, 0, lock_wait(20));
        assert_eq!(stuck_with(&scheduler, 0), None, "thread 1 sleeps: free");
        blocked(&mut scheduler, 1, lock_wait(10));
        assert_eq!(stuck_with(&scheduler, 1), Some(vec![1, 0]));
        blocked(&mut scheduler, 2, lock_wait(10));
        assert_eq!(
            stuck_with(&scheduler, 2),
            Some(vec![2, 0, 1]),
            "behind a cycle"
        );
    }

    #[test]
    fn a_channel_counts_only_once_its_other_side_is_claimed() {
        let mut scheduler = scheduler(2);
        let owner = Owner::default();
        scheduler.holders.insert(10, (0, Location::caller()));
        blocked(&mut scheduler, 1, lock_wait(10));
        let wait = Wait::Recv {
            channel: 1,
            owner: owner.clone(),
        };
        blocked(&mut scheduler, 0, wait);
        assert_eq!(stuck_with(&scheduler, 1), None, "nobody claimed the sender");
        owner.set(1);
        assert_eq!(stuck_with(&scheduler, 1), Some(vec![1, 0]));
        owner.release(1);
        assert_eq!(stuck_with(&scheduler, 1), None, "released");
    }

    #[test]
    fn a_select_is_stuck_only_when_every_claimed_operation_is() {
        let mut scheduler = scheduler(3);
        let (to_one, to_two, unclaimed) = (Owner::default(), Owner::default(), Owner::default());
        to_one.set(1);
        to_two.set(2);
        let operation = |owner: &Owner| SelectWait {
            send: false,
            channel: 1,
            owner: owner.clone(),
        };
        let select = vec![
            operation(&to_one),
            operation(&to_two),
            operation(&unclaimed),
        ];
        blocked(&mut scheduler, 0, Wait::Select(select));
        scheduler.holders.insert(10, (0, Location::caller()));
        blocked(&mut scheduler, 1, lock_wait(10));
        assert_eq!(stuck_with(&scheduler, 0), None, "thread 2 sleeps");
        blocked(&mut scheduler, 2, Wait::Join(0));
        assert_eq!(stuck_with(&scheduler, 0), Some(vec![0, 1, 2]));
    }

    #[test]
    fn runnable_threads_and_condvars_are_free() {
        let mut scheduler = scheduler(2);
        blocked(&mut scheduler, 0, Wait::Join(1));
        scheduler.slots[1].status = Status::Runnable;
        assert_eq!(stuck_with(&scheduler, 0), None);
        blocked(&mut scheduler, 1, Wait::Condvar(3));
        assert_eq!(stuck_with(&scheduler, 0), None);
        blocked(&mut scheduler, 1, Wait::Join(0));
        assert_eq!(
            stuck_with(&scheduler, 0),
            Some(vec![0, 1]),
            "joining each other"
        );
    }
}
