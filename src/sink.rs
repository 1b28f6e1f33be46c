//! Where output goes: a `core::fmt::Write`, a caller's byte buffer, a length
//! counter or a hasher, behind one small internal trait.

use core::fmt;

/// Why output could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
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
pub(crate) trait Sink {
    /// Appends `bytes`. The bytes are always valid UTF-8 when taken as a
    /// whole output; a single call never splits a UTF-8 sequence.
    fn put(&mut self, bytes: &[u8]) -> Result<(), OutputError>;

    /// Appends `bytes` with ASCII letters lowercased.
    fn put_lower(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        let mut tmp = [0u8; 32];
        for chunk in bytes.chunks(tmp.len()) {
            let dst = tmp.get_mut(..chunk.len()).unwrap_or_default();
            for (d, s) in dst.iter_mut().zip(chunk) {
                *d = s.to_ascii_lowercase();
            }
            self.put(dst)?;
        }
        Ok(())
    }
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
    #[inline]
    fn put_lower(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        self.put(bytes)
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

/// [`put_decimal`] on hosts.
#[cfg(any(test, not(cos_compact)))]
pub(crate) const fn by_division(buf: &mut [u8], at: usize, n: u64) -> usize {
    let len = decimal_len(n);
    let mut rest = n;
    let mut i = len;
    while i > 0 {
        i -= 1;
        let pos = at.saturating_add(i);
        if pos < buf.len() {
            buf[pos] = b'0' + (rest % 10) as u8;
        }
        rest /= 10;
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

    #[test]
    fn lowercasing_crosses_chunks() {
        let input: Vec<u8> = (0..200).map(|i| b'A' + (i % 26) as u8).collect();
        let mut buf = [0u8; 200];
        let r = to_slice::<OutputError>(&mut buf, |s| s.put_lower(&input)).unwrap();
        assert_eq!(r, String::from_utf8(input).unwrap().to_ascii_lowercase());
    }
}
