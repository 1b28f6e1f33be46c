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
        if !bytes.iter().any(u8::is_ascii_uppercase) {
            return self.put(bytes);
        }
        let mut tmp = [0u8; 64];
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
        let len = self.len;
        match self.buf.get(..len) {
            Some(done) => core::str::from_utf8(done).map_err(|_| OutputError::Sink),
            None => Err(OutputError::BufferTooSmall { needed: len }),
        }
    }
}

impl Sink for SliceSink<'_> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        let end = self.len.saturating_add(bytes.len());
        if let Some(dst) = self.buf.get_mut(self.len..end) {
            dst.copy_from_slice(bytes);
        }
        self.len = end;
        Ok(())
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
pub(crate) fn put_u64<S: Sink + ?Sized>(out: &mut S, n: u64) -> Result<(), OutputError> {
    let mut buf = [0u8; 20];
    out.put(fmt_u64(n, &mut buf))
}

/// Formats `n` in decimal into the end of `buf` and returns the digits.
pub(crate) fn fmt_u64(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        if let Some(d) = buf.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    buf.get(i..).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal() {
        let mut b = [0u8; 20];
        for n in [0u64, 9, 10, 1_700_000_000, u64::MAX] {
            assert_eq!(fmt_u64(n, &mut b), n.to_string().as_bytes());
        }
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
