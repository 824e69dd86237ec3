//! Channels shaped like crossbeam-channel's: [`bounded`], [`unbounded`], [`Sender`],
//! [`Receiver`], [`Select`] and the [`select!`](crate::select) macro, and crossbeam's own
//! error types.
//!
//! A channel created outside any simulation is a crossbeam channel behind `#[inline]`
//! wrappers. A channel created inside a simulation is a simulated one whose blocking
//! operations block in the scheduler (sends and receives that wake a waiter are scheduling
//! points). Either kind can be used from any thread, with two limits:
//! - a thread of a simulation cannot *block* on a crossbeam channel (it would stop the whole
//!   simulation): it panics saying so; its non-blocking operations work;
//! - a thread outside the simulation may use a simulated channel (say, to read results after
//!   `run` returned), but the simulation does not see it: a simulated thread must never wait
//!   for something only an outside thread will do.

mod receiver;
mod select;
mod select_macro;
mod sender;
mod simulated;

use std::sync::Arc;

pub use crossbeam_channel::{
    RecvError, RecvTimeoutError, SelectTimeoutError, SendError, SendTimeoutError, TryRecvError,
    TrySelectError, TrySendError,
};
pub use receiver::{Iter, Receiver, TryIter};
pub use select::{Select, SelectedOperation};
pub use sender::Sender;

use crate::sim::context;
use simulated::Chan;

/// A channel holding at most `capacity` messages; `bounded(0)` is a rendezvous (a send waits
/// for a receiver).
#[inline]
pub fn bounded<T>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    if context::in_sim() {
        simulated_pair(Some(capacity))
    } else {
        let (sender, receiver) = crossbeam_channel::bounded(capacity);
        (Sender::real(sender), Receiver::real(receiver))
    }
}

/// A channel of unlimited capacity: sends never block.
#[inline]
pub fn unbounded<T>() -> (Sender<T>, Receiver<T>) {
    if context::in_sim() {
        simulated_pair(None)
    } else {
        let (sender, receiver) = crossbeam_channel::unbounded();
        (Sender::real(sender), Receiver::real(receiver))
    }
}

fn simulated_pair<T>(capacity: Option<usize>) -> (Sender<T>, Receiver<T>) {
    let object = context::current().map_or(0, |context| context.new_object());
    let chan = Arc::new(Chan::new(capacity, object));
    (
        Sender::simulated(Arc::clone(&chan)),
        Receiver::simulated(chan),
    )
}

/// Panics for a blocking operation of a simulated thread on a crossbeam channel.
#[track_caller]
fn cannot_block_in_simulation(what: &str) -> ! {
    panic!(
        "labsim: a simulated thread cannot block ({what}) on a channel created outside the \
         simulation; create the channel inside Sim::run"
    )
}
