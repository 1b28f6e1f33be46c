//! MD5, for the multipart ETag only (`md5(md5(part 1) ‖ … ‖ md5(part n))`).
//!
//! Hosts use the `md-5` crate. Bare metal uses the rolled compression
//! function below, measured on `thumbv7em-none-eabihf` at opt-level "z"
//! (`firmware/linkcheck`, feature `copy`): `md-5`'s unrolled compression
//! is about 1.9 KB, and its `chunks_exact(4)` word loop (the one
//! `hash::compress_rolled` also has) is then called from enough places to
//! stay out of line with its division-by-zero panic, which fails the
//! link check's no-panic proof. The rolled form is about 0.4 KB and has
//! no panic path. The tests run it on the host against `md-5`.

/// An MD5 being computed.
#[derive(Clone)]
pub(crate) struct Md5 {
    #[cfg(not(cos_compact))]
    inner: md5::Md5,
    #[cfg(cos_compact)]
    inner: Rolled,
}

impl Md5 {
    pub(crate) fn new() -> Self {
        Self {
            #[cfg(not(cos_compact))]
            inner: <md5::Md5 as md5::Digest>::new(),
            #[cfg(cos_compact)]
            inner: Rolled::new(),
        }
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        #[cfg(not(cos_compact))]
        md5::Digest::update(&mut self.inner, data);
        #[cfg(cos_compact)]
        self.inner.update(data);
    }

    pub(crate) fn finalize(self) -> [u8; 16] {
        #[cfg(not(cos_compact))]
        return md5::Digest::finalize(self.inner).into();
        #[cfg(cos_compact)]
        self.inner.finalize()
    }
}

/// Per-step left rotations: four per round.
#[cfg(any(test, cos_compact))]
const SHIFT: [u32; 16] = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];

/// `floor(abs(sin(i + 1)) × 2^32)`, RFC 1321's table T.
#[cfg(any(test, cos_compact))]
const T: [u32; 64] = [
    0xd76a_a478,
    0xe8c7_b756,
    0x2420_70db,
    0xc1bd_ceee,
    0xf57c_0faf,
    0x4787_c62a,
    0xa830_4613,
    0xfd46_9501,
    0x6980_98d8,
    0x8b44_f7af,
    0xffff_5bb1,
    0x895c_d7be,
    0x6b90_1122,
    0xfd98_7193,
    0xa679_438e,
    0x49b4_0821,
    0xf61e_2562,
    0xc040_b340,
    0x265e_5a51,
    0xe9b6_c7aa,
    0xd62f_105d,
    0x0244_1453,
    0xd8a1_e681,
    0xe7d3_fbc8,
    0x21e1_cde6,
    0xc337_07d6,
    0xf4d5_0d87,
    0x455a_14ed,
    0xa9e3_e905,
    0xfcef_a3f8,
    0x676f_02d9,
    0x8d2a_4c8a,
    0xfffa_3942,
    0x8771_f681,
    0x6d9d_6122,
    0xfde5_380c,
    0xa4be_ea44,
    0x4bde_cfa9,
    0xf6bb_4b60,
    0xbebf_bc70,
    0x289b_7ec6,
    0xeaa1_27fa,
    0xd4ef_3085,
    0x0488_1d05,
    0xd9d4_d039,
    0xe6db_99e5,
    0x1fa2_7cf8,
    0xc4ac_5665,
    0xf429_2244,
    0x432a_ff97,
    0xab94_23a7,
    0xfc93_a039,
    0x655b_59c3,
    0x8f0c_cc92,
    0xffef_f47d,
    0x8584_5dd1,
    0x6fa8_7e4f,
    0xfe2c_e6e0,
    0xa301_4314,
    0x4e08_11a1,
    0xf753_7e82,
    0xbd3a_f235,
    0x2ad7_d2bb,
    0xeb86_d391,
];

/// MD5 with a rolled compression function, fed a byte at a time (its
/// input is a few kilobytes of part digests at most).
///
/// `repr(C)`, the block at offset 20 (a multiple of 4, not of 8): zeroing
/// it is the `memclr4` the rest of the code uses, not a `memclr8` of its
/// own (174 bytes of Cortex-M flash; the `u64` makes the struct 8-aligned).
#[cfg(any(test, cos_compact))]
#[derive(Clone)]
#[repr(C)]
struct Rolled {
    state: [u32; 4],
    /// Bytes in `block`, 0..64.
    fill: usize,
    block: [u8; 64],
    /// Message length in bytes.
    len: u64,
}

#[cfg(any(test, cos_compact))]
impl Rolled {
    const fn new() -> Self {
        Self {
            state: [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476],
            fill: 0,
            block: [0; 64],
            len: 0,
        }
    }

    fn push(&mut self, byte: u8) {
        if let Some(slot) = self.block.get_mut(self.fill & 63) {
            *slot = byte;
        }
        self.fill = (self.fill & 63).wrapping_add(1);
        if self.fill == 64 {
            compress(&mut self.state, &self.block);
            self.fill = 0;
        }
    }

    fn update(&mut self, data: &[u8]) {
        self.len = self.len.wrapping_add(data.len() as u64);
        for &b in data {
            self.push(b);
        }
    }

    fn finalize(mut self) -> [u8; 16] {
        let bits = self.len.wrapping_mul(8);
        self.push(0x80);
        while self.fill != 56 {
            self.push(0);
        }
        for b in bits.to_le_bytes() {
            self.push(b);
        }
        let mut out = [0u8; 16];
        for (i, word) in self.state.iter().enumerate() {
            let at = i.wrapping_mul(4);
            if let Some(dst) = out.get_mut(at..at.wrapping_add(4)) {
                crate::bytes::copy(dst, &word.to_le_bytes());
            }
        }
        out
    }
}

/// RFC 1321's compression of one 64-byte block, one loop of 64 steps.
#[cfg(any(test, cos_compact))]
fn compress(state: &mut [u32; 4], block: &[u8; 64]) {
    let mut m = [0u32; 16];
    for (i, word) in m.iter_mut().enumerate() {
        let at = i.wrapping_mul(4);
        if let Some(&[b0, b1, b2, b3]) = block.get(at..at.wrapping_add(4)) {
            *word = u32::from_le_bytes([b0, b1, b2, b3]);
        }
    }
    let [mut a, mut b, mut c, mut d] = *state;
    for i in 0..64usize {
        let (f, g) = match i >> 4 {
            0 => ((b & c) | (!b & d), i),
            1 => ((d & b) | (!d & c), i.wrapping_mul(5).wrapping_add(1)),
            2 => (b ^ c ^ d, i.wrapping_mul(3).wrapping_add(5)),
            _ => (c ^ (b | !d), i.wrapping_mul(7)),
        };
        let f = f
            .wrapping_add(a)
            .wrapping_add(T[i & 63])
            .wrapping_add(m[g & 15]);
        a = d;
        d = c;
        c = b;
        b = b.wrapping_add(f.rotate_left(SHIFT[((i >> 4) << 2 | (i & 3)) & 15]));
    }
    for (s, v) in state.iter_mut().zip([a, b, c, d]) {
        *s = s.wrapping_add(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use md5::Digest;

    fn rolled(data: &[u8]) -> [u8; 16] {
        let mut r = Rolled::new();
        r.update(data);
        r.finalize()
    }

    #[test]
    fn rfc_1321_test_suite() {
        for (input, want) in [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            (
                "abcdefghijklmnopqrstuvwxyz",
                "c3fcd3d76192e4007dfb496cca67e13b",
            ),
            (
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                "d174ab98d277d9f5a5611c2c9f419d9f",
            ),
            (
                "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "57edf4a22be3c955ac49da2e2107b67a",
            ),
        ] {
            assert_eq!(hex::encode(rolled(input.as_bytes())), want, "{input:?}");
        }
    }

    #[test]
    fn the_rolled_form_is_the_crates_at_every_length_and_split() {
        let data: Vec<u8> = (0..300u32)
            .map(|i| (i.wrapping_mul(131) >> 3) as u8)
            .collect();
        for len in 0..data.len() {
            let want: [u8; 16] = md5::Md5::digest(&data[..len]).into();
            assert_eq!(rolled(&data[..len]), want, "length {len}");
            let mut r = Rolled::new();
            let (x, y) = data[..len].split_at(len / 3);
            r.update(x);
            r.update(y);
            assert_eq!(r.finalize(), want, "length {len} in two pieces");
        }
        // What this build uses is the same.
        let mut m = Md5::new();
        m.update(&data);
        assert_eq!(m.finalize(), rolled(&data));
    }
}
