//! `select!`: crossbeam's macro syntax over [`Select`](super::Select), so code written with
//! `crossbeam_channel::select!` ports by changing its `use` line.
//!
//! Supported arms (any order, at most one `default`):
//! `recv(receiver) -> result => body`, `send(sender, message) -> result => body`,
//! `default(timeout) => body` (a timed select) and `default => body` (a non-blocking one).
//! Bodies may `return`, `break` or `continue`: they are inlined, not closures. The
//! `receiver`/`sender` expressions are evaluated once; `message` only if its send is chosen.

/// Waits on several channel operations, with `crossbeam_channel::select!`'s syntax, over
/// [`Select`](crate::channel::Select) (so it works in both modes).
///
/// Arms, in any order, with at most one `default`: `recv(receiver) -> result => body`,
/// `send(sender, message) -> result => body`, `default(timeout) => body` (a timed select)
/// and `default => body` (a non-blocking one). Bodies may `return`, `break` or `continue`:
/// they are inlined, not closures. The channel expressions are evaluated once; a message
/// only if its send is chosen.
///
/// ```
/// use labsim::channel::unbounded;
/// use std::time::Duration;
///
/// let (tx, rx) = unbounded::<u32>();
/// let (_stop_tx, stop_rx) = unbounded::<()>();
/// tx.send(3).unwrap();
/// let got = labsim::select! {
///     recv(rx) -> message => message.ok(),
///     recv(stop_rx) -> _ => None,
///     default(Duration::from_secs(1)) => None,
/// };
/// assert_eq!(got, Some(3));
/// ```
#[macro_export]
macro_rules! select {
    ($($arms:tt)*) => {
        $crate::__labsim_select_parse!([] [] $($arms)*)
    };
}

/// Parses `select!` arms into `(kind [..] ..)` groups; not public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __labsim_select_parse {
    ([$($ops:tt)*] [$($default:tt)*]) => {{
        let mut __labsim_select = $crate::channel::Select::new();
        $crate::__labsim_select_build!(__labsim_select [$($ops)*] [] [$($default)*])
    }};

    ([$($ops:tt)*] [$($default:tt)*]
        recv($receiver:expr) -> $result:pat => $body:block , $($rest:tt)*) => {
        $crate::__labsim_select_parse!(
            [$($ops)* (recv [$receiver] [$result] [$body])] [$($default)*] $($rest)*)
    };
    ([$($ops:tt)*] [$($default:tt)*]
        recv($receiver:expr) -> $result:pat => $body:block $($rest:tt)*) => {
        $crate::__labsim_select_parse!(
            [$($ops)* (recv [$receiver] [$result] [$body])] [$($default)*] $($rest)*)
    };
    ([$($ops:tt)*] [$($default:tt)*]
        recv($receiver:expr) -> $result:pat => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__labsim_select_parse!(
            [$($ops)* (recv [$receiver] [$result] [$body])] [$($default)*] $($($rest)*)?)
    };

    ([$($ops:tt)*] [$($default:tt)*]
        send($sender:expr, $message:expr) -> $result:pat => $body:block , $($rest:tt)*) => {
        $crate::__labsim_select_parse!(
            [$($ops)* (send [$sender] [$message] [$result] [$body])] [$($default)*] $($rest)*)
    };
    ([$($ops:tt)*] [$($default:tt)*]
        send($sender:expr, $message:expr) -> $result:pat => $body:block $($rest:tt)*) => {
        $crate::__labsim_select_parse!(
            [$($ops)* (send [$sender] [$message] [$result] [$body])] [$($default)*] $($rest)*)
    };
    ([$($ops:tt)*] [$($default:tt)*]
        send($sender:expr, $message:expr) -> $result:pat => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__labsim_select_parse!(
            [$($ops)* (send [$sender] [$message] [$result] [$body])] [$($default)*]
            $($($rest)*)?)
    };

    ([$($ops:tt)*] [] default($timeout:expr) => $body:block , $($rest:tt)*) => {
        $crate::__labsim_select_parse!([$($ops)*] [(timeout [$timeout] [$body])] $($rest)*)
    };
    ([$($ops:tt)*] [] default($timeout:expr) => $body:block $($rest:tt)*) => {
        $crate::__labsim_select_parse!([$($ops)*] [(timeout [$timeout] [$body])] $($rest)*)
    };
    ([$($ops:tt)*] [] default($timeout:expr) => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__labsim_select_parse!([$($ops)*] [(timeout [$timeout] [$body])] $($($rest)*)?)
    };

    ([$($ops:tt)*] [] default => $body:block , $($rest:tt)*) => {
        $crate::__labsim_select_parse!([$($ops)*] [(now [$body])] $($rest)*)
    };
    ([$($ops:tt)*] [] default => $body:block $($rest:tt)*) => {
        $crate::__labsim_select_parse!([$($ops)*] [(now [$body])] $($rest)*)
    };
    ([$($ops:tt)*] [] default => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__labsim_select_parse!([$($ops)*] [(now [$body])] $($($rest)*)?)
    };
}

/// Registers each operation (binding its channel and index under fresh hygienic names),
/// then selects and dispatches; not public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __labsim_select_build {
    ($select:ident [(recv [$receiver:expr] [$result:pat] [$body:expr]) $($rest:tt)*]
        [$($done:tt)*] [$($default:tt)*]) => {{
        let __labsim_channel = &$receiver;
        let __labsim_index = $select.recv(__labsim_channel);
        $crate::__labsim_select_build!($select [$($rest)*]
            [$($done)* (recv __labsim_index __labsim_channel [$result] [$body])]
            [$($default)*])
    }};
    ($select:ident [(send [$sender:expr] [$message:expr] [$result:pat] [$body:expr]) $($rest:tt)*]
        [$($done:tt)*] [$($default:tt)*]) => {{
        let __labsim_channel = &$sender;
        let __labsim_index = $select.send(__labsim_channel);
        $crate::__labsim_select_build!($select [$($rest)*]
            [$($done)* (send __labsim_index __labsim_channel [$message] [$result] [$body])]
            [$($default)*])
    }};

    ($select:ident [] [$($done:tt)*] []) => {{
        let __labsim_operation = $select.select();
        $crate::__labsim_select_dispatch!(__labsim_operation [$($done)*])
    }};
    ($select:ident [] [$($done:tt)*] [(timeout [$timeout:expr] [$body:expr])]) => {
        match $select.select_timeout($timeout) {
            ::std::result::Result::Ok(__labsim_operation) => {
                $crate::__labsim_select_dispatch!(__labsim_operation [$($done)*])
            }
            ::std::result::Result::Err(_) => $body,
        }
    };
    ($select:ident [] [$($done:tt)*] [(now [$body:expr])]) => {
        match $select.try_select() {
            ::std::result::Result::Ok(__labsim_operation) => {
                $crate::__labsim_select_dispatch!(__labsim_operation [$($done)*])
            }
            ::std::result::Result::Err(_) => $body,
        }
    };
}

/// Runs the arm of the chosen operation; not public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __labsim_select_dispatch {
    ($operation:ident []) => {
        ::std::unreachable!("labsim::select!: an operation index matched no arm")
    };
    ($operation:ident [(recv $index:ident $channel:ident [$result:pat] [$body:expr]) $($rest:tt)*]) => {
        if $operation.index() == $index {
            let $result = $operation.recv($channel);
            $body
        } else {
            $crate::__labsim_select_dispatch!($operation [$($rest)*])
        }
    };
    ($operation:ident
        [(send $index:ident $channel:ident [$message:expr] [$result:pat] [$body:expr]) $($rest:tt)*]) => {
        if $operation.index() == $index {
            let $result = $operation.send($channel, $message);
            $body
        } else {
            $crate::__labsim_select_dispatch!($operation [$($rest)*])
        }
    };
}
