//! `Instant`: the real monotonic clock, or the simulation's virtual clock.
//!
//! In simulation an `Instant` is the real instant the simulation started plus the virtual
//! time elapsed, so it is still a plain `std::time::Instant` inside, with all its arithmetic;
//! virtual time advances only when every thread waits (sleep, timed waits).

use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::time::Duration;

use crate::sim::context;

/// A point in time, shaped like `std::time::Instant`.
///
/// Inside a simulation `Debug` prints the virtual time since the simulation's start
/// (`Instant(+1.25s)`), so that logs replay byte for byte; outside it prints the std value.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(std::time::Instant);

impl Instant {
    /// Now: the OS clock in real mode, the virtual clock in simulation.
    #[inline]
    pub fn now() -> Instant {
        match context::current() {
            None => Instant(std::time::Instant::now()),
            Some(context) => Instant(context.shared.base + context.now()),
        }
    }

    /// Time passed since `self` (zero if `self` is later).
    #[inline]
    pub fn elapsed(&self) -> Duration {
        Instant::now().saturating_duration_since(*self)
    }

    /// Time from `earlier` to `self`, zero if `earlier` is later (as std since Rust 1.60).
    #[inline]
    pub fn duration_since(&self, earlier: Instant) -> Duration {
        self.0.saturating_duration_since(earlier.0)
    }

    /// Time from `earlier` to `self`, or `None` if `earlier` is later.
    #[inline]
    pub fn checked_duration_since(&self, earlier: Instant) -> Option<Duration> {
        self.0.checked_duration_since(earlier.0)
    }

    /// Time from `earlier` to `self`, or zero if `earlier` is later.
    #[inline]
    pub fn saturating_duration_since(&self, earlier: Instant) -> Duration {
        self.0.saturating_duration_since(earlier.0)
    }

    /// `self + duration`, or `None` on overflow.
    #[inline]
    pub fn checked_add(&self, duration: Duration) -> Option<Instant> {
        self.0.checked_add(duration).map(Instant)
    }

    /// `self - duration`, or `None` if that is before the clock's origin.
    #[inline]
    pub fn checked_sub(&self, duration: Duration) -> Option<Instant> {
        self.0.checked_sub(duration).map(Instant)
    }

    /// The std instant inside (for APIs that take one, such as parking_lot's timed waits).
    #[inline]
    pub fn into_std(self) -> std::time::Instant {
        self.0
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match context::current() {
            Some(context) => {
                let since_start = self.0.saturating_duration_since(context.shared.base);
                write!(f, "Instant(+{since_start:?})")
            }
            None => fmt::Debug::fmt(&self.0, f),
        }
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;

    #[inline]
    fn add(self, duration: Duration) -> Instant {
        Instant(self.0 + duration)
    }
}

impl AddAssign<Duration> for Instant {
    #[inline]
    fn add_assign(&mut self, duration: Duration) {
        self.0 += duration;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;

    #[inline]
    fn sub(self, duration: Duration) -> Instant {
        Instant(self.0 - duration)
    }
}

impl SubAssign<Duration> for Instant {
    #[inline]
    fn sub_assign(&mut self, duration: Duration) {
        self.0 -= duration;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;

    #[inline]
    fn sub(self, earlier: Instant) -> Duration {
        self.duration_since(earlier)
    }
}
