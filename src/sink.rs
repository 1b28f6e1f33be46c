//! Where output goes: a `core::fmt::Write`, a caller's byte buffer, a length
//! counter or a hasher, behind one small internal trait; and the one public
//! contract every output follows, [`Output`].

use core::fmt;

/// Why output could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum OutputError {
    /// The caller's buffer is too small; `needed` bytes would have fitted
    /// the whole output. Nothing useful is left in the buffer.
    BufferTooSmall {
        /// The exact length of the complete output.
        needed: usize,
    },
    /// The `core::fmt::Write` sink refused a write (for a fixed-capacity
    /// string this means it is full). What was written before stays there.
    Sink,
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BufferTooSmall { needed } => {
                write!(f, "output buffer too small: {needed} bytes needed")
            }
            Self::Sink => f.write_str("output sink refused a write"),
        }
    }
}

impl core::error::Error for OutputError {}

/// Internal byte sink. Everything the crate writes passes through one.
///
/// Public in name only: the module is private, so no user can name or
/// implement it; [`Output`] is sealed by it.
pub trait Sink {
    /// Appends `bytes`. The bytes are always valid UTF-8 when taken as a
    /// whole output; a single call never splits a UTF-8 sequence.
    fn put(&mut self, bytes: &[u8]) -> Result<(), OutputError>;
}

/// The sealing half of [`Output`]: how a value writes itself into a sink.
/// Unnameable outside the crate, so only the crate's types are outputs.
pub trait Emit {
    /// Writes the whole output into `out`.
    fn emit(&self, out: &mut dyn Sink) -> Result<(), OutputError>;
}

/// Something the crate writes: a header value, a request head, a body, a
/// string a signature covers. One contract for all of them, length then
/// write (as smoltcp's `buffer_len()` then `emit()`):
///
/// * [`len`](Self::len) is the exact number of bytes the output takes, so
///   a caller can size a buffer (or a `Content-Length`) first;
/// * [`to_slice`](Self::to_slice) writes into a caller's buffer and returns
///   the text; a buffer shorter than `len()` is
///   [`OutputError::BufferTooSmall`] with `needed == len()`, and nothing in
///   the buffer is then meaningful;
/// * [`write_to`](Self::write_to) writes piece by piece into any
///   [`core::fmt::Write`] (a `heapless::String`, a `String`, a formatter);
///   a sink that refuses a write is [`OutputError::Sink`] and leaves an
///   unspecified prefix behind.
///
/// Every output also implements [`Display`](core::fmt::Display) with the
/// same text. The trait is sealed: the crate's outputs are the only ones.
///
/// ```
/// use tencent_cos_core::{ByteRange, Output, OutputError};
///
/// let value = ByteRange::new(0, 1023)?.value();
/// assert_eq!(value.len(), "bytes=0-1023".len());
/// let mut buf = [0u8; 32];
/// assert_eq!(value.to_slice(&mut buf)?, "bytes=0-1023");
/// assert_eq!(
///     value.to_slice(&mut [0u8; 4]),
///     Err(OutputError::BufferTooSmall { needed: 12 })
/// );
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
pub trait Output: Emit {
    /// The exact length of the output in bytes.
    #[must_use]
    fn len(&self) -> usize {
        measure(|c| self.emit(c)).unwrap_or(0)
    }

    /// Whether the output is empty (most never are).
    #[must_use]
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Writes the output into `w`.
    fn write_to<W: fmt::Write + ?Sized>(&self, w: &mut W) -> Result<(), OutputError> {
        self.emit(&mut FmtSink(w))
    }

    /// Writes the output at the front of `buf` and returns it; a buffer
    /// shorter than [`len`](Self::len) is
    /// [`OutputError::BufferTooSmall`] with the length needed.
    fn to_slice<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str, OutputError> {
        to_slice(buf, |s| self.emit(s))
    }
}

/// Makes a type one of the crate's outputs: [`Output`] with its provided
/// methods and `Display` through [`display`], so every output prints the
/// text it writes. `output!(Type<'_>)` for a type with its own `Emit`;
/// `output!(View<'_, '_>, emit_x)` for a view (a newtype over a reference)
/// whose text is what its target's `emit_x` method writes. The macro adds
/// no `Debug`: views of values that hold a signature or a secret have none
/// by rule, and the others derive theirs.
macro_rules! output {
    ($ty:ty, $method:ident) => {
        impl $crate::sink::Emit for $ty {
            fn emit(
                &self,
                out: &mut dyn $crate::sink::Sink,
            ) -> Result<(), $crate::sink::OutputError> {
                self.0.$method(out)
            }
        }
        $crate::sink::output!($ty);
    };
    ($ty:ty) => {
        impl $crate::sink::Output for $ty {}

        impl core::fmt::Display for $ty {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                $crate::sink::display(self, f)
            }
        }
    };
}
pub(crate) use output;

/// `Display` for an output: the same text as [`Output::write_to`].
pub(crate) fn display(output: &impl Emit, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    output.emit(&mut FmtSink(f)).map_err(|_| fmt::Error)
}

/// Counts bytes; used to tell an output's exact length before writing it.
#[derive(Default)]
pub(crate) struct Counter(pub(crate) usize);

impl Sink for Counter {
    #[inline]
    fn put(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        self.0 = self.0.saturating_add(bytes.len());
        Ok(())
    }
}

/// Writes into a caller's buffer; on overflow keeps counting so that the
/// error can say how much room the whole output needs.
pub(crate) struct SliceSink<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl<'b> SliceSink<'b> {
    pub(crate) fn new(buf: &'b mut [u8]) -> Self {
        Self { buf, len: 0 }
    }

    /// The written prefix as `&str`, or the length that was needed.
    pub(crate) fn finish(self) -> Result<&'b str, OutputError> {
        written(self.buf, self.len)
    }
}

impl Sink for SliceSink<'_> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        let end = self.len.saturating_add(bytes.len());
        if let Some(dst) = self.buf.get_mut(self.len..end) {
            crate::bytes::copy(dst, bytes);
        }
        self.len = end;
        Ok(())
    }
}

/// The first `len` bytes of `buf` as text, or the length that was needed
/// when `len` went past the end (a writer that only counted from there).
pub(crate) fn written(buf: &[u8], len: usize) -> Result<&str, OutputError> {
    match buf.get(..len) {
        Some(done) => core::str::from_utf8(done).map_err(|_| OutputError::Sink),
        None => Err(OutputError::BufferTooSmall { needed: len }),
    }
}

/// Adapts a `core::fmt::Write`.
pub(crate) struct FmtSink<'w, W: fmt::Write + ?Sized>(pub(crate) &'w mut W);

impl<W: fmt::Write + ?Sized> Sink for FmtSink<'_, W> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        let s = core::str::from_utf8(bytes).map_err(|_| OutputError::Sink)?;
        self.0.write_str(s).map_err(|_| OutputError::Sink)
    }
}

impl Sink for crate::hash::Sha1 {
    #[inline]
    fn put(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        self.update(bytes);
        Ok(())
    }
}

impl Sink for crate::hash::HmacSha1 {
    #[inline]
    fn put(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        self.update(bytes);
        Ok(())
    }
}

/// The size of the blocks [`Staged`] passes on: a SHA-1 block.
#[cfg(not(cos_compact))]
const STAGE: usize = 64;

/// The buffer: a block, room past it for the most that one step of
/// [`Staged::pump`] stores (16 entries of 3 bytes, the last one stored as
/// 4), rounded up to a power of two so that an index masked with
/// `BUF - 1` is known to be in it, and then room for the widest store (16
/// bytes) from any such index.
#[cfg(not(cos_compact))]
const BUF: usize = 128;

/// Output gathered into blocks of 64 bytes on its way to a sink.
///
/// The signature's strings are written a few bytes at a time (a name, `=`,
/// a value's run of plain bytes, an escape), while a sink takes a block at
/// a time best: one call instead of dozens, and a hasher that starts empty
/// compresses each block where it lies. Every string the signer writes
/// goes through one of these; [`finish`](Self::finish) passes on the rest.
///
/// The compact build (`cos_compact`) has no buffer: each piece goes
/// straight to the sink (a run of bytes written as they are, or one
/// byte's entry), for less code and 144 bytes less stack.
pub(crate) struct Staged<'o> {
    out: &'o mut dyn Sink,
    /// A block, and room for what one step stores past it.
    #[cfg(not(cos_compact))]
    buf: [u8; BUF + 16],
    /// Below `STAGE` between writes.
    #[cfg(not(cos_compact))]
    len: usize,
}

/// One byte as [`Staged::pump`] writes it: its 1 to 3 bytes in the low 24
/// bits, first byte lowest, and their count in the top two.
#[cfg(not(cos_compact))]
pub(crate) type Entry = u32;

/// The entry of a byte written as it is.
#[cfg(not(cos_compact))]
#[inline(always)]
pub(crate) const fn as_is(b: u8) -> Entry {
    (1 << 30) | b as u32
}

#[cfg(not(cos_compact))]
impl<'o> Staged<'o> {
    pub(crate) fn new(out: &'o mut dyn Sink) -> Self {
        Self {
            out,
            buf: [0; BUF + 16],
            len: 0,
        }
    }

    /// After a write: a full block is passed on, and what went past it
    /// moves down. A UTF-8 sequence cut by the block's end stays for the
    /// next one (a sink is never given part of a character).
    #[inline]
    fn settle(&mut self) -> Result<(), OutputError> {
        if self.len < STAGE {
            return Ok(());
        }
        let cut = char_boundary(&self.buf);
        let (block, over) = self.buf.split_at_mut(cut);
        self.out.put(block)?;
        // STAGE <= len < STAGE + 48 (no write adds more, see `pump`), and
        // cut is at most 3 bytes short of STAGE: what is past it fits in
        // the block.
        let extra = self.len.wrapping_sub(cut);
        crate::bytes::copy(block, over.get(..extra).unwrap_or_default());
        self.len = extra;
        Ok(())
    }

    /// Writes one byte.
    #[inline]
    pub(crate) fn byte(&mut self, b: u8) -> Result<(), OutputError> {
        if let Some(d) = self.buf.get_mut(self.len) {
            *d = b;
        }
        self.len = self.len.wrapping_add(1);
        self.settle()
    }

    /// Writes `N` bytes, at most 16 (a fixed-size store).
    #[inline]
    pub(crate) fn array<const N: usize>(&mut self, bytes: &[u8; N]) -> Result<(), OutputError> {
        let at = self
            .buf
            .get_mut(self.len..)
            .and_then(|d| d.first_chunk_mut::<N>());
        if let (Some(d), true) = (at, N <= 16) {
            *d = *bytes;
            self.len = self.len.wrapping_add(N);
        }
        self.settle()
    }

    /// Writes `s` a byte at a time as `one` says ([`Entry`]): the loop
    /// every string of the signer goes through.
    ///
    /// On hosts, `block` first takes 16 bytes at a time: it returns what
    /// to store for them and how many of them `one` would have written as
    /// the stored bytes (a run needing no decision); the byte that
    /// stopped it goes through `one`. In the compact build every byte goes
    /// through `one`.
    #[inline(always)]
    pub(crate) fn pump(
        &mut self,
        s: &[u8],
        block: impl Fn(&[u8; 16]) -> ([u8; 16], usize),
        one: impl Fn(u8) -> Entry,
    ) -> Result<(), OutputError> {
        let mut rest = s;
        loop {
            // A local length: the stores into the buffer would make the
            // field's value be read again after each.
            let mut len = self.len;
            while len < STAGE {
                if let Some(src) = rest.first_chunk::<16>() {
                    let (bytes, run) = block(src);
                    // len < BUF: the mask changes nothing, but shows the
                    // compiler that the store is in the buffer.
                    if let Some(d) = self
                        .buf
                        .get_mut(len & (BUF - 1)..)
                        .and_then(|d| d.first_chunk_mut::<16>())
                    {
                        *d = bytes;
                    }
                    len = len.wrapping_add(run);
                    if run == 16 {
                        rest = rest.get(16..).unwrap_or_default();
                        continue;
                    }
                    // The byte that stopped the run goes the usual way
                    // (once what is written has been settled, so that no
                    // step writes more than 48 bytes past a block).
                    rest = rest.get(run..).unwrap_or_default();
                    if len >= STAGE {
                        break;
                    }
                }
                // Up to 16 bytes one at a time (on hosts: from the byte
                // that stopped the run, where escapes tend to come close
                // together, or the last few): their entries fit past the
                // block without a check each.
                let (now, later) = rest.split_at_checked(16).unwrap_or((rest, &[]));
                for &b in now {
                    let e = one(b);
                    if let Some(d) = self
                        .buf
                        .get_mut(len & (BUF - 1)..)
                        .and_then(|d| d.first_chunk_mut::<4>())
                    {
                        *d = e.to_le_bytes();
                    }
                    len = len.wrapping_add((e >> 30) as usize);
                }
                rest = later;
                if rest.is_empty() {
                    break;
                }
            }
            self.len = len;
            self.settle()?;
            if rest.is_empty() {
                return Ok(());
            }
        }
    }

    /// Writes `bytes`, with ASCII letters lowercased if `lower`.
    #[inline]
    pub(crate) fn put_case(&mut self, bytes: &[u8], lower: bool) -> Result<(), OutputError> {
        if lower {
            return self.pump(
                bytes,
                |c| (lower16(c), 16),
                |b| as_is(b.to_ascii_lowercase()),
            );
        }
        // As they are: copied a block's room at a time.
        let mut rest = bytes;
        loop {
            // len < STAGE between writes.
            let room = STAGE.wrapping_sub(self.len);
            let (now, later) = rest.split_at_checked(room).unwrap_or((rest, &[]));
            let end = self.len.wrapping_add(now.len());
            if let Some(d) = self.buf.get_mut(self.len..end) {
                crate::bytes::copy(d, now);
            }
            self.len = end;
            self.settle()?;
            if later.is_empty() {
                return Ok(());
            }
            rest = later;
        }
    }

    /// Writes `n` in decimal.
    pub(crate) fn decimal(&mut self, n: u64) -> Result<(), OutputError> {
        let mut buf = [0u8; 20];
        self.put_case(fmt_u64(n, &mut buf), false)
    }

    /// Passes on what is left.
    pub(crate) fn finish(self) -> Result<(), OutputError> {
        match self.buf.get(..self.len) {
            Some(rest) if !rest.is_empty() => self.out.put(rest),
            _ => Ok(()),
        }
    }
}

/// Where a block of `buf` ends without cutting a UTF-8 sequence: `STAGE`,
/// or the start of a sequence that its last 1 to 3 bytes begin.
#[cfg(not(cos_compact))]
#[inline]
fn char_boundary(buf: &[u8]) -> usize {
    // Most often the block ends in ASCII: no sequence is cut.
    if buf.get(STAGE - 1).is_some_and(u8::is_ascii) {
        return STAGE;
    }
    for back in 1..4usize {
        let at = STAGE.wrapping_sub(back);
        let Some(&b) = buf.get(at) else { break };
        if b & 0xC0 == 0x80 {
            // A continuation byte: the sequence began further back.
            continue;
        }
        let need = match b {
            0xF0.. => 4,
            0xE0.. => 3,
            0xC0.. => 2,
            _ => 1,
        };
        return if need > back { at } else { STAGE };
    }
    STAGE
}

/// `c` with ASCII letters lowercased (16 at once).
#[cfg(not(cos_compact))]
#[inline(always)]
pub(crate) fn lower16(c: &[u8; 16]) -> [u8; 16] {
    let mut out = *c;
    for b in &mut out {
        *b |= u8::from(b.wrapping_sub(b'A') < 26) << 5;
    }
    out
}

#[cfg(cos_compact)]
impl<'o> Staged<'o> {
    pub(crate) fn new(out: &'o mut dyn Sink) -> Self {
        Self { out }
    }

    /// Writes one byte.
    pub(crate) fn byte(&mut self, b: u8) -> Result<(), OutputError> {
        self.out.put(&[b])
    }

    /// Writes `N` bytes.
    pub(crate) fn array<const N: usize>(&mut self, bytes: &[u8; N]) -> Result<(), OutputError> {
        self.out.put(bytes)
    }

    /// Writes `bytes`, with ASCII letters lowercased if `lower`.
    pub(crate) fn put_case(&mut self, bytes: &[u8], lower: bool) -> Result<(), OutputError> {
        let mut rest = bytes;
        // The bytes up to an uppercase letter as they are (an ASCII byte
        // is a character's boundary), then the letter lowercased.
        while let Some(i) = rest.iter().position(|b| lower && b.is_ascii_uppercase()) {
            let (head, tail) = rest.split_at_checked(i).unwrap_or((rest, &[]));
            self.out.put(head)?;
            let Some((&b, tail)) = tail.split_first() else {
                break;
            };
            self.out.put(&[b.to_ascii_lowercase()])?;
            rest = tail;
        }
        self.out.put(rest)
    }

    /// Writes `n` in decimal.
    pub(crate) fn decimal(&mut self, n: u64) -> Result<(), OutputError> {
        put_u64(self.out, n)
    }

    /// Nothing is held back.
    pub(crate) fn finish(self) -> Result<(), OutputError> {
        Ok(())
    }
}

impl Sink for Staged<'_> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        self.put_case(bytes, false)
    }
}

/// Runs `emit` against a caller's buffer and returns the written text.
pub(crate) fn to_slice<'b, E: From<OutputError>>(
    buf: &'b mut [u8],
    emit: impl FnOnce(&mut SliceSink<'b>) -> Result<(), E>,
) -> Result<&'b str, E> {
    let mut sink = SliceSink::new(buf);
    emit(&mut sink)?;
    sink.finish().map_err(E::from)
}

/// The exact length of what `emit` writes.
pub(crate) fn measure<E>(emit: impl FnOnce(&mut Counter) -> Result<(), E>) -> Result<usize, E> {
    let mut c = Counter::default();
    emit(&mut c)?;
    Ok(c.0)
}

/// Writes `n` in decimal.
pub(crate) fn put_u64(out: &mut dyn Sink, n: u64) -> Result<(), OutputError> {
    let mut buf = [0u8; 20];
    out.put(fmt_u64(n, &mut buf))
}

/// Formats `n` in decimal into `buf` and returns the digits.
pub(crate) fn fmt_u64(n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let len = put_decimal(buf, 0, n);
    buf.get(..len).unwrap_or_default()
}

/// Powers of ten that fit in a `u64`: `POW10[i] == 10^i`.
const POW10: [u64; 20] = {
    let mut t = [1u64; 20];
    let mut i = 1;
    while i < 20 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

/// The number of decimal digits of `n` (1 to 20).
#[cfg(any(test, not(cos_compact)))]
pub(crate) const fn decimal_len(n: u64) -> usize {
    let mut len = 1;
    while len < POW10.len() && n >= POW10[len] {
        len += 1;
    }
    len
}

/// Writes `n` in decimal at `buf[at..]` and returns the index after it;
/// digits past the end of `buf` are dropped (callers leave room for 20).
///
/// The one decimal writer of the crate, in the form that suits the build:
/// hosts divide by ten (a multiplication), last digit first; the compact
/// form (`cos_compact`) subtracts powers of ten, so that no 64-bit division
/// is linked in (Cortex-M has none, and the library routine
/// `__aeabi_uldivmod` costs about 1 KiB of flash). The tests run both
/// forms.
#[cfg(not(cos_compact))]
pub(crate) use by_division as put_decimal;
#[cfg(cos_compact)]
pub(crate) use by_subtraction as put_decimal;

/// The two digits of every number below 100, `00` to `99`.
#[cfg(any(test, not(cos_compact)))]
const DIGIT_PAIRS: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// [`put_decimal`] on hosts: two digits a division.
#[cfg(any(test, not(cos_compact)))]
pub(crate) const fn by_division(buf: &mut [u8], at: usize, n: u64) -> usize {
    /// Stores `b` at `pos` if it is in `buf`.
    const fn set(buf: &mut [u8], pos: usize, b: u8) {
        if pos < buf.len() {
            buf[pos] = b;
        }
    }
    let len = decimal_len(n);
    let mut rest = n;
    let mut i = len;
    while i >= 2 {
        i -= 2;
        let pair = (rest % 100) as usize * 2;
        rest /= 100;
        let pos = at.saturating_add(i);
        set(buf, pos, DIGIT_PAIRS[pair]);
        set(buf, pos.saturating_add(1), DIGIT_PAIRS[pair + 1]);
    }
    if i == 1 {
        set(buf, at, b'0' + rest as u8);
    }
    at.saturating_add(len)
}

/// [`put_decimal`] on bare metal.
#[cfg(any(test, cos_compact))]
pub(crate) const fn by_subtraction(buf: &mut [u8], at: usize, n: u64) -> usize {
    let mut rest = n;
    let mut pos = at;
    let mut started = false;
    let mut i = POW10.len();
    while i > 0 {
        i -= 1;
        let p = POW10[i];
        let mut digit = b'0';
        while rest >= p {
            rest -= p;
            digit = digit.wrapping_add(1);
        }
        if digit != b'0' || started || i == 0 {
            started = true;
            if pos < buf.len() {
                buf[pos] = digit;
            }
            pos = pos.saturating_add(1);
        }
    }
    pos
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal() {
        let mut b = [0u8; 20];
        let mut n = 1u64;
        for k in 0..20 {
            for m in [
                n - 1,
                n,
                n + 1,
                n.saturating_mul(9),
                n.saturating_mul(10) - 1,
            ] {
                assert_eq!(fmt_u64(m, &mut b), m.to_string().as_bytes(), "10^{k}");
                assert_eq!(decimal_len(m), m.to_string().len());
            }
            n = n.saturating_mul(10);
        }
        for m in [0u64, 9, 10, 1_700_000_000, u64::MAX - 1, u64::MAX] {
            assert_eq!(fmt_u64(m, &mut b), m.to_string().as_bytes());
            assert_eq!(decimal_len(m), m.to_string().len());
        }
    }

    #[test]
    fn both_decimal_forms_agree() {
        let mut n = 1u64;
        for _ in 0..20 {
            for m in [n - 1, n, n + 7, n.saturating_mul(10) - 1, u64::MAX] {
                for (at, len) in [(0, 20), (3, 23), (2, 7), (0, 0)] {
                    let (mut a, mut b) = ([b'_'; 23], [b'_'; 23]);
                    assert_eq!(
                        by_division(&mut a[..len], at, m),
                        by_subtraction(&mut b[..len], at, m),
                        "{m} at {at} in {len}"
                    );
                    assert_eq!(a, b, "{m} at {at} in {len}");
                }
            }
            n = n.saturating_mul(10);
        }
    }

    #[test]
    fn decimal_at_an_offset_drops_what_does_not_fit() {
        let mut b = *b"x=______";
        assert_eq!(put_decimal(&mut b, 2, 12345), 7);
        assert_eq!(&b, b"x=12345_");
        assert_eq!(put_decimal(&mut b, 5, 98765), 10);
        assert_eq!(&b, b"x=123987");
    }

    #[test]
    fn slice_sink_reports_needed_length() {
        let mut buf = [0u8; 4];
        let r = to_slice::<OutputError>(&mut buf, |s| {
            s.put(b"abc")?;
            s.put(b"defg")
        });
        assert_eq!(r, Err(OutputError::BufferTooSmall { needed: 7 }));
        let mut buf = [0u8; 7];
        let r = to_slice::<OutputError>(&mut buf, |s| {
            s.put(b"abc")?;
            s.put(b"defg")
        });
        assert_eq!(r, Ok("abcdefg"));
    }

    /// Whatever the sizes of the writes, the output is passed on whole,
    /// in order, in blocks of 64 bytes (a few less where a character
    /// would be cut) and then the rest, each block whole characters.
    #[test]
    fn staged_output_is_the_writes_in_blocks() {
        struct Blocks(Vec<Vec<u8>>);
        impl Sink for Blocks {
            fn put(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
                self.0.push(bytes.to_vec());
                Ok(())
            }
        }
        let text: String = (0..300)
            .map(|i| ['A', 'z', 'é', '腾', '😀', '-'][(i * 7 + i / 5) % 6])
            .collect();
        let chars: Vec<char> = text.chars().collect();
        for step in 1..40 {
            let mut blocks = Blocks(Vec::new());
            let mut want = Vec::new();
            let mut w = Staged::new(&mut blocks);
            for (i, piece) in chars.chunks(step).enumerate() {
                let piece: String = piece.iter().collect();
                let piece = piece.as_bytes();
                match i % 4 {
                    0 => w.put_case(piece, i % 8 == 0).unwrap(),
                    1 => w.array(&[b'x'; 3]).unwrap(),
                    2 => w.byte(b'y').unwrap(),
                    _ => w.decimal(i as u64).unwrap(),
                }
                want.extend_from_slice(&match i % 4 {
                    0 if i % 8 == 0 => piece.to_ascii_lowercase(),
                    0 => piece.to_vec(),
                    1 => b"xxx".to_vec(),
                    2 => b"y".to_vec(),
                    _ => i.to_string().into_bytes(),
                });
            }
            w.finish().unwrap();
            // The compact build passes each piece on as it comes.
            if cfg!(not(cos_compact)) {
                let (last, whole) = blocks.0.split_last().unwrap();
                assert!(whole.iter().all(|b| (61..=64).contains(&b.len())), "{step}");
                assert!(!last.is_empty() && last.len() <= 64, "{step}");
            }
            assert!(blocks.0.iter().all(|b| core::str::from_utf8(b).is_ok()));
            assert_eq!(blocks.0.concat(), want, "{step}");
        }
    }
}
