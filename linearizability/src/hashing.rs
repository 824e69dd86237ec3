//! Small, fast, deterministic hashing for states and memo keys.

use std::hash::{BuildHasherDefault, Hash, Hasher};

/// The multiplier of the Fx hash (as in rustc): fast and good enough for memo keys.
const FX_SEED: u64 = 0x517c_c1b7_2722_0a95;

/// A word-at-a-time hasher in the style of rustc's FxHasher.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher {
    hash: u64,
}

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(FX_SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(u64::from_le_bytes(chunk.try_into().expect("8-byte chunk")));
        }
        let mut tail = [0u8; 8];
        let rest = chunks.remainder();
        tail[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(tail) ^ (rest.len() as u64) << 56);
    }

    fn write_u64(&mut self, value: u64) {
        self.add(value);
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// Hashes any `Hash` value with [`FxHasher`].
pub(crate) fn fx_hash<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut hasher = FxHasher::default();
    value.hash(&mut hasher);
    hasher.finish()
}

/// For maps whose keys are already well-mixed 64-bit hashes.
#[derive(Default, Clone, Copy)]
pub(crate) struct IdentityHasher {
    hash: u64,
}

impl Hasher for IdentityHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.hash = (self.hash << 8) | u64::from(byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.hash = value;
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// A `BuildHasher` for [`IdentityHasher`].
pub(crate) type BuildIdentity = BuildHasherDefault<IdentityHasher>;

/// SplitMix64's finaliser: spreads every input bit over the whole word.
pub(crate) fn mix64(mut value: u64) -> u64 {
    value = (value ^ (value >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    value ^ (value >> 31)
}

/// The FNV-1a offset basis: the hash of the empty string.
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// Continues an FNV-1a hash over `bytes`, so `fnv1a(fnv1a(FNV_OFFSET, a), b)` is the hash
/// of `a` followed by `b`: an append updates a string's hash without rereading it.
pub fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for &byte in bytes {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}
