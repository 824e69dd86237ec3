//! The sending half of a channel.

use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{SendError, SendTimeoutError, TrySendError};

use super::simulated::{Chan, Deadline, Side};
use crate::sim::context;

/// The sending half, shaped like `crossbeam_channel::Sender`; clone it for more senders.
/// The channel disconnects when every sender is dropped.
pub struct Sender<T> {
    pub(super) flavor: SenderFlavor<T>,
}

pub(super) enum SenderFlavor<T> {
    Real(crossbeam_channel::Sender<T>),
    Simulated(SimSender<T>),
}

/// One counted sender of a simulated channel.
pub(super) struct SimSender<T>(pub(super) Arc<Chan<T>>);

impl<T> Sender<T> {
    pub(super) fn real(sender: crossbeam_channel::Sender<T>) -> Sender<T> {
        Sender {
            flavor: SenderFlavor::Real(sender),
        }
    }

    pub(super) fn simulated(chan: Arc<Chan<T>>) -> Sender<T> {
        Sender {
            flavor: SenderFlavor::Simulated(SimSender(chan)),
        }
    }

    /// Sends, waiting for room in a full bounded channel; `Err` gives the message back when
    /// every receiver is gone.
    #[inline]
    #[track_caller]
    pub fn send(&self, message: T) -> Result<(), SendError<T>> {
        match &self.flavor {
            SenderFlavor::Real(sender) => {
                if context::in_sim() {
                    return match sender.try_send(message) {
                        Ok(()) => Ok(()),
                        Err(TrySendError::Disconnected(message)) => Err(SendError(message)),
                        Err(TrySendError::Full(_)) => super::cannot_block_in_simulation("send"),
                    };
                }
                sender.send(message)
            }
            SenderFlavor::Simulated(SimSender(chan)) => chan
                .send(message, None, Location::caller())
                .map_err(|error| SendError(error.into_inner())),
        }
    }

    /// Sends if there is room now, without waiting.
    #[inline]
    pub fn try_send(&self, message: T) -> Result<(), TrySendError<T>> {
        match &self.flavor {
            SenderFlavor::Real(sender) => sender.try_send(message),
            SenderFlavor::Simulated(SimSender(chan)) => chan.try_send(message),
        }
    }

    /// Sends, waiting at most `timeout` for room.
    #[track_caller]
    pub fn send_timeout(&self, message: T, timeout: Duration) -> Result<(), SendTimeoutError<T>> {
        match &self.flavor {
            SenderFlavor::Real(sender) => {
                if context::in_sim() {
                    super::cannot_block_in_simulation("send_timeout");
                }
                sender.send_timeout(message, timeout)
            }
            SenderFlavor::Simulated(SimSender(chan)) => {
                chan.send(message, Deadline::after(timeout), Location::caller())
            }
        }
    }

    /// Says that the calling thread holds this channel's sending side, and keeps it: every
    /// sender, not handed on to another thread, until it drops them. In simulation, a thread
    /// waiting to receive from the channel then counts as waiting for this thread when labsim
    /// looks for a cycle of waits, whatever its timeout (a timeout there is taken for a
    /// liveness check, not a way out), so a cycle through the channel and some locks is
    /// reported the moment it closes. A broken promise can report a cycle that is not one.
    /// Does nothing in real mode or outside a simulation.
    ///
    /// ```
    /// # use labsim::{channel, thread, Sim};
    /// # Sim::new(1).run(|| {
    /// let (reply_tx, reply_rx) = channel::bounded::<u32>(1);
    /// let handler = thread::spawn("handler", move || {
    ///     reply_tx.bind_to_current_thread(); // the caller now waits for "handler"
    ///     reply_tx.send(42).unwrap();
    /// });
    /// assert_eq!(reply_rx.recv().unwrap(), 42);
    /// handler.join().unwrap();
    /// # }).unwrap();
    /// ```
    pub fn bind_to_current_thread(&self) {
        if let SenderFlavor::Simulated(SimSender(chan)) = &self.flavor {
            chan.bind(Side::Send);
        }
    }

    /// Messages waiting in the channel.
    pub fn len(&self) -> usize {
        match &self.flavor {
            SenderFlavor::Real(sender) => sender.len(),
            SenderFlavor::Simulated(SimSender(chan)) => chan.len(),
        }
    }

    /// Whether no message waits in the channel.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The channel's capacity (`None`: unbounded).
    pub fn capacity(&self) -> Option<usize> {
        match &self.flavor {
            SenderFlavor::Real(sender) => sender.capacity(),
            SenderFlavor::Simulated(SimSender(chan)) => chan.capacity(),
        }
    }

    /// Whether both senders feed the same channel.
    pub fn same_channel(&self, other: &Sender<T>) -> bool {
        match (&self.flavor, &other.flavor) {
            (SenderFlavor::Real(a), SenderFlavor::Real(b)) => a.same_channel(b),
            (SenderFlavor::Simulated(a), SenderFlavor::Simulated(b)) => Arc::ptr_eq(&a.0, &b.0),
            _ => false,
        }
    }
}

impl<T> Clone for Sender<T> {
    #[inline]
    fn clone(&self) -> Sender<T> {
        let flavor = match &self.flavor {
            SenderFlavor::Real(sender) => SenderFlavor::Real(sender.clone()),
            SenderFlavor::Simulated(SimSender(chan)) => {
                chan.add_sender();
                SenderFlavor::Simulated(SimSender(Arc::clone(chan)))
            }
        };
        Sender { flavor }
    }
}

impl<T> Drop for SimSender<T> {
    fn drop(&mut self) {
        self.0.remove_sender();
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sender { .. }")
    }
}
