//! The signature's percent-encoder `E`: keeps `A-Z a-z 0-9 - _ . ~`, writes
//! every other byte as `%XX` with uppercase hex.

use crate::sink::{OutputError, Sink, Staged};
use core::cmp::Ordering;

/// Whether `E` leaves `b` as it is (`A-Z a-z 0-9 - _ . ~`): the one
/// definition. Branch-free, so that the accelerator tests 16 bytes at once
/// with it ([`crate::bytes::in_class`]).
#[inline(always)]
const fn unreserved(b: u8) -> bool {
    let letter = (b | 0x20).wrapping_sub(b'a') < 26;
    let digit = b.wrapping_sub(b'0') < 10;
    let dash_dot = b.wrapping_sub(b'-') < 2;
    letter | digit | dash_dot | (b == b'_') | (b == b'~')
}

/// [`unreserved`] as a 128-bit mask: the compact build's form (smaller
/// code than the arithmetic at each use).
#[cfg(cos_compact)]
static UNRESERVED: crate::bytes::AsciiSet = crate::bytes::AsciiSet::from_table(&{
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = unreserved(b as u8);
        b += 1;
    }
    t
});

/// Whether `E` leaves `b` as it is ([`unreserved`]).
#[inline(always)]
pub(crate) fn is_unreserved(b: u8) -> bool {
    #[cfg(cos_compact)]
    return UNRESERVED.contains(b);
    #[cfg(not(cos_compact))]
    unreserved(b)
}

/// Hex digits of an escape, and their lowercase form (a signed name's).
const UPPER: &[u8; 16] = b"0123456789ABCDEF";
const LOWER: &[u8; 16] = b"0123456789abcdef";

/// `%XX` for `b`: uppercase hex digits, or lowercase with `lower` (a
/// signed name's form).
#[inline]
const fn escape(b: u8, lower: bool) -> [u8; 3] {
    let digits = if lower { LOWER } else { UPPER };
    [b'%', digits[(b >> 4) as usize], digits[(b & 0xf) as usize]]
}

/// `E(b)` as it is written on hosts (lowercased with `lower`, a signed
/// name's form): its one to three bytes in the low 24 bits, first byte
/// lowest, and their count in the top two bits.
#[cfg(not(cos_compact))]
const fn entry(b: u8, lower: bool) -> u32 {
    if unreserved(b) {
        (1 << 30) | (if lower { b.to_ascii_lowercase() } else { b }) as u32
    } else {
        let [pct, hi, lo] = escape(b, lower);
        (3 << 30) | (lo as u32) << 16 | (hi as u32) << 8 | pct as u32
    }
}

/// [`entry`] of every byte, plain and lowercased: one load per byte.
#[cfg(not(cos_compact))]
static ENTRIES: [[u32; 256]; 2] = {
    let mut t = [[0u32; 256]; 2];
    let mut b = 0;
    while b < 256 {
        t[0][b] = entry(b as u8, false);
        t[1][b] = entry(b as u8, true);
        b += 1;
    }
    t
};

impl Staged<'_> {
    /// Writes `E(s)`. With `lower`, the result is ASCII-lowercased as well
    /// (letters and the escapes' hex digits): the form a signed name
    /// takes. The one percent-encoder of the signature: an unreserved
    /// byte as it is (lowercased with `lower`), any other as [`escape`].
    ///
    /// On hosts each byte is written as its [`entry`] (a table), and the
    /// accelerator stores 16 bytes at once and passes the unreserved ones
    /// among them, which are their own entries. The compact build writes
    /// runs of unreserved bytes and escapes as they come.
    #[cfg_attr(not(cos_compact), inline(always))]
    pub(crate) fn encoded(&mut self, s: &[u8], lower: bool) -> Result<(), OutputError> {
        #[cfg(not(cos_compact))]
        return self.pump(
            s,
            |c| {
                let run = crate::bytes::in_class(c, &is_unreserved);
                (if lower { crate::sink::lower16(c) } else { *c }, run)
            },
            |b| ENTRIES[usize::from(lower)][usize::from(b)],
        );
        #[cfg(cos_compact)]
        {
            let mut rest = s;
            loop {
                let run = rest
                    .iter()
                    .position(|&b| !is_unreserved(b))
                    .unwrap_or(rest.len());
                let (plain, tail) = rest.split_at_checked(run).unwrap_or((rest, &[]));
                self.put_case(plain, lower)?;
                let Some((&b, tail)) = tail.split_first() else {
                    return Ok(());
                };
                self.array(&escape(b, lower))?;
                rest = tail;
            }
        }
    }
}

/// Writes `E(s)`. With `lower`, the result is ASCII-lowercased as well.
pub(crate) fn put_encoded(out: &mut dyn Sink, s: &[u8], lower: bool) -> Result<(), OutputError> {
    let mut w = Staged::new(out);
    w.encoded(s, lower)?;
    w.finish()
}

/// Writes `E(s)` with `/` kept literal (uppercase hex): the form of an
/// object key in `x-cos-copy-source`.
pub(crate) fn put_encoded_keep_slash(out: &mut dyn Sink, s: &[u8]) -> Result<(), OutputError> {
    for (i, segment) in crate::bytes::numbered(s.split(|&b| b == b'/')) {
        if i > 0 {
            out.put(b"/")?;
        }
        put_encoded(out, segment, false)?;
    }
    Ok(())
}

/// The bytes of `ascii_lowercase(E(s))`, one at a time, for comparisons
/// that must not build the encoded string.
#[derive(Clone)]
pub(crate) struct EncodedLower<'a> {
    rest: &'a [u8],
    pending: [u8; 2],
    npending: u8,
}

impl<'a> EncodedLower<'a> {
    pub(crate) fn new(s: &'a [u8]) -> Self {
        Self {
            rest: s,
            pending: [0; 2],
            npending: 0,
        }
    }
}

impl Iterator for EncodedLower<'_> {
    type Item = u8;

    #[inline]
    fn next(&mut self) -> Option<u8> {
        match self.npending {
            2 => {
                self.npending = 1;
                return Some(self.pending[0]);
            }
            1 => {
                self.npending = 0;
                return Some(self.pending[1]);
            }
            _ => {}
        }
        let (&b, rest) = self.rest.split_first()?;
        self.rest = rest;
        if is_unreserved(b) {
            Some(b.to_ascii_lowercase())
        } else {
            let [_, hi, lo] = escape(b, true);
            self.pending = [hi, lo];
            self.npending = 2;
            Some(b'%')
        }
    }
}

/// Orders two names as the signature sorts them: by
/// `ascii_lowercase(E(name))`, byte-wise, without encoding either.
///
/// `E` and lowercasing work byte by byte, so the encoded names agree up to
/// the first byte whose encodings differ, and those encodings decide: a
/// kept byte is one character above `%` (every unreserved byte is), an
/// escape is `%` and two hex digits that order as the byte does. So each
/// byte compares by [`name_key`], and a name that is a prefix of the other
/// comes first.
pub(crate) fn cmp_names(a: &[u8], b: &[u8]) -> Ordering {
    // Hosts skip the common prefix eight bytes at a time (names of one
    // family, `x-cos-copy-source...`, share long ones).
    #[cfg(not(cos_compact))]
    let (a, b) = common_prefix_skipped(a, b);
    for (&x, &y) in a.iter().zip(b) {
        if x != y {
            let (kx, ky) = (name_key(x), name_key(y));
            if kx != ky {
                return kx.cmp(&ky);
            }
        }
    }
    a.len().cmp(&b.len())
}

/// `a` and `b` after the 8-byte chunks they share.
#[cfg(not(cos_compact))]
fn common_prefix_skipped<'x>(mut a: &'x [u8], mut b: &'x [u8]) -> (&'x [u8], &'x [u8]) {
    while let (Some((x, ra)), Some((y, rb))) =
        (a.split_first_chunk::<8>(), b.split_first_chunk::<8>())
    {
        if x != y {
            break;
        }
        (a, b) = (ra, rb);
    }
    (a, b)
}

/// The order of one name byte in [`cmp_names`]: escaped bytes by value,
/// below every kept byte, which orders by its lowercase form.
#[inline]
fn name_key(b: u8) -> u16 {
    #[cfg(not(cos_compact))]
    return NAME_KEYS[usize::from(b)];
    #[cfg(cos_compact)]
    if is_unreserved(b) {
        0x100 | u16::from(b.to_ascii_lowercase())
    } else {
        u16::from(b)
    }
}

/// [`name_key`] computed (from [`unreserved`], the one definition), for
/// the hosts' table.
#[cfg(not(cos_compact))]
const fn name_key_of(b: u8) -> u16 {
    if unreserved(b) {
        0x100 | b.to_ascii_lowercase() as u16
    } else {
        b as u16
    }
}

/// [`name_key_of`] of every byte: one load on hosts.
#[cfg(not(cos_compact))]
static NAME_KEYS: [u16; 256] = {
    let mut t = [0u16; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = name_key_of(b as u8);
        b += 1;
    }
    t
};

/// Whether `ascii_lowercase(E(name))` equals the already encoded `signed`.
pub(crate) fn name_matches(name: &[u8], signed: &[u8]) -> bool {
    EncodedLower::new(name).eq(signed.iter().copied())
}

/// Decodes `%XX` escapes of `s` into `out`, returning the decoded length.
/// `+` is kept as it is. A bad escape is `Err(position)`; a too-small
/// `out` is `Err(usize::MAX)`.
pub(crate) fn percent_decode(s: &[u8], out: &mut [u8]) -> Result<usize, usize> {
    let mut n = 0;
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        let byte = if b == b'%' {
            let hi = s.get(i + 1).and_then(|&c| hex_val(c));
            let lo = s.get(i + 2).and_then(|&c| hex_val(c));
            match (hi, lo) {
                (Some(h), Some(l)) => {
                    i += 3;
                    (h << 4) | l
                }
                _ => return Err(i),
            }
        } else {
            i += 1;
            b
        };
        *out.get_mut(n).ok_or(usize::MAX)? = byte;
        n += 1;
    }
    Ok(n)
}

/// The value of one hex digit, either case.
pub(crate) fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::to_slice;

    fn enc(s: &str, lower: bool) -> String {
        let mut buf = [0u8; 2048];
        to_slice::<OutputError>(&mut buf, |o| put_encoded(o, s.as_bytes(), lower))
            .unwrap()
            .to_string()
    }

    /// The encoder written the obvious way, byte by byte.
    fn reference(s: &str) -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }

    #[test]
    fn encodes_as_the_spec_says() {
        assert_eq!(enc("a b/c*d~e+f", false), "a%20b%2Fc%2Ad~e%2Bf");
        assert_eq!(enc("A/B", true), "a%2fb");
        assert_eq!(enc("腾", false), "%E8%85%BE");
        assert_eq!(enc("", false), "");
        for s in [
            "x-cos-meta-Ä",
            "a=b&c=d,e;f:g",
            "\u{0}\u{7f}\u{ff}",
            "~._-AZaz09",
        ] {
            assert_eq!(enc(s, false), reference(s));
            assert_eq!(enc(s, true), reference(s).to_ascii_lowercase());
            let lowered: Vec<u8> = EncodedLower::new(s.as_bytes()).collect();
            assert_eq!(lowered, reference(s).to_ascii_lowercase().into_bytes());
        }
    }

    /// The encoder against the reference on strings of every length up to
    /// a few blocks, made of every kind of byte (kept, escaped, non-ASCII),
    /// so that runs start and end at every place of the 16-byte steps and
    /// of the 64-byte blocks.
    #[test]
    fn encodes_long_strings_as_the_reference() {
        let alphabet: &[&str] = &[
            "a", "Z", "-", "~", "%", "/", " ", "é", "腾", "\u{7f}", "9", "_.",
        ];
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        };
        for round in 0..2000 {
            let len = next(if round % 10 == 0 { 200 } else { 40 });
            let s: String = (0..len).map(|_| alphabet[next(alphabet.len())]).collect();
            assert_eq!(enc(&s, false), reference(&s), "{s:?}");
            assert_eq!(enc(&s, true), reference(&s).to_ascii_lowercase(), "{s:?}");
        }
    }

    /// `ascii_lowercase(E(s))` of raw bytes, the obvious way.
    fn lowered(s: &[u8]) -> Vec<u8> {
        s.iter()
            .flat_map(|&b| {
                if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                    vec![b.to_ascii_lowercase()]
                } else {
                    format!("%{b:02x}").into_bytes()
                }
            })
            .collect()
    }

    #[test]
    fn name_order_is_the_encoded_order() {
        let names = [
            "az",
            "a{",
            "A",
            "a",
            "a%",
            "a.b",
            "a~",
            "a b",
            "Z",
            "ü",
            "_",
            "",
            // Long shared prefixes, differing before, at and after byte 8.
            "x-cos-copy-source",
            "x-cos-copy-source-If-Match",
            "X-COS-COPY-SOURCE-if-match",
            "x-cos-copy-source-{",
            "x-cos-copy-sourcE",
            "x-cos-c{py-source",
            "x-cos-co",
            "x-cos-cO",
        ];
        for x in names {
            for y in names {
                let want = reference(x)
                    .to_ascii_lowercase()
                    .cmp(&reference(y).to_ascii_lowercase());
                assert_eq!(
                    cmp_names(x.as_bytes(), y.as_bytes()),
                    want,
                    "{x:?} vs {y:?}"
                );
            }
        }
        // Every pair of bytes, alone and after a common prefix.
        for x in 0..=255u8 {
            for y in 0..=255u8 {
                let (ex, ey) = (lowered(&[x]), lowered(&[y]));
                assert_eq!(cmp_names(&[x], &[y]), ex.cmp(&ey), "{x} vs {y}");
                assert_eq!(
                    cmp_names(&[b'k', x, b'A'], &[b'K', y]),
                    lowered(&[b'k', x, b'A']).cmp(&lowered(&[b'K', y])),
                    "k{x}A vs K{y}"
                );
            }
        }
        assert_eq!(cmp_names(b"a{", b"az"), Ordering::Less);
        assert!(name_matches(b"A{", b"a%7b"));
        assert!(!name_matches(b"A{", b"a%7B"));
    }

    #[test]
    fn decodes_escapes() {
        let mut out = [0u8; 16];
        let n = percent_decode(b"a%3Bb%2fc+", &mut out).unwrap();
        assert_eq!(&out[..n], b"a;b/c+");
        assert_eq!(percent_decode(b"a%3", &mut out), Err(1));
        assert_eq!(percent_decode(b"%zz", &mut out), Err(0));
        assert_eq!(percent_decode(b"abc", &mut out[..2]), Err(usize::MAX));
    }
}
