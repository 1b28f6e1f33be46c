//! Text helpers: digests, XML escaping, dates, and the one XML body the
//! emulator reads (CompleteMultipartUpload's), with the crate's tokenizer.

use crate::reply::{Failure, fail};
use md5::{Digest, Md5};
use std::fmt::Write as _;

pub(crate) fn md5(data: &[u8]) -> [u8; 16] {
    Md5::digest(data).into()
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

pub(crate) fn quoted_md5(digest: &[u8; 16]) -> String {
    format!("\"{}\"", hex(digest))
}

/// Escapes text for an XML element. Characters XML 1.0 cannot hold at all
/// (control characters other than tab, LF and CR) are written as `%XX`,
/// so that every document stays readable by a strict parser.
pub(crate) fn xml_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "%{:02X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// `encoding-type=url`: every byte but `A-Za-z0-9-_.~/` as `%XX`.
pub(crate) fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// `2017-09-04T04:45:45.000Z`.
pub(crate) fn iso8601(unix: u64) -> String {
    let days = (unix / 86_400) as i64;
    let secs = unix % 86_400;
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.000Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

pub(crate) fn http_date(unix: u64) -> String {
    tencent_cos_core::http_date(unix)
        .map(|d| d.as_str().to_owned())
        .unwrap_or_default()
}

/// The XML declaration every document starts with.
pub(crate) const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// A document: the declaration, then `<root>` holding `fields` (each
/// already escaped or nested XML).
pub(crate) struct Doc {
    text: String,
    root: &'static str,
}

impl Doc {
    pub fn new(root: &'static str) -> Self {
        let mut text = String::from(DECLARATION);
        let _ = writeln!(text, "<{root}>");
        Self { text, root }
    }

    /// `<name>escaped text</name>` at this depth.
    pub fn field(&mut self, depth: usize, name: &str, value: &str) -> &mut Self {
        let _ = writeln!(
            self.text,
            "{}<{name}>{}</{name}>",
            "\t".repeat(depth),
            xml_text(value)
        );
        self
    }

    /// `<name>` (`open`) or `</name>`.
    pub fn tag(&mut self, depth: usize, name: &str, open: bool) -> &mut Self {
        let slash = if open { "" } else { "/" };
        let _ = writeln!(self.text, "{}<{slash}{name}>", "\t".repeat(depth));
        self
    }

    pub fn finish(mut self) -> String {
        let _ = write!(self.text, "</{}>", self.root);
        self.text
    }
}

fn malformed() -> Failure {
    fail(
        400,
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema.",
    )
}

/// Reads a CompleteMultipartUpload body with the crate's XML tokenizer:
/// the (PartNumber, ETag) of each `Part`, in order.
pub(crate) fn parse_complete_body(body: &[u8]) -> Result<Vec<(u16, String)>, Failure> {
    use tencent_cos_core::xml::{Event, Tokenizer, XmlError};
    #[derive(Default)]
    struct State {
        path: Vec<String>,
        number: String,
        etag: String,
        parts: Vec<(Option<u16>, String)>,
        bad: bool,
    }
    let mut st = State::default();
    let mut tok = Tokenizer::new();
    let r: Result<(), XmlError> = tok.feed(body, &mut |e: Event<'_>| {
        match e {
            Event::Start(name) => {
                let name = name.local().unwrap_or_default().to_owned();
                let ok = matches!(
                    (st.path.len(), name.as_str()),
                    (0, "CompleteMultipartUpload") | (1, "Part") | (2, "PartNumber" | "ETag")
                );
                st.bad |= !ok;
                if name == "Part" {
                    st.number.clear();
                    st.etag.clear();
                }
                st.path.push(name);
            }
            Event::Text(t) => match st.path.last().map(String::as_str) {
                Some("PartNumber") => st.number.push_str(t),
                Some("ETag") => st.etag.push_str(t),
                _ => st.bad |= !t.trim().is_empty(),
            },
            Event::End(_) => {
                if st.path.pop().as_deref() == Some("Part") {
                    let n = st.number.trim();
                    let number = n.parse().ok().filter(|_| !n.starts_with('0'));
                    st.parts.push((number, st.etag.trim().to_owned()));
                }
            }
        }
        Ok(())
    });
    if r.is_err() || tok.finish().is_err() || st.bad || st.parts.is_empty() {
        return Err(malformed());
    }
    st.parts
        .into_iter()
        .map(|(n, e)| match n {
            Some(n @ 1..=10_000) if !e.is_empty() => Ok((n, e)),
            _ => Err(malformed()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_always_valid_xml() {
        assert_eq!(xml_text("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c'");
        assert_eq!(xml_text("a\u{1}b\tc\u{7f}"), "a%01b\tc\u{7f}");
        assert_eq!(url_encode("a b/ü+"), "a%20b/%C3%BC%2B");
    }

    #[test]
    fn dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_504_500_345), "2017-09-04T04:45:45.000Z");
        assert_eq!(http_date(784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT");
    }

    #[test]
    fn complete_bodies() {
        let body =
            b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"a\"</ETag></Part>\
            <Part><PartNumber>2</PartNumber><ETag>b</ETag></Part></CompleteMultipartUpload>";
        assert_eq!(
            parse_complete_body(body).unwrap(),
            [(1, "\"a\"".to_owned()), (2, "b".to_owned())]
        );
        for bad in [
            &b"<CompleteMultipartUpload/>"[..],
            b"<CompleteMultipartUpload><Part>",
            b"<CompleteMultipartUpload><Part><PartNumber>01</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>",
            b"<X><Part><PartNumber>1</PartNumber><ETag>a</ETag></Part></X>",
        ] {
            assert_eq!(
                parse_complete_body(bad).unwrap_err().code,
                "MalformedXML",
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
