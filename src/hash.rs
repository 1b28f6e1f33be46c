//! SHA-1 and HMAC-SHA1 on top of a SHA-1 block function.
//!
//! The signature needs a hasher that takes input in small pieces as the
//! HttpString is produced, and an HMAC whose padded key states can be
//! computed once and cloned per request. Both are a thin layer over the
//! compression function: the state is 5 words, a 64-byte block buffer and
//! a block counter, and nothing here allocates or panics.
//!
//! The compression function is the `sha1` crate's
//! ([`sha1::block_api::compress`]: SHA instructions where the CPU has
//! them, else fully unrolled) but in the compact build (`cos_compact`, on
//! by default on bare metal), where it is [`compress_rolled`]: one loop of
//! 80 rounds over a 16-word schedule, about 0.3 KiB of Cortex-M code
//! instead of about 3 KiB, at roughly half the speed. Both are tested
//! against each other, the whole suite runs with each
//! (`RUSTFLAGS="--cfg cos_compact"` on a host), and the firmware self-test
//! signs the official vectors with the rolled one on an emulated
//! Cortex-M3.
//!
//! # Why not the `hmac` crate over `sha1::Sha1`
//!
//! Not the padded keys: `hmac` computes both once as well, and over the
//! same block function the two HMAC layers are within about 120 bytes of
//! each other (the link check's `sign` group on Cortex-M: 13,928 bytes
//! with this code on `sha1`'s block function, 14,052 with `hmac` 0.13 over
//! `sha1` 0.11). The reasons are the block function and the panic proof.
//! `sha1` 0.11 has no compact backend (its `sha1_backend` cfg chooses
//! only among soft, x86 and aarch64 forms), and `sha1::Sha1` and `hmac`
//! run that crate's block function, about 2.9 KiB of Cortex-M code
//! against 280 bytes for [`compress_rolled`]: putting the rolled one
//! under them takes a digest core of our own, that is this buffering and
//! padding anyway. And the firmware link check cannot link them: `sha1`'s
//! finalization (a `zip` of `chunks_exact_mut` and a `copy_from_slice`)
//! and `hmac`'s key setup (a `copy_from_slice`) keep three panic branches
//! at opt-level "z". All told, on one tree that differed only in this
//! module, the `sign` group was 11,178 bytes with it (1,144 of them
//! SHA-1, HMAC and hex) and 14,052 with the two crates (about 4.1 KiB of
//! them): rustc 1.95, `cargo build --release --no-default-features
//! --features sign,diagnose` in `firmware/linkcheck` (`diagnose` links
//! the panics), `llvm-size -A`, `.text` + `.rodata`.

use crate::bytes::copy;

const H0: [u32; 5] = [
    0x6745_2301,
    0xEFCD_AB89,
    0x98BA_DCFE,
    0x1032_5476,
    0xC3D2_E1F0,
];
const BLOCK: usize = 64;

/// The padding SHA-1 appends: 0x80, then zeros.
#[cfg(not(cos_compact))]
static PAD: [u8; BLOCK] = {
    let mut p = [0u8; BLOCK];
    p[0] = 0x80;
    p
};

/// The SHA-1 compression function of this build.
#[inline]
pub(crate) fn compress(state: &mut [u32; 5], block: &[u8; BLOCK]) {
    #[cfg(cos_compact)]
    compress_rolled(state, block);
    #[cfg(not(cos_compact))]
    sha1::block_api::compress(state, core::slice::from_ref(block));
}

/// The SHA-1 compression function (FIPS 180-4, 6.1.2), rolled up: the
/// message schedule is kept as a ring of 16 words.
#[cfg_attr(not(any(test, cos_compact)), allow(dead_code))]
fn compress_rolled(state: &mut [u32; 5], block: &[u8; BLOCK]) {
    let mut w = [0u32; 16];
    for (word, bytes) in w.iter_mut().zip(block.chunks_exact(4)) {
        if let [b0, b1, b2, b3] = *bytes {
            *word = u32::from_be_bytes([b0, b1, b2, b3]);
        }
    }
    let [mut a, mut b, mut c, mut d, mut e] = *state;
    for t in 0..80 {
        let s = t & 15;
        if t >= 16 {
            let x = w[(t + 13) & 15] ^ w[(t + 8) & 15] ^ w[(t + 2) & 15] ^ w[s];
            w[s] = x.rotate_left(1);
        }
        let (f, k) = match t {
            0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
            20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
            40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
            _ => (b ^ c ^ d, 0xCA62_C1D6),
        };
        let temp = a
            .rotate_left(5)
            .wrapping_add(f)
            .wrapping_add(e)
            .wrapping_add(k)
            .wrapping_add(w[s]);
        e = d;
        d = c;
        c = b.rotate_left(30);
        b = a;
        a = temp;
    }
    for (h, v) in state.iter_mut().zip([a, b, c, d, e]) {
        *h = h.wrapping_add(v);
    }
}

/// Length of a SHA-1 digest in bytes.
pub(crate) const DIGEST_LEN: usize = 20;

/// Streaming SHA-1.
///
/// `repr(C)`, state first: the block buffer then starts at offset 20, a
/// multiple of 4 but not of 8, so that zeroing it in [`new`](Self::new)
/// is the `memclr4` the rest of the code uses rather than a `memclr8` of
/// its own (174 bytes of Cortex-M flash: the `u64` makes the hasher
/// 8-aligned, and Rust's own layout put the buffer at offset 0).
#[derive(Clone)]
#[repr(C)]
pub(crate) struct Sha1 {
    h: [u32; 5],
    buf: [u8; BLOCK],
    pos: usize,
    blocks: u64,
}

impl Sha1 {
    pub(crate) const fn new() -> Self {
        Self {
            h: H0,
            buf: [0; BLOCK],
            pos: 0,
            blocks: 0,
        }
    }

    /// Absorbs `data`.
    pub(crate) fn update(&mut self, mut data: &[u8]) {
        if self.pos > 0 {
            // pos < BLOCK between calls.
            let free = BLOCK.wrapping_sub(self.pos);
            let take = free.min(data.len());
            let (head, rest) = data.split_at(take);
            if let Some(dst) = self.buf.get_mut(self.pos..) {
                copy(dst, head);
            }
            self.pos = self.pos.wrapping_add(take);
            data = rest;
            if self.pos < BLOCK {
                return;
            }
            // The length counts modulo 2^64, as SHA-1 defines it.
            self.blocks = self.blocks.wrapping_add(1);
            compress(&mut self.h, &self.buf);
            self.pos = 0;
        }
        let mut chunks = data.chunks_exact(BLOCK);
        for chunk in &mut chunks {
            if let Ok(block) = <&[u8; BLOCK]>::try_from(chunk) {
                self.blocks = self.blocks.wrapping_add(1);
                compress(&mut self.h, block);
            }
        }
        let rest = chunks.remainder();
        copy(&mut self.buf, rest);
        self.pos = rest.len();
    }

    /// Pads, compresses the last block(s) and returns the digest. The
    /// hasher is spent afterwards (taken by reference only to spare the
    /// stack a copy of it).
    pub(crate) fn finalize(&mut self) -> [u8; DIGEST_LEN] {
        // The message length in bits, modulo 2^64 (FIPS 180-4).
        let bit_len = self
            .blocks
            .wrapping_mul(BLOCK as u64)
            .wrapping_add(self.pos as u64)
            .wrapping_mul(8);
        // 0x80, then zeros up to 8 bytes before a block's end (one block
        // more if fewer than 9 bytes are left in this one), then the
        // length.
        //
        // Hosts absorb the padding as input from a static block: the
        // buffer's tail is filled by one copy. The compact build stores it
        // a byte at a time: the byte stored changes, so this stays a loop
        // rather than becoming a `memset` of the buffer's tail (which
        // would link a `memclr` variant of its own), and it takes less
        // flash and stack than the copy.
        #[cfg(not(cos_compact))]
        {
            // pos < BLOCK: the padding is 1 to 64 bytes.
            let pad = (BLOCK - 8 + BLOCK - 1).wrapping_sub(self.pos) % BLOCK + 1;
            self.update(PAD.get(..pad).unwrap_or_default());
            self.update(&bit_len.to_be_bytes());
        }
        #[cfg(cos_compact)]
        {
            let mut pos = self.pos;
            let mut pad = 0x80;
            loop {
                if let Some(b) = self.buf.get_mut(pos) {
                    *b = pad;
                }
                pad = 0;
                // pos < BLOCK.
                pos = pos.wrapping_add(1);
                if pos == BLOCK {
                    compress(&mut self.h, &self.buf);
                    pos = 0;
                }
                if pos == BLOCK - 8 {
                    break;
                }
            }
            if let Some(len) = self.buf.get_mut(BLOCK - 8..) {
                copy(len, &bit_len.to_be_bytes());
            }
            compress(&mut self.h, &self.buf);
        }
        digest(&self.h)
    }
}

/// The digest of a final state.
fn digest(h: &[u32; 5]) -> [u8; DIGEST_LEN] {
    let mut out = [0u8; DIGEST_LEN];
    for (dst, word) in out.chunks_exact_mut(4).zip(h) {
        copy(dst, &word.to_be_bytes());
    }
    out
}

/// SHA-1 of one message. Never inlined: its hasher stays out of the
/// frame of [`HmacSha1::new`] (which calls it only for a key longer than a
/// block), so that keying with a short key does not take that stack.
#[inline(never)]
pub(crate) fn sha1(data: &[u8]) -> [u8; DIGEST_LEN] {
    let mut h = Sha1::new();
    h.update(data);
    h.finalize()
}

/// HMAC-SHA1 (RFC 2104) with both padded-key states precomputed, so that a
/// clone costs no compression.
#[derive(Clone)]
pub(crate) struct HmacSha1 {
    inner: Sha1,
    /// The outer hash's state after its padded-key block: all it needs,
    /// since the rest of its input is the inner digest (one more block).
    outer: [u32; 5],
}

impl HmacSha1 {
    /// Keys the MAC. A key longer than the block is hashed first.
    pub(crate) fn new(key: &[u8]) -> Self {
        let mut mac = Self {
            inner: Sha1::new(),
            outer: H0,
        };
        mac.rekey(key);
        mac
    }

    /// Keys this MAC anew, in place ([`new`](Self::new) without a second
    /// MAC state on the stack to move in).
    pub(crate) fn rekey(&mut self, key: &[u8]) {
        let mut k = [0u8; BLOCK];
        if key.len() > BLOCK {
            copy(&mut k, &sha1(key));
        } else {
            copy(&mut k, key);
        }
        // The inner hash after its key block: the buffer is empty, so
        // what it held no longer matters.
        self.inner.h = Self::padded(&k, 0x36);
        self.inner.pos = 0;
        self.inner.blocks = 1;
        self.outer = Self::padded(&k, 0x5c);
    }

    /// The state after compressing `key ^ pad`.
    fn padded(key: &[u8; BLOCK], pad: u8) -> [u32; 5] {
        let mut block = *key;
        block.iter_mut().for_each(|b| *b ^= pad);
        let mut h = H0;
        compress(&mut h, &block);
        h
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        self.inner.update(data);
    }

    /// The MAC. Spent afterwards, as [`Sha1::finalize`].
    pub(crate) fn finalize(&mut self) -> [u8; DIGEST_LEN] {
        let inner = self.inner.finalize();
        // The outer message after the key block is the inner digest: one
        // block of digest, 0x80, zeros and the bit length of both blocks.
        let mut block = [0u8; BLOCK];
        copy(&mut block, &inner);
        if let Some(b) = block.get_mut(DIGEST_LEN) {
            *b = 0x80;
        }
        if let Some(len) = block.get_mut(BLOCK - 8..) {
            copy(len, &(((BLOCK + DIGEST_LEN) * 8) as u64).to_be_bytes());
        }
        let mut h = self.outer;
        compress(&mut h, &block);
        digest(&h)
    }
}

/// One-shot HMAC-SHA1.
#[cfg(test)]
pub(crate) fn hmac_sha1(key: &[u8], msg: &[u8]) -> [u8; DIGEST_LEN] {
    let mut m = HmacSha1::new(key);
    m.update(msg);
    m.finalize()
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The two hex digits of every byte: one load per byte on hosts; the
/// compact build looks up each digit in `HEX` (512 bytes of flash saved).
#[cfg(not(cos_compact))]
static HEX_PAIRS: [[u8; 2]; 256] = {
    let mut t = [[0u8; 2]; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = [HEX[b >> 4], HEX[b & 0xf]];
        b += 1;
    }
    t
};

/// Lowercase hex of a digest.
pub(crate) fn hex40(d: &[u8; DIGEST_LEN]) -> [u8; 40] {
    let mut out = [0u8; 40];
    for (pair, &b) in out.chunks_exact_mut(2).zip(d) {
        #[cfg(not(cos_compact))]
        let digits = HEX_PAIRS[usize::from(b)];
        #[cfg(cos_compact)]
        let digits = [HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xf)]];
        if let [hi, lo] = pair {
            [*hi, *lo] = digits;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        ::hex::decode(s).unwrap()
    }

    #[test]
    fn sha1_known_answers() {
        // FIPS 180 examples.
        assert_eq!(
            sha1(b"abc").to_vec(),
            hex("a9993e364706816aba3e25717850c26c9cd0d89d")
        );
        assert_eq!(
            sha1(b"").to_vec(),
            hex("da39a3ee5e6b4b0d3255bfef95601890afd80709")
        );
        assert_eq!(
            sha1(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").to_vec(),
            hex("84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        );
    }

    #[test]
    fn rolled_compression_matches_the_sha1_crate() {
        // A small deterministic generator: states and blocks of every kind.
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..2000 {
            let mut state: [u32; 5] = core::array::from_fn(|_| next() as u32);
            if round == 0 {
                state = H0;
            }
            let mut block = [0u8; BLOCK];
            for b in &mut block {
                *b = match round % 4 {
                    0 => next() as u8,
                    1 => 0,
                    2 => 0xff,
                    _ => (next() as u8) & 0x81,
                };
            }
            let mut want = state;
            ::sha1::block_api::compress(&mut want, core::slice::from_ref(&block));
            let mut got = state;
            compress_rolled(&mut got, &block);
            assert_eq!(got, want, "round {round}");
        }
    }

    #[test]
    fn sha1_any_split_matches_the_sha1_crate() {
        use ::sha1::Digest;
        let data: Vec<u8> = (0..300u32).map(|i| (i * 7 + 3) as u8).collect();
        for len in [0, 1, 55, 56, 63, 64, 65, 119, 120, 128, 300] {
            let msg = &data[..len];
            let want = ::sha1::Sha1::digest(msg);
            for split in [0, 1, 7, 63, 64, 65, len / 2, len] {
                let split = split.min(len);
                let mut h = Sha1::new();
                h.update(&msg[..split]);
                h.update(&msg[split..]);
                assert_eq!(h.finalize()[..], want[..], "len {len} split {split}");
            }
        }
    }

    /// RFC 2202, section 3: the seven HMAC-SHA1 test cases.
    #[test]
    fn hmac_sha1_rfc2202() {
        let cases: [(Vec<u8>, Vec<u8>, &str); 7] = [
            (
                vec![0x0b; 20],
                b"Hi There".to_vec(),
                "b617318655057264e28bc0b6fb378c8ef146be00",
            ),
            (
                b"Jefe".to_vec(),
                b"what do ya want for nothing?".to_vec(),
                "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
            ),
            (
                vec![0xaa; 20],
                vec![0xdd; 50],
                "125d7342b9ac11cd91a39af48aa17b4f63f175d3",
            ),
            (
                (1..=25).collect(),
                vec![0xcd; 50],
                "4c9007f4026250c6bc8414f9bf50c86c2d7235da",
            ),
            (
                vec![0x0c; 20],
                b"Test With Truncation".to_vec(),
                "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04",
            ),
            (
                vec![0xaa; 80],
                b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(),
                "aa4ae5e15272d00e95705637ce8a3b55ed402112",
            ),
            (
                vec![0xaa; 80],
                b"Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"
                    .to_vec(),
                "e8e99d0f45237d786d6bbaa7965c7808bbff1a91",
            ),
        ];
        for (key, data, want) in cases {
            assert_eq!(hmac_sha1(&key, &data).to_vec(), hex(want));
        }
    }

    #[test]
    fn hmac_matches_the_hmac_crate_for_all_key_lengths() {
        use ::hmac::{KeyInit, Mac};
        let msg: Vec<u8> = (0..150u8).collect();
        for key_len in [0, 1, 20, 63, 64, 65, 128, 300] {
            let key: Vec<u8> = (0..key_len).map(|i| (i * 31 + 7) as u8).collect();
            for msg_len in [0, 1, 55, 64, 119, 150] {
                let mut oracle = ::hmac::Hmac::<::sha1::Sha1>::new_from_slice(&key).unwrap();
                oracle.update(&msg[..msg_len]);
                let want = oracle.finalize().into_bytes();
                assert_eq!(
                    hmac_sha1(&key, &msg[..msg_len])[..],
                    want[..],
                    "{key_len}/{msg_len}"
                );
            }
        }
    }

    #[test]
    fn hex_is_lowercase() {
        let d: [u8; 20] = core::array::from_fn(|i| (i as u8) * 13);
        assert_eq!(&hex40(&d)[..], ::hex::encode(d).as_bytes());
    }
}
