//! Waiting on several channel operations at once, shaped like `crossbeam_channel::Select`.
//!
//! ```
//! use labsim::channel::{unbounded, Select};
//! use std::time::Duration;
//!
//! let (tx_a, rx_a) = unbounded::<i32>();
//! let (_tx_b, rx_b) = unbounded::<i32>();
//! tx_a.send(1).unwrap();
//! let mut select = Select::new();
//! let a = select.recv(&rx_a);
//! let b = select.recv(&rx_b);
//! let operation = select.select_timeout(Duration::from_secs(1)).unwrap();
//! assert_eq!(operation.index(), a);
//! assert_eq!(operation.recv(&rx_a), Ok(1));
//! # let _ = b;
//! ```

use std::panic::Location;
use std::time::Duration;

use crossbeam_channel::{RecvError, SelectTimeoutError, SendError, TrySelectError};

use super::receiver::{Receiver, ReceiverFlavor, SimReceiver};
use super::sender::{Sender, SenderFlavor, SimSender};
use super::simulated::{Chan, Deadline, Side};
use crate::sim::context;
use crate::sim::wait::{Key, SelectWait, Wait, Wake};

/// A set of send and receive operations to wait on; each `send`/`recv` call returns the
/// index that [`SelectedOperation::index`] reports when that operation is chosen. When
/// several are ready, one is chosen at random (by the seeded RNG in simulation).
///
/// All operations of one select must be on channels of the same kind: all created inside a
/// simulation, or all outside.
pub struct Select<'a> {
    real: crossbeam_channel::Select<'a>,
    simulated: Vec<Box<dyn SimOperation + 'a>>,
    real_count: usize,
}

/// The operation a select chose; complete it with [`recv`](SelectedOperation::recv) or
/// [`send`](SelectedOperation::send) on the same channel, right away.
pub struct SelectedOperation<'a> {
    inner: Selected<'a>,
}

enum Selected<'a> {
    Real(crossbeam_channel::SelectedOperation<'a>),
    Simulated(usize),
}

/// One operation on a simulated channel, type-erased.
trait SimOperation {
    fn is_ready(&self) -> bool;
    fn key(&self) -> Key;
    fn describe(&self) -> SelectWait;
    fn enter_wait(&self);
    fn leave_wait(&self);
}

struct SimOp<'a, T> {
    chan: &'a Chan<T>,
    side: Side,
}

impl<T> SimOperation for SimOp<'_, T> {
    fn is_ready(&self) -> bool {
        self.chan.is_ready(self.side)
    }

    fn key(&self) -> Key {
        self.chan.key(self.side)
    }

    fn describe(&self) -> SelectWait {
        SelectWait {
            send: self.side == Side::Send,
            channel: self.chan.object,
            owner: self.chan.owner(self.side).clone(),
        }
    }

    fn enter_wait(&self) {
        self.chan.enter_wait(self.side)
    }

    fn leave_wait(&self) {
        self.chan.leave_wait(self.side)
    }
}

impl Default for Select<'_> {
    fn default() -> Self {
        Select::new()
    }
}

impl<'a> Select<'a> {
    /// An empty select.
    pub fn new() -> Select<'a> {
        Select {
            real: crossbeam_channel::Select::new(),
            simulated: Vec::new(),
            real_count: 0,
        }
    }

    /// Adds a receive on `receiver`; returns its index.
    pub fn recv<T>(&mut self, receiver: &'a Receiver<T>) -> usize {
        match &receiver.flavor {
            ReceiverFlavor::Real(receiver) => {
                self.real_count += 1;
                self.real.recv(receiver)
            }
            ReceiverFlavor::Simulated(SimReceiver(chan)) => self.push_simulated(chan, Side::Recv),
        }
    }

    /// Adds a send on `sender`; returns its index.
    pub fn send<T>(&mut self, sender: &'a Sender<T>) -> usize {
        match &sender.flavor {
            SenderFlavor::Real(sender) => {
                self.real_count += 1;
                self.real.send(sender)
            }
            SenderFlavor::Simulated(SimSender(chan)) => self.push_simulated(chan, Side::Send),
        }
    }

    fn push_simulated<T>(&mut self, chan: &'a Chan<T>, side: Side) -> usize {
        self.simulated.push(Box::new(SimOp { chan, side }));
        self.simulated.len() - 1
    }

    /// Waits until one operation is ready and returns it.
    #[track_caller]
    pub fn select(&mut self) -> SelectedOperation<'a> {
        if self.is_real() {
            if context::in_sim() {
                super::cannot_block_in_simulation("select");
            }
            return SelectedOperation::real(self.real.select());
        }
        match self.select_simulated(None, Location::caller()) {
            Some(index) => SelectedOperation::simulated(index),
            None => unreachable!("a select without deadline timed out"),
        }
    }

    /// Waits at most `timeout` for one operation to be ready.
    #[track_caller]
    pub fn select_timeout(
        &mut self,
        timeout: Duration,
    ) -> Result<SelectedOperation<'a>, SelectTimeoutError> {
        if self.is_real() {
            if context::in_sim() {
                super::cannot_block_in_simulation("select_timeout");
            }
            return self
                .real
                .select_timeout(timeout)
                .map(SelectedOperation::real);
        }
        match Deadline::after(timeout) {
            None => Ok(self.select()),
            Some(deadline) => self
                .select_simulated(Some(deadline), Location::caller())
                .map(SelectedOperation::simulated)
                .ok_or(SelectTimeoutError),
        }
    }

    /// Returns an operation that is ready now, if any.
    pub fn try_select(&mut self) -> Result<SelectedOperation<'a>, TrySelectError> {
        if self.is_real() {
            return self.real.try_select().map(SelectedOperation::real);
        }
        self.pick_ready()
            .map(SelectedOperation::simulated)
            .ok_or(TrySelectError)
    }

    /// True when every operation is on a crossbeam channel; panics on a mix.
    fn is_real(&self) -> bool {
        assert!(
            self.real_count == 0 || self.simulated.is_empty(),
            "labsim: a select mixes channels created inside and outside a simulation"
        );
        self.simulated.is_empty()
    }

    /// One ready operation, chosen by the seeded RNG if several are.
    fn pick_ready(&self) -> Option<usize> {
        let ready: Vec<usize> = (0..self.simulated.len())
            .filter(|index| self.simulated[*index].is_ready())
            .collect();
        if ready.is_empty() {
            return None;
        }
        let choice = match context::current() {
            Some(context) => context.choose(ready.len()),
            None => 0,
        };
        Some(ready[choice])
    }

    /// Waits for a ready operation until `deadline`; `None` on timeout.
    fn select_simulated(
        &self,
        deadline: Option<Deadline>,
        location: &'static Location<'static>,
    ) -> Option<usize> {
        loop {
            if let Some(index) = self.pick_ready() {
                return Some(index);
            }
            let woke = self.block(deadline, location);
            if woke != Wake::Notified {
                return self.pick_ready().or(match woke {
                    // Unwinding after the simulation ended: report the first operation,
                    // whose completion then fails without blocking.
                    Wake::Aborted if deadline.is_none() => Some(0),
                    _ => None,
                });
            }
        }
    }

    /// Blocks until an operation may have become ready: in the scheduler for a simulated
    /// thread; by polling for a thread outside any simulation.
    fn block(&self, deadline: Option<Deadline>, location: &'static Location<'static>) -> Wake {
        let Some(context) = context::current() else {
            if let Some(Deadline::Real(at)) = deadline {
                if std::time::Instant::now() >= at {
                    return Wake::Timeout;
                }
            }
            std::thread::sleep(Chan::<()>::outside_select_poll());
            return Wake::Notified;
        };
        let at = match deadline {
            None => None,
            Some(Deadline::Virtual(at)) => Some(at),
            Some(Deadline::Real(_)) => unreachable!("a real deadline in a simulation"),
        };
        let keys: Vec<Key> = self.simulated.iter().map(|op| op.key()).collect();
        for operation in &self.simulated {
            operation.enter_wait();
        }
        let wait = Wait::Select(self.simulated.iter().map(|op| op.describe()).collect());
        let woke = context.block(&keys, at, wait, location);
        for operation in &self.simulated {
            operation.leave_wait();
        }
        woke
    }
}

impl<'a> SelectedOperation<'a> {
    fn real(operation: crossbeam_channel::SelectedOperation<'a>) -> SelectedOperation<'a> {
        SelectedOperation {
            inner: Selected::Real(operation),
        }
    }

    fn simulated(index: usize) -> SelectedOperation<'a> {
        SelectedOperation {
            inner: Selected::Simulated(index),
        }
    }

    /// The index of the chosen operation, as returned when it was added.
    pub fn index(&self) -> usize {
        match &self.inner {
            Selected::Real(operation) => operation.index(),
            Selected::Simulated(index) => *index,
        }
    }

    /// Completes a chosen receive.
    #[track_caller]
    pub fn recv<T>(self, receiver: &'a Receiver<T>) -> Result<T, RecvError> {
        match (self.inner, &receiver.flavor) {
            (Selected::Real(operation), ReceiverFlavor::Real(receiver)) => operation.recv(receiver),
            (Selected::Simulated(_), ReceiverFlavor::Simulated(_)) => receiver.recv(),
            _ => panic!("labsim: SelectedOperation::recv on a channel of another kind"),
        }
    }

    /// Completes a chosen send.
    #[track_caller]
    pub fn send<T>(self, sender: &'a Sender<T>, message: T) -> Result<(), SendError<T>> {
        match (self.inner, &sender.flavor) {
            (Selected::Real(operation), SenderFlavor::Real(sender)) => {
                operation.send(sender, message)
            }
            (Selected::Simulated(_), SenderFlavor::Simulated(_)) => sender.send(message),
            _ => panic!("labsim: SelectedOperation::send on a channel of another kind"),
        }
    }
}
