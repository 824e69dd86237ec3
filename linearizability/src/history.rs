//! What a tester records: whole operations, or call and return events.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A timestamp in the checker's units (nanoseconds, ticks, positions: only the order matters).
pub type Time = i64;

/// One operation as a client saw it: what it asked, when, what came back, and when.
///
/// The interval `[call, ret]` is **closed**: two operations whose intervals merely touch
/// (`[10, 20]` and `[20, 30]`) count as concurrent, so a clock that repeats values never
/// produces a false violation.
///
/// An operation whose outcome is unknown (the client gave up, the reply was lost) has
/// `output: None`; it may have taken effect at any moment after its call. If `ret` is also
/// `None` it may even take effect after everything else, or never (it is placed at +∞).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operation<I, O> {
    /// Which client issued it; the picture draws one row per client.
    pub client: usize,
    /// What was asked.
    pub input: I,
    /// When the call was made.
    pub call: Time,
    /// What came back; `None` when the outcome is unknown.
    #[serde(default = "Option::default")]
    pub output: Option<O>,
    /// When the reply arrived; `None` when it never did (read as +∞).
    /// A return earlier than the call is read as equal to the call.
    #[serde(rename = "return", default)]
    pub ret: Option<Time>,
}

impl<I, O> Operation<I, O> {
    /// A completed operation: called at `call`, returned `output` at `ret`.
    pub fn new(
        client: usize,
        input: I,
        call: impl IntoTime,
        output: O,
        ret: impl IntoTime,
    ) -> Self {
        Operation {
            client,
            input,
            call: call.into_time(),
            output: Some(output),
            ret: Some(ret.into_time()),
        }
    }

    /// An operation whose client gave up: it may take effect at any time after `call`, or never.
    pub fn unknown(client: usize, input: I, call: impl IntoTime) -> Self {
        Operation {
            client,
            input,
            call: call.into_time(),
            output: None,
            ret: None,
        }
    }
}

/// One entry of an event history: the position in the list is the time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Event<I, O> {
    /// A client called an operation; `id` pairs it with its return.
    Call {
        /// Which client.
        client: usize,
        /// Pairs this call with its return; may be reused once the return is seen.
        id: u64,
        /// What was asked.
        input: I,
    },
    /// The operation `id` returned; `output: None` means it returned without a known result.
    Return {
        /// Which client (informational; the pairing uses `id`).
        client: usize,
        /// The id of the matching call.
        id: u64,
        /// What came back, if known.
        output: Option<O>,
    },
}

/// Anything a tester may use as a timestamp: signed or unsigned integers, or a `Duration`
/// since the start of the test (taken in nanoseconds). Values past `i64::MAX` saturate.
pub trait IntoTime {
    /// The value as a checker timestamp.
    fn into_time(self) -> Time;
}

impl IntoTime for i64 {
    fn into_time(self) -> Time {
        self
    }
}

impl IntoTime for u64 {
    fn into_time(self) -> Time {
        Time::try_from(self).unwrap_or(Time::MAX)
    }
}

impl IntoTime for i32 {
    fn into_time(self) -> Time {
        Time::from(self)
    }
}

impl IntoTime for u32 {
    fn into_time(self) -> Time {
        Time::from(self)
    }
}

impl IntoTime for usize {
    fn into_time(self) -> Time {
        Time::try_from(self).unwrap_or(Time::MAX)
    }
}

impl IntoTime for Duration {
    fn into_time(self) -> Time {
        Time::try_from(self.as_nanos()).unwrap_or(Time::MAX)
    }
}
