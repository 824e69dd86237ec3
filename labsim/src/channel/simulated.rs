//! The channel of simulation mode: a queue under a lock, whose waiters block in the
//! scheduler (or, for threads outside any simulation, on a real condvar).
//!
//! Capacity follows crossbeam: `None` is unbounded, `Some(n)` holds at most `n` messages,
//! and `Some(0)` is a rendezvous: a send completes only when a receiver is waiting for it.

use std::collections::VecDeque;
use std::panic::Location;
use std::time::Duration;

use crossbeam_channel::{RecvTimeoutError, SendTimeoutError, TryRecvError, TrySendError};
use parking_lot::{Condvar, Mutex};

use crate::sim::context::{self, Context};
use crate::sim::wait::{Key, ObjectId, Owner, Wait, Wake};

/// How often a thread outside any simulation re-checks a select over simulated channels.
const OUTSIDE_SELECT_POLL: Duration = Duration::from_millis(1);

/// When a wait gives up: virtual time for a simulated thread, real time outside.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Deadline {
    Virtual(Duration),
    Real(std::time::Instant),
}

impl Deadline {
    /// `timeout` from now on the caller's clock; `None` if that is too far to represent.
    pub(crate) fn after(timeout: Duration) -> Option<Deadline> {
        match context::current() {
            Some(context) => context.now().checked_add(timeout).map(Deadline::Virtual),
            None => std::time::Instant::now()
                .checked_add(timeout)
                .map(Deadline::Real),
        }
    }
}

/// One simulated channel, shared by its senders and receivers.
pub(crate) struct Chan<T> {
    /// The deadlock report's number for this channel.
    pub(crate) object: ObjectId,
    state: Mutex<ChanState<T>>,
    /// Threads outside any simulation that block on this channel wait here.
    outside: Condvar,
    capacity: Option<usize>,
    /// The thread holding the senders, once one has said so: receivers wait for it.
    sending_thread: Owner,
    /// The thread holding the receivers, once one has said so: senders wait for it.
    receiving_thread: Owner,
}

struct ChanState<T> {
    queue: VecDeque<T>,
    senders: usize,
    receivers: usize,
    /// Receivers blocked right now; a rendezvous send needs one per queued message.
    waiting_receivers: usize,
}

/// Which side of the channel an operation is on.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Send,
    Recv,
}

impl<T> Chan<T> {
    /// A channel with one sender and one receiver, numbered `object` for reports.
    pub(crate) fn new(capacity: Option<usize>, object: ObjectId) -> Chan<T> {
        Chan {
            object,
            state: Mutex::new(ChanState {
                queue: VecDeque::new(),
                senders: 1,
                receivers: 1,
                waiting_receivers: 0,
            }),
            outside: Condvar::new(),
            capacity,
            sending_thread: Owner::default(),
            receiving_thread: Owner::default(),
        }
    }

    /// The wait-queue key of one side: receivers wait on the channel's address, senders on
    /// the next byte.
    pub(crate) fn key(&self, side: Side) -> Key {
        let address = self as *const Chan<T> as Key;
        match side {
            Side::Recv => address,
            Side::Send => address + 1,
        }
    }

    /// The thread a waiter on `side` waits for, when the other side's holder has said so.
    pub(crate) fn owner(&self, side: Side) -> &Owner {
        match side {
            Side::Recv => &self.sending_thread,
            Side::Send => &self.receiving_thread,
        }
    }

    /// The calling simulated thread says it holds `side` of the channel (every handle of that
    /// side, for as long as it keeps them); outside a simulation this does nothing.
    pub(crate) fn bind(&self, side: Side) {
        if let Some(context) = context::current() {
            let other = match side {
                Side::Send => Side::Recv,
                Side::Recv => Side::Send,
            };
            self.owner(other).set(context.tid);
        }
    }

    /// Whether an operation on `side` would complete now (possibly with a disconnection).
    pub(crate) fn is_ready(&self, side: Side) -> bool {
        let state = self.state.lock();
        match side {
            Side::Recv => !state.queue.is_empty() || state.senders == 0,
            Side::Send => state.receivers == 0 || self.has_room(&state),
        }
    }

    fn has_room(&self, state: &ChanState<T>) -> bool {
        match self.capacity {
            None => true,
            Some(0) => state.queue.len() < state.waiting_receivers,
            Some(capacity) => state.queue.len() < capacity,
        }
    }

    /// Wakes whoever waits on `side`: simulated waiters through the scheduler (a scheduling
    /// point), outside waiters through the condvar.
    fn wake(&self, side: Side, context: Option<&Context>) {
        self.outside.notify_all();
        if let Some(context) = context {
            context.wake_all(self.key(side));
        }
    }

    pub(crate) fn try_send(&self, message: T) -> Result<(), TrySendError<T>> {
        let mut state = self.state.lock();
        if state.receivers == 0 {
            return Err(TrySendError::Disconnected(message));
        }
        if !self.has_room(&state) {
            return Err(TrySendError::Full(message));
        }
        state.queue.push_back(message);
        drop(state);
        self.wake(Side::Recv, context::current().as_ref());
        Ok(())
    }

    pub(crate) fn try_recv(&self) -> Result<T, TryRecvError> {
        let mut state = self.state.lock();
        match state.queue.pop_front() {
            Some(message) => {
                drop(state);
                if self.capacity.is_some() {
                    self.wake(Side::Send, context::current().as_ref());
                }
                Ok(message)
            }
            None if state.senders == 0 => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    /// Sends, waiting for room until virtual (or, outside a simulation, real) `deadline`.
    pub(crate) fn send(
        &self,
        mut message: T,
        deadline: Option<Deadline>,
        location: &'static Location<'static>,
    ) -> Result<(), SendTimeoutError<T>> {
        loop {
            message = match self.try_send(message) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Disconnected(message)) => {
                    return Err(SendTimeoutError::Disconnected(message))
                }
                Err(TrySendError::Full(message)) => message,
            };
            let key = self.key(Side::Send);
            let woke = self.block(
                &[key],
                deadline,
                Wait::Send {
                    channel: self.object,
                    owner: self.owner(Side::Send).clone(),
                },
                location,
            );
            if woke != Wake::Notified {
                return match self.try_send(message) {
                    Ok(()) => Ok(()),
                    Err(TrySendError::Disconnected(message)) => {
                        Err(SendTimeoutError::Disconnected(message))
                    }
                    Err(TrySendError::Full(message)) => Err(SendTimeoutError::Timeout(message)),
                };
            }
        }
    }

    /// Receives, waiting for a message until `deadline` (virtual, or real outside).
    pub(crate) fn recv(
        &self,
        deadline: Option<Deadline>,
        location: &'static Location<'static>,
    ) -> Result<T, RecvTimeoutError> {
        loop {
            match self.try_recv() {
                Ok(message) => return Ok(message),
                Err(TryRecvError::Disconnected) => return Err(RecvTimeoutError::Disconnected),
                Err(TryRecvError::Empty) => {}
            }
            self.enter_wait(Side::Recv);
            let key = self.key(Side::Recv);
            let woke = self.block(
                &[key],
                deadline,
                Wait::Recv {
                    channel: self.object,
                    owner: self.owner(Side::Recv).clone(),
                },
                location,
            );
            self.leave_wait(Side::Recv);
            if woke != Wake::Notified {
                return self.try_recv().map_err(|error| match error {
                    TryRecvError::Disconnected => RecvTimeoutError::Disconnected,
                    TryRecvError::Empty => RecvTimeoutError::Timeout,
                });
            }
        }
    }

    /// Before blocking on `side`: a rendezvous receiver announces itself to senders.
    pub(crate) fn enter_wait(&self, side: Side) {
        if side == Side::Recv && self.capacity == Some(0) {
            self.state.lock().waiting_receivers += 1;
            self.outside.notify_all();
            if let Some(context) = context::current() {
                context.wake_all_quietly(&[self.key(Side::Send)]);
            }
        }
    }

    /// After blocking on `side`.
    pub(crate) fn leave_wait(&self, side: Side) {
        if side == Side::Recv && self.capacity == Some(0) {
            self.state.lock().waiting_receivers -= 1;
        }
    }

    /// Blocks the caller until woken on `keys` or until `deadline`: in the scheduler for a
    /// simulated thread, on the real condvar otherwise.
    fn block(
        &self,
        keys: &[Key],
        deadline: Option<Deadline>,
        wait: Wait,
        location: &'static Location<'static>,
    ) -> Wake {
        match context::current() {
            Some(context) => {
                let at = match deadline {
                    None => None,
                    Some(Deadline::Virtual(at)) => Some(at),
                    Some(Deadline::Real(_)) => unreachable!("a real deadline in a simulation"),
                };
                context.block(keys, at, wait, location)
            }
            None => self.block_outside(deadline, wait),
        }
    }

    /// A thread outside any simulation waits on the real condvar, re-checking readiness
    /// under the channel lock so no wake-up is lost.
    fn block_outside(&self, deadline: Option<Deadline>, wait: Wait) -> Wake {
        let side = match wait {
            Wait::Send { .. } => Side::Send,
            _ => Side::Recv,
        };
        let mut state = self.state.lock();
        if self.ready_locked(&state, side) {
            return Wake::Notified;
        }
        match deadline {
            None => {
                self.outside.wait(&mut state);
                Wake::Notified
            }
            Some(Deadline::Real(at)) => {
                if self.outside.wait_until(&mut state, at).timed_out() {
                    Wake::Timeout
                } else {
                    Wake::Notified
                }
            }
            Some(Deadline::Virtual(_)) => unreachable!("a virtual deadline outside a simulation"),
        }
    }

    fn ready_locked(&self, state: &ChanState<T>, side: Side) -> bool {
        match side {
            Side::Recv => !state.queue.is_empty() || state.senders == 0,
            Side::Send => state.receivers == 0 || self.has_room(state),
        }
    }

    pub(crate) fn add_sender(&self) {
        self.state.lock().senders += 1;
    }

    pub(crate) fn add_receiver(&self) {
        self.state.lock().receivers += 1;
    }

    /// Drops one sender; the last one disconnects the channel and wakes every receiver.
    pub(crate) fn remove_sender(&self) {
        if let Some(context) = context::current() {
            self.sending_thread.release(context.tid);
        }
        let mut state = self.state.lock();
        state.senders -= 1;
        if state.senders == 0 {
            drop(state);
            self.wake(Side::Recv, context::current().as_ref());
        }
    }

    /// Drops one receiver; the last one disconnects the channel and wakes every sender.
    pub(crate) fn remove_receiver(&self) {
        if let Some(context) = context::current() {
            self.receiving_thread.release(context.tid);
        }
        let mut state = self.state.lock();
        state.receivers -= 1;
        if state.receivers == 0 {
            drop(state);
            self.wake(Side::Send, context::current().as_ref());
        }
    }

    /// Messages queued.
    pub(crate) fn len(&self) -> usize {
        self.state.lock().queue.len()
    }

    /// The capacity given at creation (`None`: unbounded).
    pub(crate) fn capacity(&self) -> Option<usize> {
        self.capacity
    }

    /// How long a thread outside any simulation sleeps between looks at a select.
    pub(crate) fn outside_select_poll() -> Duration {
        OUTSIDE_SELECT_POLL
    }
}
