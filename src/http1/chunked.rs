//! `Transfer-Encoding: chunked` (RFC 9112 §7.1), decoded byte by byte as
//! the pieces arrive, split anywhere: chunk data is handed on as slices of
//! the input, nothing is buffered.
//!
//! Hand-written, not httparse's `parse_chunk_size`: that one needs the
//! whole size line in one buffer, and a size line has no length bound (its
//! extensions are free text), while this reader has no buffer left at this
//! point (the head's is lent to the [`Head`](super::Head)). It also takes
//! an empty size line for `0`.
//!
//! Accepted: leading zeros in a size, spaces and tabs before the
//! extensions, any extension text without control bytes, trailer fields
//! (framed, checked for control bytes and discarded), and a bare LF for
//! CRLF (RFC 9112 §2.2, as httparse does for the head).

use super::{BodySink, Http1Error};

/// Where in the chunked framing the decoder is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
enum State {
    /// In the hex size; whether a digit has been read yet.
    Size { digits: bool },
    /// Spaces or tabs after the size.
    SizeSpace,
    /// In the chunk extensions, up to the line end.
    Extension,
    /// Saw the CR that ends the size line.
    SizeLf,
    /// Inside chunk data (`Chunked::remaining` bytes left).
    Data,
    /// After chunk data: its CRLF.
    DataCr,
    /// Saw the CR after chunk data.
    DataLf,
    /// At the start of a trailer line, or of the final empty line.
    TrailerStart,
    /// Inside a trailer field line.
    Trailer,
    /// Saw the CR ending a trailer field line.
    TrailerLf,
    /// Saw the CR of the final empty line.
    FinalLf,
}

/// The chunked decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(super) struct Chunked {
    state: State,
    /// The size being read, then what is left of the chunk's data.
    remaining: u64,
}

/// A control byte that may not appear in a line of text (HTAB may).
const fn is_ctl(b: u8) -> bool {
    (b < 0x20 && b != b'\t') || b == 0x7f
}

const fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

impl Chunked {
    /// At the start of a chunked body.
    pub(super) const fn new() -> Self {
        Self {
            state: State::Size { digits: false },
            remaining: 0,
        }
    }

    /// After the size line: data, or the trailer after the last chunk.
    const fn size_line_end(&self) -> State {
        if self.remaining == 0 {
            State::TrailerStart
        } else {
            State::Data
        }
    }

    /// Decodes from `input`, handing each run of data to `sink`. Returns
    /// `Some(used)` when the body ended after `used` bytes (the rest is
    /// not part of it), `None` when all of `input` was taken and the body
    /// goes on.
    pub(super) fn feed<S: BodySink + ?Sized>(
        &mut self,
        input: &[u8],
        sink: &mut S,
    ) -> Result<Option<usize>, Http1Error> {
        let mut at = 0usize;
        while let Some(rest) = input.get(at..).filter(|r| !r.is_empty()) {
            if self.state == State::Data {
                let n = usize::try_from(self.remaining).map_or(rest.len(), |r| r.min(rest.len()));
                let data = rest.get(..n).unwrap_or_default();
                sink.push(data);
                at = at.saturating_add(n);
                self.remaining = self.remaining.saturating_sub(n as u64);
                if self.remaining == 0 {
                    self.state = State::DataCr;
                }
                continue;
            }
            let Some(&b) = rest.first() else { break };
            at = at.saturating_add(1);
            self.state = match (self.state, b) {
                (State::Size { .. }, _) if hex(b).is_some() => {
                    let digit = u64::from(hex(b).unwrap_or(0));
                    self.remaining = self
                        .remaining
                        .checked_mul(16)
                        .and_then(|v| v.checked_add(digit))
                        .ok_or(Http1Error::ChunkSizeOverflow)?;
                    State::Size { digits: true }
                }
                (State::Size { digits: true } | State::SizeSpace, b' ' | b'\t') => State::SizeSpace,
                (State::Size { digits: true } | State::SizeSpace, b';') => State::Extension,
                (State::Size { digits: true } | State::SizeSpace | State::Extension, b'\r') => {
                    State::SizeLf
                }
                (State::Size { digits: true } | State::SizeSpace | State::Extension, b'\n')
                | (State::SizeLf, b'\n') => self.size_line_end(),
                (State::Size { .. } | State::SizeSpace, _) => return Err(Http1Error::ChunkSize),
                (State::Extension, _) if is_ctl(b) => return Err(Http1Error::ChunkExtension),
                (State::Extension, _) => State::Extension,
                (State::DataCr, b'\r') => State::DataLf,
                (State::DataCr | State::DataLf, b'\n') => State::Size { digits: false },
                (State::DataCr | State::DataLf, _) => return Err(Http1Error::ChunkDataEnd),
                (State::TrailerStart, b'\r') => State::FinalLf,
                (State::TrailerStart | State::FinalLf, b'\n') => {
                    self.state = State::TrailerStart;
                    return Ok(Some(at));
                }
                // A line starting with white space (obsolete folding) or
                // a control byte is no field line.
                (State::TrailerStart, b' ' | b'\t') => return Err(Http1Error::Trailer),
                (State::Trailer, b'\r') => State::TrailerLf,
                (State::Trailer, b'\n') | (State::TrailerLf, b'\n') => State::TrailerStart,
                (State::TrailerStart | State::Trailer, _) if is_ctl(b) => {
                    return Err(Http1Error::Trailer);
                }
                (State::TrailerStart | State::Trailer, _) => State::Trailer,
                (State::SizeLf | State::TrailerLf | State::FinalLf, _) => {
                    return Err(Http1Error::ChunkLineEnd);
                }
                // Handled above the match.
                (State::Data, _) => State::Data,
            };
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(wire: &[u8]) -> Result<(Vec<u8>, Option<usize>), Http1Error> {
        let mut c = Chunked::new();
        let mut out = Vec::new();
        let end = c.feed(wire, &mut |b: &[u8]| out.extend_from_slice(b))?;
        Ok((out, end))
    }

    #[test]
    fn sizes_extensions_and_trailers() {
        assert_eq!(
            decode(b"5\r\nhello\r\n0\r\n\r\nX").unwrap(),
            (b"hello".to_vec(), Some(15))
        );
        let wire = b"a \t;x=\"y z\";q\r\n0123456789\r\n000;e\r\nA: b\r\nC:\td\r\n\r\n";
        assert_eq!(
            decode(wire).unwrap(),
            (b"0123456789".to_vec(), Some(wire.len()))
        );
        // Upper and lower case hex, leading zeros beyond 16 digits.
        assert_eq!(
            decode(b"0000000000000000000001\r\nA\r\nB\n0123456789A\n0\n\n")
                .unwrap()
                .0
                .len(),
            12
        );
        // The largest size is read (the data is not there).
        let mut c = Chunked::new();
        assert_eq!(
            c.feed(b"ffffffffffffffff\r\n", &mut |_: &[u8]| {}),
            Ok(None)
        );
        assert_eq!(c.remaining, u64::MAX);
        // Incomplete bodies take everything and ask for more.
        for wire in [
            &b"5\r\nhel"[..],
            b"5",
            b"5\r\nhello\r",
            b"0\r\nA: b",
            b"0\r\n\r",
        ] {
            assert_eq!(decode(wire).unwrap().1, None, "{wire:?}");
        }
    }

    #[test]
    fn each_malformation_has_its_error() {
        for (wire, want) in [
            (&b"x\r\n"[..], Http1Error::ChunkSize),
            (b"\r\n", Http1Error::ChunkSize),
            (b";ext\r\n", Http1Error::ChunkSize),
            (b" 5\r\n", Http1Error::ChunkSize),
            (b"-5\r\n", Http1Error::ChunkSize),
            (b"+5\r\n", Http1Error::ChunkSize),
            (b"5 5\r\n", Http1Error::ChunkSize),
            (b"0x5\r\n", Http1Error::ChunkSize),
            (b"5\r\nhelloX\r\n", Http1Error::ChunkDataEnd),
            (b"5\r\nhello\rX", Http1Error::ChunkDataEnd),
            (b"5\rX", Http1Error::ChunkLineEnd),
            (b"11111111111111111\r\n", Http1Error::ChunkSizeOverflow),
            (b"10000000000000000\r\n", Http1Error::ChunkSizeOverflow),
            (b"0\r\n\rX", Http1Error::ChunkLineEnd),
            (b"0\r\nA: b\rX", Http1Error::ChunkLineEnd),
            (b"3;\x01\r\n", Http1Error::ChunkExtension),
            (b"3;a\x7f\r\n", Http1Error::ChunkExtension),
            (b"0\r\n folded\r\n\r\n", Http1Error::Trailer),
            (b"0\r\nA: \x00\r\n\r\n", Http1Error::Trailer),
            (b"0\r\n\x01\r\n\r\n", Http1Error::Trailer),
        ] {
            assert_eq!(
                decode(wire),
                Err(want),
                "{:?}",
                String::from_utf8_lossy(wire)
            );
        }
    }
}
