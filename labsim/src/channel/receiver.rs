//! The receiving half of a channel.

use std::fmt;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use crossbeam_channel::{RecvError, RecvTimeoutError, TryRecvError};

use super::simulated::{Chan, Deadline, Side};
use crate::sim::context;

/// The receiving half, shaped like `crossbeam_channel::Receiver`; clone it for more
/// receivers (each message goes to one). The channel disconnects when every receiver is
/// dropped.
pub struct Receiver<T> {
    pub(super) flavor: ReceiverFlavor<T>,
}

pub(super) enum ReceiverFlavor<T> {
    Real(crossbeam_channel::Receiver<T>),
    Simulated(SimReceiver<T>),
}

/// One counted receiver of a simulated channel.
pub(super) struct SimReceiver<T>(pub(super) Arc<Chan<T>>);

impl<T> Receiver<T> {
    pub(super) fn real(receiver: crossbeam_channel::Receiver<T>) -> Receiver<T> {
        Receiver {
            flavor: ReceiverFlavor::Real(receiver),
        }
    }

    pub(super) fn simulated(chan: Arc<Chan<T>>) -> Receiver<T> {
        Receiver {
            flavor: ReceiverFlavor::Simulated(SimReceiver(chan)),
        }
    }

    /// Receives, waiting for a message; `Err` once the channel is empty and every sender is
    /// gone.
    #[inline]
    #[track_caller]
    pub fn recv(&self) -> Result<T, RecvError> {
        match &self.flavor {
            ReceiverFlavor::Real(receiver) => {
                if context::in_sim() {
                    return match receiver.try_recv() {
                        Ok(message) => Ok(message),
                        Err(TryRecvError::Disconnected) => Err(RecvError),
                        Err(TryRecvError::Empty) => super::cannot_block_in_simulation("recv"),
                    };
                }
                receiver.recv()
            }
            ReceiverFlavor::Simulated(SimReceiver(chan)) => {
                chan.recv(None, Location::caller()).map_err(|_| RecvError)
            }
        }
    }

    /// Receives a message if one is waiting, without blocking.
    #[inline]
    pub fn try_recv(&self) -> Result<T, TryRecvError> {
        match &self.flavor {
            ReceiverFlavor::Real(receiver) => receiver.try_recv(),
            ReceiverFlavor::Simulated(SimReceiver(chan)) => chan.try_recv(),
        }
    }

    /// Receives, waiting at most `timeout` (virtual time in simulation).
    #[inline]
    #[track_caller]
    pub fn recv_timeout(&self, timeout: Duration) -> Result<T, RecvTimeoutError> {
        match &self.flavor {
            ReceiverFlavor::Real(receiver) => {
                if context::in_sim() {
                    super::cannot_block_in_simulation("recv_timeout");
                }
                receiver.recv_timeout(timeout)
            }
            ReceiverFlavor::Simulated(SimReceiver(chan)) => {
                chan.recv(Deadline::after(timeout), Location::caller())
            }
        }
    }

    /// A blocking iterator that ends when the channel disconnects.
    pub fn iter(&self) -> Iter<'_, T> {
        Iter { receiver: self }
    }

    /// An iterator over the messages waiting now.
    pub fn try_iter(&self) -> TryIter<'_, T> {
        TryIter { receiver: self }
    }

    /// Says that the calling thread holds this channel's receiving side, and keeps it (see
    /// [`Sender::bind_to_current_thread`](super::Sender::bind_to_current_thread)): in
    /// simulation, a thread waiting to send on the channel then counts as waiting for this
    /// thread when labsim looks for a cycle of waits. Does nothing in real mode.
    pub fn bind_to_current_thread(&self) {
        if let ReceiverFlavor::Simulated(SimReceiver(chan)) = &self.flavor {
            chan.bind(Side::Recv);
        }
    }

    /// Messages waiting in the channel.
    pub fn len(&self) -> usize {
        match &self.flavor {
            ReceiverFlavor::Real(receiver) => receiver.len(),
            ReceiverFlavor::Simulated(SimReceiver(chan)) => chan.len(),
        }
    }

    /// Whether no message waits in the channel.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The channel's capacity (`None`: unbounded).
    pub fn capacity(&self) -> Option<usize> {
        match &self.flavor {
            ReceiverFlavor::Real(receiver) => receiver.capacity(),
            ReceiverFlavor::Simulated(SimReceiver(chan)) => chan.capacity(),
        }
    }

    /// Whether both receivers drain the same channel.
    pub fn same_channel(&self, other: &Receiver<T>) -> bool {
        match (&self.flavor, &other.flavor) {
            (ReceiverFlavor::Real(a), ReceiverFlavor::Real(b)) => a.same_channel(b),
            (ReceiverFlavor::Simulated(a), ReceiverFlavor::Simulated(b)) => Arc::ptr_eq(&a.0, &b.0),
            _ => false,
        }
    }
}

impl<T> Clone for Receiver<T> {
    #[inline]
    fn clone(&self) -> Receiver<T> {
        let flavor = match &self.flavor {
            ReceiverFlavor::Real(receiver) => ReceiverFlavor::Real(receiver.clone()),
            ReceiverFlavor::Simulated(SimReceiver(chan)) => {
                chan.add_receiver();
                ReceiverFlavor::Simulated(SimReceiver(Arc::clone(chan)))
            }
        };
        Receiver { flavor }
    }
}

impl<T> Drop for SimReceiver<T> {
    fn drop(&mut self) {
        self.0.remove_receiver();
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Receiver { .. }")
    }
}

/// Blocking iterator over received messages; see [`Receiver::iter`].
pub struct Iter<'a, T> {
    receiver: &'a Receiver<T>,
}

impl<T> Iterator for Iter<'_, T> {
    type Item = T;

    #[track_caller]
    fn next(&mut self) -> Option<T> {
        self.receiver.recv().ok()
    }
}

/// Non-blocking iterator over waiting messages; see [`Receiver::try_iter`].
pub struct TryIter<'a, T> {
    receiver: &'a Receiver<T>,
}

impl<T> Iterator for TryIter<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.receiver.try_recv().ok()
    }
}
