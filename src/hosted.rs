//! Fast paths for hosted targets (everything but bare metal), where code
//! size matters less than time: the SHA-1 of the HttpString and the
//! `Authorization` value written into a buffer.
//!
//! Both are defined by the general paths through the crate's sink
//! ([`Prepared::emit_http_string`], [`crate::sign::emit_authorization`]),
//! which bare-metal builds use (the smallest code), and tests check that
//! both ways give the same bytes.
//!
//! The HttpString is written into a staging buffer: the percent-encoder
//! classifies 16 input bytes at a time with vector compares and copies a
//! clean run as one 16-byte store, an escape is a table entry, and the
//! blocks are compressed once staged.

use crate::credentials::KeyTimeText;
use crate::encode::{LOWER, UPPER};
use crate::hash::{self, DIGEST_LEN, Sha1};
use crate::sign::{Prepared, Signature};
use crate::sink::OutputError;

const BLOCK: usize = 64;

/// Whether `E` escapes `b`, as arithmetic the compiler can vectorize
/// (the same set as [`crate::encode::is_unreserved`], which a test checks).
#[inline(always)]
const fn escaped(b: u8) -> bool {
    let letter = (b | 0x20).wrapping_sub(b'a') < 26;
    let digit = b.wrapping_sub(b'0') < 10;
    let dash_dot = b.wrapping_sub(b'-') < 2;
    !(letter | digit | dash_dot | (b == b'_') | (b == b'~'))
}

/// The index of the first byte of `c` that `E` escapes, 16 if none: a
/// vector compare into one flag byte per input byte, read as a number
/// (out of line: inlined, the compiler splits that compare up again).
#[inline(always)]
fn first_escaped(c: &[u8; 16]) -> usize {
    // Whether any is one compare and mask inline; which one, out of line.
    if !c.iter().fold(false, |any, &b| any | escaped(b)) {
        16
    } else {
        which_escaped(c)
    }
}

#[inline(never)]
fn which_escaped(c: &[u8; 16]) -> usize {
    let mut flags = [0u8; 16];
    for (f, &b) in flags.iter_mut().zip(c) {
        *f = if escaped(b) { 0xff } else { 0 };
    }
    (u128::from_le_bytes(flags).trailing_zeros() / 8) as usize
}

/// `c` with ASCII letters lowercased.
#[inline(always)]
fn lower16(c: &[u8; 16]) -> [u8; 16] {
    let mut out = *c;
    for b in &mut out {
        *b |= u8::from(b.wrapping_sub(b'A') < 26) << 5;
    }
    out
}

/// In an escaped byte's entry: the byte is not allowed in a header name
/// (not a `tchar`).
const NOT_TOKEN: u32 = 1 << 24;
/// In an escaped byte's entry: the byte is not allowed in a header value
/// (NUL, CR or LF).
const NOT_IN_VALUE: u32 = 1 << 25;

/// `E(b)` for every byte: up to three bytes, then [`NOT_TOKEN`] and
/// [`NOT_IN_VALUE`], and the count in the top two bits. With `lower`,
/// lowercased (a signed name).
const fn encoding_table(lower: bool) -> [u32; 256] {
    let digits = if lower { LOWER } else { UPPER };
    let tokens = crate::sign::token_table();
    let mut t = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let flags = if tokens[i] { 0 } else { NOT_TOKEN }
            | if b == 0 || b == b'\n' || b == b'\r' {
                NOT_IN_VALUE
            } else {
                0
            };
        t[i] = flags
            | if escaped(b) {
                (3 << 30)
                    | ((digits[i & 0xf] as u32) << 16)
                    | ((digits[i >> 4] as u32) << 8)
                    | b'%' as u32
            } else if lower {
                (1 << 30) | b.to_ascii_lowercase() as u32
            } else {
                (1 << 30) | b as u32
            };
        i += 1;
    }
    t
}

static ENCODED: [u32; 256] = encoding_table(false);
static ENCODED_LOWER: [u32; 256] = encoding_table(true);

/// How many bytes a table entry writes.
#[inline(always)]
const fn entry_len(entry: u32) -> usize {
    (entry >> 30) as usize
}

/// How much input is staged before it is hashed: the whole HttpString of
/// any usual request.
const STAGE: usize = 16 * BLOCK;

/// SHA-1 input, staged: the blocks are compressed when the stage is full
/// or at the end, so that a write never has to stop at a block boundary.
///
/// The write position is passed in and returned rather than kept in the
/// struct: a field would be reloaded after every byte stored (a byte
/// store may alias anything), a local stays in a register. Every write
/// starts below `STAGE` and writes at most 64 bytes before it settles.
struct Stream {
    h: [u32; 5],
    blocks: u64,
    buf: [u8; STAGE + BLOCK],
}

impl Stream {
    fn new() -> Self {
        Self {
            h: Sha1::new().state(),
            blocks: 0,
            buf: [0; STAGE + BLOCK],
        }
    }

    /// Compresses the whole blocks of `buf[..end]`.
    fn compress(&mut self, end: usize) {
        let staged = self.buf.get(..end).unwrap_or_default();
        for block in staged.chunks_exact(BLOCK) {
            if let Ok(block) = <&[u8; BLOCK]>::try_from(block) {
                hash::compress(&mut self.h, block);
                self.blocks = self.blocks.wrapping_add(1);
            }
        }
    }

    /// Hashes the stage once `pos` reaches its end and moves the excess
    /// down; the new position.
    #[inline(always)]
    fn settle(&mut self, pos: usize) -> usize {
        if pos < STAGE {
            return pos;
        }
        self.compress(STAGE);
        if let Some((head, tail)) = self.buf.split_first_chunk_mut::<BLOCK>() {
            if let Some(tail) = tail.last_chunk::<BLOCK>() {
                *head = *tail;
            }
        }
        pos.wrapping_sub(STAGE)
    }

    #[inline(always)]
    fn store<const N: usize>(&mut self, pos: usize, bytes: &[u8; N]) {
        if let Some(d) = self
            .buf
            .get_mut(pos..)
            .and_then(|d| d.first_chunk_mut::<N>())
        {
            *d = *bytes;
        }
    }

    #[inline(always)]
    fn byte(&mut self, pos: usize, b: u8) -> usize {
        self.store(pos, &[b]);
        self.settle(pos.wrapping_add(1))
    }

    /// Writes `s` as it is.
    fn raw(&mut self, mut pos: usize, s: &[u8]) -> usize {
        let mut rest = s;
        while let Some((c, tail)) = rest.split_first_chunk::<16>() {
            self.store(pos, c);
            pos = self.settle(pos.wrapping_add(16));
            rest = tail;
        }
        for &b in rest {
            self.store(pos, &[b]);
            pos = pos.wrapping_add(1);
        }
        self.settle(pos)
    }

    /// Writes `E(s)` (lowercased with `lower`, for a signed name). A chunk
    /// of 16 bytes with nothing to escape is one store; from a chunk's
    /// first escape on, and for the last bytes, each byte is a table
    /// entry: its encoding and, in the top two bits, how long that is. The
    /// entries written are ORed into `flags`: a clean chunk has only
    /// unreserved bytes, which carry no flag.
    #[inline(always)]
    fn encoded(&mut self, mut pos: usize, s: &[u8], lower: bool, flags: &mut u32) -> usize {
        let table = if lower { &ENCODED_LOWER } else { &ENCODED };
        let mut rest = s;
        while let Some((c, tail)) = rest.split_first_chunk::<16>() {
            let clean = first_escaped(c);
            if lower {
                self.store(pos, &lower16(c));
            } else {
                self.store(pos, c);
            }
            pos = self.entries(
                pos.wrapping_add(clean),
                c.get(clean..).unwrap_or_default(),
                table,
                flags,
            );
            pos = self.settle(pos);
            rest = tail;
        }
        pos = self.entries(pos, rest, table, flags);
        self.settle(pos)
    }

    /// Writes the table entries of at most 16 bytes (four bytes stored
    /// for each, the position moved by its length) and ORs them into
    /// `flags`.
    #[inline(always)]
    fn entries(
        &mut self,
        mut pos: usize,
        bytes: &[u8],
        table: &[u32; 256],
        flags: &mut u32,
    ) -> usize {
        for &b in bytes {
            let entry = table[usize::from(b)];
            self.store(pos, &entry.to_le_bytes());
            pos = pos.wrapping_add(entry_len(entry));
            *flags |= entry;
        }
        pos
    }

    /// Writes `name=value` pairs joined by `&`, and checks them as it goes:
    /// `None` if a name is empty, or (with `header`) a name is not a token
    /// or a value holds NUL, CR or LF.
    fn pairs<'a>(
        &mut self,
        mut pos: usize,
        pairs: impl Iterator<Item = (&'a str, &'a str)>,
        header: bool,
    ) -> Option<usize> {
        let (mut name_flags, mut value_flags) = (0, 0);
        for (i, (name, value)) in crate::bytes::numbered(pairs) {
            if name.is_empty() {
                return None;
            }
            if i > 0 {
                pos = self.byte(pos, b'&');
            }
            pos = self.encoded(pos, name.as_bytes(), true, &mut name_flags);
            pos = self.byte(pos, b'=');
            pos = self.encoded(pos, value.as_bytes(), false, &mut value_flags);
        }
        let bad = name_flags & NOT_TOKEN | value_flags & NOT_IN_VALUE;
        (!header || bad == 0).then_some(pos)
    }

    fn finish(&mut self, pos: usize) -> [u8; DIGEST_LEN] {
        self.compress(pos);
        let whole = pos & !(BLOCK - 1);
        let tail = self.buf.get(whole..pos).unwrap_or_default();
        Sha1::resume(self.h, self.blocks, tail).finalize()
    }
}

/// SHA-1 of the HttpString of `p`, a request [`Prepared::new`] checked.
pub(crate) fn http_string_digest(p: &Prepared<'_>) -> [u8; DIGEST_LEN] {
    // The checks find nothing in a checked request.
    checked_digest(p).unwrap_or_default()
}

/// SHA-1 of the HttpString of `p`, a request only put in order
/// ([`Prepared::ordered`]), if it passes [`Prepared::check`]: every signed
/// pair is checked as it is hashed, so that signing reads it once. `None`
/// if any check fails; the general path then names the error.
pub(crate) fn checked_digest(p: &Prepared<'_>) -> Option<[u8; DIGEST_LEN]> {
    if !crate::sign::is_token(p.req.method) {
        return None;
    }
    let mut s = Stream::new();
    let mut pos = 0;
    for &b in p.req.method.as_bytes() {
        pos = s.byte(pos, b.to_ascii_lowercase());
    }
    pos = s.byte(pos, b'\n');
    pos = s.raw(pos, p.req.path.as_bytes());
    pos = s.byte(pos, b'\n');
    pos = s.pairs(pos, p.params.pairs(p.req.params), false)?;
    pos = s.byte(pos, b'\n');
    pos = s.pairs(pos, p.headers.pairs(p.req.headers), true)?;
    pos = s.byte(pos, b'\n');
    Some(s.finish(pos))
}

/// Appends `s` to `buf[..*len]`; past the end of `buf`, only counts.
#[inline(always)]
fn put(buf: &mut [u8], len: &mut usize, s: &[u8]) {
    let end = len.saturating_add(s.len());
    if let Some(d) = buf.get_mut(*len..end) {
        d.copy_from_slice(s);
    }
    *len = end;
}

/// Writes `name` lowercased into `d` (as long as `name`) if nothing in
/// it is escaped, and says whether that was so. From 16 bytes on, a
/// window of 16 at a time, the last one overlapping the one before; below,
/// one table load and store per byte.
fn lowered_plain(d: &mut [u8], name: &[u8]) -> bool {
    let Some(last) = name.len().checked_sub(16) else {
        let mut escapes = 0;
        for (d, &b) in d.iter_mut().zip(name) {
            let entry = ENCODED_LOWER[usize::from(b)];
            *d = entry as u8;
            escapes |= entry >> 31;
        }
        return escapes == 0;
    };
    let mut at = 0;
    loop {
        let window = name.get(at..).and_then(|n| n.first_chunk::<16>());
        let out = d.get_mut(at..).and_then(|d| d.first_chunk_mut::<16>());
        let (Some(c), Some(out)) = (window, out) else {
            return false;
        };
        if first_escaped(c) < 16 {
            return false;
        }
        *out = lower16(c);
        if at == last {
            return true;
        }
        at = at.saturating_add(16).min(last);
    }
}

/// Appends the signed names, `;` between them: `E(name)` lowercased. A
/// name is first copied as if nothing in it were escaped
/// ([`lowered_plain`]); the rare name with an escape is written again,
/// entry by entry.
fn put_names<'a>(buf: &mut [u8], len: &mut usize, names: impl Iterator<Item = (&'a str, &'a str)>) {
    for (i, (name, _)) in crate::bytes::numbered(names) {
        if i > 0 {
            put(buf, len, b";");
        }
        let name = name.as_bytes();
        let end = len.saturating_add(name.len());
        if let Some(d) = buf.get_mut(*len..end) {
            if lowered_plain(d, name) {
                *len = end;
                continue;
            }
        }
        for &b in name {
            let entry = ENCODED_LOWER[usize::from(b)];
            let n = entry_len(entry);
            put(buf, len, entry.to_le_bytes().get(..n).unwrap_or_default());
        }
    }
}

/// The `Authorization` value into `buf`, as
/// [`crate::sign::emit_authorization`] writes it.
pub(crate) fn authorization_to_slice<'b>(
    buf: &'b mut [u8],
    secret_id: &str,
    key_time: &KeyTimeText,
    prepared: &Prepared<'_>,
    signature: &Signature,
) -> Result<&'b str, OutputError> {
    let mut len = 0;
    for part in [
        &b"q-sign-algorithm=sha1&q-ak="[..],
        secret_id.as_bytes(),
        b"&q-sign-time=",
        key_time.as_bytes(),
        b"&q-key-time=",
        key_time.as_bytes(),
        b"&q-header-list=",
    ] {
        put(buf, &mut len, part);
    }
    put_names(buf, &mut len, prepared.headers.pairs(prepared.req.headers));
    put(buf, &mut len, b"&q-url-param-list=");
    put_names(buf, &mut len, prepared.params.pairs(prepared.req.params));
    put(buf, &mut len, b"&q-signature=");
    put(buf, &mut len, signature.as_bytes());
    crate::sink::written(buf, len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::{CanonicalRequest, Selection};

    #[test]
    fn escaped_is_not_unreserved() {
        for b in 0..=255u8 {
            assert_eq!(escaped(b), !crate::encode::is_unreserved(b), "{b}");
            let mut c = [b'a'; 16];
            c[b as usize % 16] = b;
            assert_eq!(
                first_escaped(&c),
                if escaped(b) { b as usize % 16 } else { 16 }
            );
            assert_eq!(lower16(&c)[b as usize % 16], b.to_ascii_lowercase());
        }
    }

    #[test]
    fn plain_names_are_lowered_and_escapes_refused() {
        for len in 0..40usize {
            let name: Vec<u8> = (0..len).map(|i| b"Ab-9_.~Z"[i % 8]).collect();
            let mut d = vec![0u8; len];
            assert!(lowered_plain(&mut d, &name), "{len}");
            assert_eq!(d, name.to_ascii_lowercase(), "{len}");
            for at in 0..len {
                let mut bad = name.clone();
                bad[at] = b'/';
                assert!(!lowered_plain(&mut d, &bad), "{len} {at}");
            }
        }
    }

    /// The checks made while hashing pass exactly when
    /// [`Prepared::check`] does, and signing reports the general path's
    /// error: over methods, names and values that break each rule, alone
    /// and together, at every place among the pairs.
    #[test]
    fn checks_while_hashing_agree_with_the_general_checks() {
        let long_bad = format!("{}\n", "x".repeat(40));
        let names = [
            "Host",
            "x-cos-Meta",
            "",
            "bad name",
            "a(b)",
            "é",
            "a!#$%&'*+^`|~",
        ];
        let values = ["v", "", "a\nb", "a\rb", "nul\0", "tab\tok", "é", &long_bad];
        let creds = crate::Credentials::new("AKIDtest", "secret").unwrap();
        let key = crate::SigningKey::new(&creds, crate::KeyTime::new(1, 2).unwrap());
        let (mut passes, mut failures) = (0, 0);
        for method in ["PUT", "p t", ""] {
            for (i, n1) in names.iter().enumerate() {
                for v1 in values {
                    for (n2, v2) in [("Content-Length", "0"), (names[(i + 3) % names.len()], "x")] {
                        for param in ["", "partNumber", "Up load"] {
                            let headers = [(*n1, v1), (n2, v2)];
                            let params = [(param, "a\nb"), ("z", "1")];
                            let req = CanonicalRequest::new(method, "/k", &params, &headers);
                            let general = Prepared::new(&req, Selection::Exact);
                            let fast = Prepared::ordered(&req, Selection::Exact)
                                .ok()
                                .and_then(|p| checked_digest(&p));
                            assert_eq!(fast.is_some(), general.is_ok(), "{req:?}");
                            match (fast, &general) {
                                (Some(digest), Ok(p)) => {
                                    let mut text = String::new();
                                    p.emit_http_string(&mut crate::sink::FmtSink(&mut text))
                                        .unwrap();
                                    assert_eq!(digest, crate::hash::sha1(text.as_bytes()));
                                    passes += 1;
                                }
                                _ => failures += 1,
                            }
                            let signed = key.sign(&req, Selection::Exact).map(|_| ());
                            assert_eq!(signed, general.map(|_| ()), "{req:?}");
                        }
                    }
                }
            }
        }
        // Most combinations break some rule; these pass: `PUT`, a first
        // header that is a token with a clean value, a second one that is
        // too, a param name that is not empty.
        assert_eq!((passes, failures), (24, 984));
    }

    /// The digest of the string the sink path writes, for requests whose
    /// pieces cross every chunk and block boundary.
    #[test]
    fn matches_the_emitted_http_string() {
        let alphabet: &[&str] = &["a", "Z", "-", "%", "/", "é", "~", " ", "腾", "\u{7f}", "9"];
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move |n: usize| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n as u64) as usize
        };
        let mut piece = |max: usize| -> String {
            let len = next(max + 1);
            (0..len).map(|_| alphabet[next(alphabet.len())]).collect()
        };
        let mut longest = 0;
        for round in 0..3000 {
            let path = format!("/{}", piece(90));
            let count = piece(4).len();
            let names: Vec<String> = (0..count).map(|i| format!("n{i}_{}", piece(40))).collect();
            let values: Vec<String> = names.iter().map(|_| piece(120)).collect();
            let params: Vec<(&str, &str)> = names
                .iter()
                .zip(&values)
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            let headers = [("Host", "bucket-1250000000.cos.ap-beijing.myqcloud.com")];
            let headers: &[(&str, &str)] = if round % 2 == 0 { &headers } else { &[] };
            let method = if round % 3 == 0 { "PUT" } else { "Get" };
            let req = CanonicalRequest::new(method, &path, &params, headers);
            let p = Prepared::new(&req, Selection::Exact).unwrap();
            let mut text = String::new();
            p.emit_http_string(&mut crate::sink::FmtSink(&mut text))
                .unwrap();
            assert_eq!(
                http_string_digest(&p),
                crate::hash::sha1(text.as_bytes()),
                "{text:?}"
            );
            longest = longest.max(text.len());

            // The Authorization value, written both ways, and a buffer one
            // byte short.
            let creds = crate::Credentials::new("AKIDtest", "secret").unwrap();
            let key = crate::SigningKey::new(&creds, crate::KeyTime::new(1, 2).unwrap());
            let signed = key.sign(&req, Selection::Exact).unwrap();
            let mut want = String::new();
            signed.write_authorization(&mut want).unwrap();
            let mut buf = vec![0u8; want.len()];
            assert_eq!(signed.authorization_to_slice(&mut buf).unwrap(), want);
            assert_eq!(
                signed.authorization_to_slice(&mut buf[..want.len() - 1]),
                Err(OutputError::BufferTooSmall { needed: want.len() })
            );
        }
        // Some strings fill the stage more than twice.
        assert!(longest > 2 * STAGE, "{longest}");
    }
}
