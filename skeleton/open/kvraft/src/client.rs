//! The clerk.

use labrpc::ClientEnd;

/// A key/value client. Its calls block until some replica carries them out.
pub struct Clerk {
    // Your state: the replicas' ends, who led last, how to number requests.
}

impl Clerk {
    /// A clerk that talks to the replicas through `ends`, one per replica (in no particular
    /// order).
    pub fn new(ends: Vec<ClientEnd>) -> Clerk {
        let _ = ends;
        todo!("4A: Clerk::new")
    }

    /// The value of `key`, or `""` if it was never written.
    pub fn get(&self, key: &str) -> String {
        let _ = key;
        todo!("4A: Clerk::get")
    }

    /// Sets `key` to `value`; takes effect once, however often it is retried.
    pub fn put(&self, key: &str, value: &str) {
        let _ = (key, value);
        todo!("4A: Clerk::put")
    }

    /// Appends `value` to the value of `key` (`""` if never written); takes effect once,
    /// however often it is retried.
    pub fn append(&self, key: &str, value: &str) {
        let _ = (key, value);
        todo!("4A: Clerk::append")
    }
}
