//! The usual answer read straight into its document (hosts only).
//!
//! [`Response::parse`](super::Response::parse) is given the whole body. Most
//! bodies are one of the four documents as COS writes them: a declaration,
//! the root, and its fields, each `<Name>value</Name>` with a plain value.
//! This path reads that shape alone, matching the expected names directly
//! against the body and taking each value as one piece, with no events in
//! between. Anything else (an unknown or namespaced element, an entity,
//! an attribute, a comment, an error of any kind) makes it give up, and
//! the body is read the general way. So it never decides an error itself:
//! when it succeeds, the general path would have given the same document
//! (the tests compare them).

use super::{Builder, DocumentKind, Field, is_xml_ws};
use crate::xml::whole::Reader;

impl<const N: usize, const D: usize> Builder<N, D> {
    /// Reads `body` if it has the usual shape: `Some` when the document
    /// is whole (see [`check`](Self::check)), `None` for the general path
    /// to decide.
    pub(super) fn direct(&mut self, body: &[u8]) -> Option<()> {
        let mut r = Reader::new(body)?;
        r.prolog()?;
        if !r.eat_byte(b'<') {
            return None;
        }
        let kind = DocumentKind::from_root(|name| r.eat_tag(name))?;
        self.open_root(kind);
        loop {
            // Text directly inside the root is skipped (but checked): a
            // line end and an indent, mostly, passed a byte at a time.
            r.skip_ws();
            if !r.eat_byte(b'<') {
                r.plain_text()?;
                r.eat_byte(b'<');
            }
            if r.eat_byte(b'/') {
                if !r.eat_tag(kind.as_str()) {
                    return None;
                }
                r.end()?;
                return self.check().ok();
            }
            let field = kind
                .fields()
                .iter()
                .copied()
                .find(|f| r.eat_tag(f.as_str()));
            self.open_field(field).ok()?;
            let field = self.field?;
            self.value(field, r.plain_text()?)?;
            if !(r.eat(b"</") && r.eat_tag(field.as_str())) {
                return None;
            }
        }
    }

    /// A field's whole value: stored trimmed, if it fits.
    fn value(&mut self, field: Field, text: &str) -> Option<()> {
        let dst = self.slot(field)?;
        // Whitespace is ASCII: trimmed by bytes, at character boundaries.
        let bytes = text.as_bytes();
        let start = bytes
            .iter()
            .position(|&b| !is_xml_ws(b))
            .unwrap_or(bytes.len());
        let end = bytes
            .iter()
            .rposition(|&b| !is_xml_ws(b))
            .map_or(start, |last| last.saturating_add(1));
        dst.push_str(text.get(start..end)?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::{Response, ResponseReader};

    /// The document the direct path reads, if it reads one.
    fn direct<const N: usize>(body: &[u8]) -> Option<Result<Response<N>, crate::ResponseError>> {
        let mut builder = Builder::<N, N>::new();
        builder.direct(body)?;
        Some(builder.finish())
    }

    fn general<const N: usize>(body: &[u8]) -> Result<Response<N>, crate::ResponseError> {
        let mut r = ResponseReader::<N>::new();
        r.feed(body).and_then(|()| r.finish())
    }

    /// The usual answers are read here, as the general path reads them;
    /// the rest is left to it.
    #[test]
    fn takes_the_usual_answers() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/responses/");
        for name in [
            "copy-part-result.xml",
            "initiate.xml",
            "copy-part-result-keepalive.xml",
        ] {
            let body = std::fs::read(format!("{dir}{name}")).unwrap();
            let general = general::<128>(&body);
            assert!(general.is_ok(), "{name}");
            assert_eq!(direct::<128>(&body), Some(general), "{name}");
        }
        // Line ends of either kind and indents between the fields, and a
        // value with whitespace around it (trimmed) and inside it (kept).
        for body in [
            "<CopyPartResult>\r\n\t<ETag>x</ETag>\r\n</CopyPartResult>",
            "<CopyPartResult>\n  <ETag> \t\nx y\n </ETag> \n<LastModified>t</LastModified></CopyPartResult>",
        ] {
            let general = general::<8>(body.as_bytes());
            assert!(general.is_ok(), "{body:?}");
            assert_eq!(direct::<8>(body.as_bytes()), Some(general), "{body:?}");
        }
        // Inside the root: an entity, an unknown element, a repeated
        // field, an empty one, a value over capacity, a missing required
        // field, a CR in a value.
        for inner in [
            "<ETag>&quot;x&quot;</ETag>",
            "<ETag>x</ETag><Other>y</Other>",
            "<ETag>x</ETag><ETag>y</ETag>",
            "<ETag/>",
            "<ETag>0123456789</ETag>",
            "<LastModified>x</LastModified>",
            "<ETag>x\r</ETag>",
        ] {
            let body = format!("<CopyPartResult>{inner}</CopyPartResult>");
            assert_eq!(direct::<8>(body.as_bytes()), None, "{body:?}");
        }
        // Text after the root; a root with a prefix.
        for body in [
            &b"<CopyPartResult><ETag>x</ETag></CopyPartResult>x"[..],
            b"<ns:CopyPartResult><ETag>x</ETag></ns:CopyPartResult>",
        ] {
            assert_eq!(direct::<8>(body), None, "{body:?}");
        }
    }
}
