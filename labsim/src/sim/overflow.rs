//! A simulated thread that overflows its stack is named, not left to a bare segfault.
//!
//! Each simulated thread's stack has a guard page below it; running into it raises SIGSEGV
//! (SIGBUS on some systems). std's own handler only knows the guard pages of OS threads, so
//! for a coroutine's it would print nothing. This handler, installed once per process in
//! front of whatever was there, recognises a fault in the running simulated thread's guard
//! page, prints which thread of which simulation overflowed and how to give it more stack,
//! and aborts the process, as std does for an OS thread that overflows. Any other fault goes
//! to the previous handler unchanged.

use std::ffi::c_void;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use super::executor;

/// The handlers this one stands in front of: SIGSEGV's, then SIGBUS's.
struct Previous([libc::sigaction; 2]);

static PREVIOUS: OnceLock<Previous> = OnceLock::new();

/// The size of a memory page, read once at installation (`sysconf` is not safe in a signal
/// handler).
static PAGE_SIZE: AtomicUsize = AtomicUsize::new(4096);

const SIGNALS: [libc::c_int; 2] = [libc::SIGSEGV, libc::SIGBUS];

/// Installs the handler (once per process; later calls do nothing).
pub(crate) fn install_handler() {
    PREVIOUS.get_or_init(|| {
        // SAFETY: plain libc calls on zeroed structures; the handler only reads thread-local
        // cells, does arithmetic and writes to stderr before aborting or chaining.
        unsafe {
            let page = libc::sysconf(libc::_SC_PAGESIZE);
            if page > 0 {
                PAGE_SIZE.store(page as usize, Ordering::Relaxed);
            }
            let mut previous: [libc::sigaction; 2] = std::mem::zeroed();
            for (index, signal) in SIGNALS.into_iter().enumerate() {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = on_fault as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(signal, &action, &mut previous[index]);
            }
            Previous(previous)
        }
    });
}

extern "C" fn on_fault(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut c_void) {
    let record = executor::running_for_signal();
    // SAFETY: the kernel hands a valid siginfo; the record, when set, is the running
    // coroutine's, at the bottom of its stack, which the overflow has not reached.
    unsafe {
        if let Some(running) = record.as_ref() {
            let address = (*info).si_addr() as usize;
            let page = PAGE_SIZE.load(Ordering::Relaxed);
            let guard = running.stack_limit..running.stack_limit.saturating_add(page);
            if guard.contains(&address) {
                report(running);
                libc::abort();
            }
        }
        chain(signal, info, context);
    }
}

/// Hands the fault to the handler that was installed before this one; a default action is
/// restored so that the faulting instruction, run again, takes it.
unsafe fn chain(signal: libc::c_int, info: *mut libc::siginfo_t, context: *mut c_void) {
    let Some(Previous(previous)) = PREVIOUS.get() else {
        return;
    };
    let index = usize::from(signal != libc::SIGSEGV);
    let action = &previous[index];
    match action.sa_sigaction {
        libc::SIG_DFL | libc::SIG_IGN => {
            libc::sigaction(signal, action, std::ptr::null_mut());
        }
        handler if action.sa_flags & libc::SA_SIGINFO != 0 => {
            let handler: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut c_void) =
                std::mem::transmute(handler);
            handler(signal, info, context);
        }
        handler => {
            let handler: extern "C" fn(libc::c_int) = std::mem::transmute(handler);
            handler(signal);
        }
    }
}

/// Writes the report to stderr without allocating (a signal handler may not).
fn report(running: &executor::Running) {
    let mut out = Message::default();
    out.push(b"\nlabsim: simulated thread '");
    out.push(running.name.as_bytes());
    out.push(b"' (#");
    out.number(running.tid as u64);
    out.push(b") has overflowed its stack of ");
    out.number((running.stack_size / 1024) as u64);
    out.push(b" KiB (simulation seed ");
    out.number(running.shared.seed);
    out.push(b").\nlabsim: look for endless recursion, or give simulated threads more stack with ");
    out.push(super::STACK_VAR.as_bytes());
    out.push(b"=<size> (say 16M) or Sim::stack_size.\n");
    // SAFETY: write(2) is async-signal-safe; the buffer is valid for its length.
    unsafe {
        libc::write(2, out.bytes.as_ptr().cast(), out.len);
    }
}

/// A fixed buffer for the report; what does not fit is cut.
struct Message {
    bytes: [u8; 1024],
    len: usize,
}

impl Default for Message {
    fn default() -> Message {
        Message {
            bytes: [0; 1024],
            len: 0,
        }
    }
}

impl Message {
    fn push(&mut self, text: &[u8]) {
        let room = self.bytes.len() - self.len;
        let take = text.len().min(room);
        self.bytes[self.len..self.len + take].copy_from_slice(&text[..take]);
        self.len += take;
    }

    fn number(&mut self, mut value: u64) {
        let mut digits = [0u8; 20];
        let mut start = digits.len();
        loop {
            start -= 1;
            digits[start] = b'0' + (value % 10) as u8;
            value /= 10;
            if value == 0 {
                break;
            }
        }
        self.push(&digits[start..]);
    }
}
