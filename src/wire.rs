//! What goes on the wire, which is not what is signed: the request target
//! (path and query) and a small arena that holds formatted header values.

use crate::encode::put_encoded;
use crate::sink::{Counter, OutputError, Sink, SliceSink};
use core::fmt;

/// Why an object key cannot be put on the request line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum KeyError {
    /// The key is empty.
    Empty,
    /// The whole key is `.` or `..`, which no HTTP stack leaves alone.
    DotKey,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "object key is empty",
            Self::DotKey => "object key is '.' or '..'",
        })
    }
}

impl core::error::Error for KeyError {}

/// Drops one leading `/` and checks the key can be sent.
pub(crate) fn object_key(key: &str) -> Result<&str, KeyError> {
    let key = key.strip_prefix('/').unwrap_or(key);
    match key {
        "" => Err(KeyError::Empty),
        "." | ".." => Err(KeyError::DotKey),
        _ => Ok(key),
    }
}

fn is_dot_segment(s: &[u8]) -> bool {
    s == b"." || s == b".."
}

/// Writes `/` + the key as the request line carries it: every byte outside
/// `A-Z a-z 0-9 - _ . ~ /` percent-encoded (a raw `+` would be read as a
/// space), and dot segments made inert: the `/` that ends a `.` or `..`
/// segment is sent as `%2F` (for a last segment, the `/` before it), so
/// that no HTTP stack rewrites the path the signature covers.
pub(crate) fn put_wire_path(out: &mut dyn Sink, key: &str) -> Result<(), OutputError> {
    out.put(b"/")?;
    let mut segments = key.as_bytes().split(|&b| b == b'/').peekable();
    let mut first = true;
    let mut previous_is_dot = false;
    while let Some(segment) = segments.next() {
        let last = segments.peek().is_none();
        if !first {
            let escape = previous_is_dot || (last && is_dot_segment(segment));
            out.put(if escape { b"%2F" } else { b"/" })?;
        }
        first = false;
        put_encoded(out, segment, false)?;
        previous_is_dot = is_dot_segment(segment);
    }
    Ok(())
}

/// Writes `?name=value&...` with both sides encoded by `E`; an empty value
/// is written bare (`?uploads`).
pub(crate) fn put_query(out: &mut dyn Sink, params: &[(&str, &str)]) -> Result<(), OutputError> {
    for (i, (name, value)) in crate::bytes::numbered(params.iter()) {
        out.put(if i == 0 { b"?" } else { b"&" })?;
        put_encoded(out, name.as_bytes(), false)?;
        if !value.is_empty() {
            out.put(b"=")?;
            put_encoded(out, value.as_bytes(), false)?;
        }
    }
    Ok(())
}

/// Hands out `&str`s formatted into a caller's scratch buffer. When a
/// value does not fit, it goes on measuring, so that the error can give
/// the length the whole set of values needs.
pub(crate) struct Arena<'s> {
    free: &'s mut [u8],
    used: usize,
    short: bool,
}

impl<'s> Arena<'s> {
    pub(crate) fn new(buf: &'s mut [u8]) -> Self {
        Self {
            free: buf,
            used: 0,
            short: false,
        }
    }

    /// Formats a value; returns `""` once the buffer has run out (the
    /// caller must then call [`Arena::finish`] before using any value).
    pub(crate) fn alloc(
        &mut self,
        emit: impl Fn(&mut dyn Sink) -> Result<(), OutputError>,
    ) -> Result<&'s str, OutputError> {
        let mut c = Counter::default();
        emit(&mut c)?;
        let len = c.0;
        self.used = self.used.saturating_add(len);
        if self.short || len > self.free.len() {
            self.short = true;
            return Ok("");
        }
        let buf = core::mem::take(&mut self.free);
        let (mine, rest) = buf.split_at_mut(len);
        self.free = rest;
        let mut s = SliceSink::new(mine);
        emit(&mut s)?;
        s.finish()
    }

    /// `Ok` when every value fitted, else the total length needed.
    pub(crate) fn finish(&self) -> Result<(), OutputError> {
        if self.short {
            Err(OutputError::BufferTooSmall { needed: self.used })
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::to_slice;

    fn path(key: &str) -> String {
        let mut buf = [0u8; 256];
        to_slice::<OutputError>(&mut buf, |s| put_wire_path(s, key))
            .unwrap()
            .to_string()
    }

    #[test]
    fn path_encoding() {
        assert_eq!(path("dest/big-file.bin"), "/dest/big-file.bin");
        assert_eq!(path("a+b c"), "/a%2Bb%20c");
        assert_eq!(
            path("exampleobject(腾讯云)"),
            "/exampleobject%28%E8%85%BE%E8%AE%AF%E4%BA%91%29"
        );
        assert_eq!(path("a//b/"), "/a//b/");
        assert_eq!(path("~._-"), "/~._-");
    }

    /// After an HTTP stack's dot-segment removal (RFC 3986 5.2.4), the
    /// path must still name the same key.
    #[test]
    fn dot_segments_survive_normalisation() {
        for key in [
            "a/./b",
            "a/../b",
            "./a",
            "../a",
            "a/.",
            "a/..",
            "a/../../b",
            "./../a",
            "a/./../b",
            "..a/b",
            "a/.b/c",
            "a/...",
            "a/./",
            "a/../",
        ] {
            let p = path(key);
            let segments: Vec<&str> = p[1..].split('/').collect();
            assert!(
                !segments.iter().any(|s| *s == "." || *s == ".."),
                "{key:?} -> {p:?} still has a dot segment"
            );
            // Decoding gives the key back.
            let mut out = [0u8; 256];
            let n = crate::encode::percent_decode(&p.as_bytes()[1..], &mut out).unwrap();
            assert_eq!(&out[..n], key.as_bytes(), "{p}");
        }
    }

    #[test]
    fn keys() {
        assert_eq!(object_key("/a"), Ok("a"));
        assert_eq!(object_key("//a"), Ok("/a"));
        assert_eq!(object_key("/"), Err(KeyError::Empty));
        assert_eq!(object_key(".."), Err(KeyError::DotKey));
        assert_eq!(object_key("/."), Err(KeyError::DotKey));
    }

    #[test]
    fn query() {
        let mut buf = [0u8; 64];
        let q = to_slice::<OutputError>(&mut buf, |s| {
            put_query(s, &[("partNumber", "1"), ("uploadId", "a b+")])
        })
        .unwrap();
        assert_eq!(q, "?partNumber=1&uploadId=a%20b%2B");
        let q = to_slice::<OutputError>(&mut buf, |s| put_query(s, &[("uploads", "")])).unwrap();
        assert_eq!(q, "?uploads");
    }

    #[test]
    fn arena_reports_the_total_needed() {
        let mut buf = [0u8; 8];
        let mut a = Arena::new(&mut buf);
        assert_eq!(a.alloc(|s| s.put(b"abcde")).unwrap(), "abcde");
        assert_eq!(a.alloc(|s| s.put(b"fghij")).unwrap(), "");
        assert_eq!(a.alloc(|s| s.put(b"kl")).unwrap(), "");
        assert_eq!(a.finish(), Err(OutputError::BufferTooSmall { needed: 12 }));
        let mut buf = [0u8; 12];
        let mut a = Arena::new(&mut buf);
        let x = a.alloc(|s| s.put(b"abcde")).unwrap();
        let y = a.alloc(|s| s.put(b"fghij")).unwrap();
        assert_eq!((x, y, a.finish()), ("abcde", "fghij", Ok(())));
    }
}
