//! A lock built on the key/value service alone: one key per lock, holding the id of the lock
//! client that has it, or `""` when it is free.
//!
//! Taking the lock is a versioned put of one's id over `""`: of the clients that read the
//! same free version, exactly one put takes effect. A put that answers `Maybe` is settled by
//! reading the key again: the id in it says who won, and ids are unique per lock client. No
//! leases: a client that stops while holding the lock keeps it (the course leaves that out).

use std::time::Duration;

use labsim::rand::LabRng;
// lab:hide 2
use labsim::thread::sleep;
use rand::distributions::Alphanumeric;
use rand::Rng;

use crate::{Clerk, KvClerk, KvError, Version};

/// How long `acquire` waits before looking again at a lock someone else holds.
// lab:given 2
const POLL_INTERVAL: Duration = Duration::from_millis(5);

/// How many characters a lock client's random id has (the course's 8).
const ID_LENGTH: usize = 8;

/// The value of a free lock's key.
const FREE: &str = "";

/// A lock client: one name's lock, as seen by one holder.
///
/// Two `Lock`s with the same name exclude each other, whichever clerks they use; locks with
/// different names are independent. Not reentrant: `acquire` on a lock this client already
/// holds returns at once, and one `release` frees it.
#[derive(Debug)]
pub struct Lock<C: KvClerk = Clerk> {
    /// How this lock client reaches the key/value service; it may be shared with other
    /// lock clients and other callers.
    clerk: C,
    /// The key the lock lives at.
    name: String,
    /// This client's random id, the value of the key while it holds the lock.
    id: String,
}

impl<C: KvClerk> Lock<C> {
    /// The lock named `name`, used through `clerk`, with a fresh random id.
    pub fn new(clerk: C, name: &str) -> Lock<C> {
        Lock {
            clerk,
            name: name.to_string(),
            id: random_id(),
        }
    }

    /// The lock's name (its key).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// This lock client's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Blocks until this client holds the lock.
    ///
    /// Reads the key; if it holds our id, an earlier put of ours took effect and the lock is
    /// ours; if it is free, puts our id at the version read: `Ok` wins, `Version` means
    /// another client won, `Maybe` is settled by reading again. If someone else holds it,
    /// waits `POLL_INTERVAL` (`labsim::thread::sleep`) and reads again.
    ///
    /// What the tests rely on: when it returns, the key holds this client's id and no other
    /// client of the lock's name holds it, on an unreliable network too; it returns at once
    /// if this client already holds the lock; it waits as long as another client holds it,
    /// and gets it soon after a release. `read` and `vanished` below are given for it.
    // lab:solution 2
    pub fn acquire(&self) {
        loop {
            let (holder, version) = self.read();
            if holder == self.id {
                return;
            }
            if holder == FREE {
                match self.clerk.put(&self.name, &self.id, version) {
                    Ok(()) => return,
                    Err(KvError::Version | KvError::Maybe) => continue,
                    Err(KvError::NoKey) => self.vanished(version),
                }
            }
            sleep(POLL_INTERVAL);
        }
    }

    /// Frees the lock.
    ///
    /// Puts `""` over our id at the version read. A `Maybe` (or `Version`) answer is settled
    /// by reading again: once the key no longer holds our id, our release took effect.
    ///
    /// # Panics
    ///
    /// If this client does not hold the lock: releasing someone else's lock is a bug in the
    /// caller, and going on would break mutual exclusion.
    ///
    /// What the tests rely on: when it returns, the key is free (`""`) or already taken by a
    /// waiting client, so that a waiting `acquire` can get the lock.
    // lab:solution 2
    pub fn release(&self) {
        let mut attempts = 0;
        loop {
            let (holder, version) = self.read();
            if holder != self.id {
                assert!(
                    attempts > 0,
                    "release of lock {:?} by {:?}, which does not hold it (holder {holder:?})",
                    self.name,
                    self.id
                );
                return;
            }
            match self.clerk.put(&self.name, FREE, version) {
                Ok(()) => return,
                Err(KvError::Version | KvError::Maybe) => attempts += 1,
                Err(KvError::NoKey) => self.vanished(version),
            }
        }
    }

    /// The lock's holder (`""` if free) and the key's version; a missing key is a lock never
    /// taken, free at version 0.
    // lab:given 2
    fn read(&self) -> (String, Version) {
        match self.clerk.get(&self.name) {
            Ok(holder_and_version) => holder_and_version,
            Err(KvError::NoKey) => (FREE.to_string(), 0),
            Err(error) => panic!("get of lock {:?} answered {error:?}", self.name),
        }
    }

    /// A put at a version just read answered `NoKey`: the key existed, or the put was at
    /// version 0, which creates it. Keys are never deleted, so the server is broken.
    // lab:given 2
    fn vanished(&self, version: Version) -> ! {
        panic!(
            "put of lock {:?} at v{version} answered NoKey, but keys are never deleted",
            self.name
        )
    }
}

/// A fresh random id of [`ID_LENGTH`] letters and digits.
fn random_id() -> String {
    LabRng::new()
        .sample_iter(&Alphanumeric)
        .take(ID_LENGTH)
        .map(char::from)
        .collect()
}
