//! Property tests of the response side: values written into each of the
//! four documents (escaped in every way XML allows, padded, with extra
//! elements and keep-alive spaces) read back decoded and trimmed, the same
//! whole and in any pieces; a value over capacity is cut at a character
//! boundary and marked (an ETag or UploadId is an error instead). And
//! `explain` finds the first byte where the server's text differs from the
//! local one.

use proptest::prelude::*;
use tencent_cos_core::Output;
use tencent_cos_core::{
    CanonicalRequest, Field, KeyTime, Response, ResponseError, ResponseReader, Selection,
    SignedText, explain,
};

/// A value as the reader should give it back: no CR (XML turns it into
/// LF), no character XML cannot carry.
fn value() -> impl Strategy<Value = String> {
    "[ \t\n]{0,2}\\PC{0,30}[ \t\n]{0,2}".prop_map(|s| s.replace(['\u{FFFE}', '\u{FFFF}'], "?"))
}

/// Writes `s` as element text, each character in one of the ways XML
/// allows, chosen by `how`.
fn escape(s: &str, how: &[u8]) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        let h = how.get(i % how.len().max(1)).copied().unwrap_or(0) % 4;
        match (c, h) {
            ('&', _) => out.push_str("&amp;"),
            ('<', _) => out.push_str("&lt;"),
            ('>', 0) => out.push_str("&gt;"),
            ('"', 1) => out.push_str("&quot;"),
            ('\'', 1) => out.push_str("&apos;"),
            (c, 2) if c != '\n' && c != '\t' && c != ' ' => {
                out.push_str(&format!("&#{};", u32::from(c)))
            }
            (c, 3) if c != '\n' && c != '\t' && c != ' ' => {
                out.push_str(&format!("&#x{:X};", u32::from(c)))
            }
            (c, _) => out.push(c),
        }
    }
    out
}

fn trimmed(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\n', '\r'])
}

/// What a reader of capacity `cap` keeps of `v`, and whether it is cut:
/// the trimmed value, or its longest prefix that fits at a character
/// boundary, trimmed again.
fn kept(v: &str, cap: usize) -> (String, bool) {
    let t = trimmed(v);
    if t.len() <= cap {
        return (t.to_string(), false);
    }
    let end = (0..=cap).rev().find(|&i| t.is_char_boundary(i)).unwrap();
    (trimmed(&t[..end]).to_string(), true)
}

const DOCS: [(&str, &[&str]); 4] = [
    ("CopyPartResult", &["ETag", "LastModified"]),
    (
        "Error",
        &[
            "Code",
            "Message",
            "Resource",
            "RequestId",
            "TraceId",
            "StringToSign",
            "FormatString",
        ],
    ),
    (
        "InitiateMultipartUploadResult",
        &["Bucket", "Key", "UploadId"],
    ),
    (
        "CompleteMultipartUploadResult",
        &["Location", "Bucket", "Key", "ETag"],
    ),
];

fn read<const N: usize>(body: &[u8], cuts: &[usize]) -> Result<Response<N, N>, ResponseError> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (body.len() + 1)).collect();
    cuts.sort_unstable();
    let mut r = ResponseReader::<N, N>::new();
    let mut at = 0;
    for c in cuts.into_iter().chain([body.len()]) {
        r.feed(&body[at..c])?;
        at = c;
    }
    r.finish()
}

/// The fields of a document, by element name, with whether each was cut.
fn fields<const N: usize>(doc: &Response<N, N>) -> Vec<(&'static str, Option<String>, bool)> {
    let cut = doc.cut_fields();
    plain_fields(doc)
        .into_iter()
        .map(|(name, v)| {
            let field = Field::ALL.into_iter().find(|f| f.as_str() == name).unwrap();
            (name, v, cut.contains(field))
        })
        .collect()
}

fn plain_fields<const N: usize>(doc: &Response<N, N>) -> Vec<(&'static str, Option<String>)> {
    let s = |v: &Option<heapless::String<N>>| v.as_ref().map(|x| x.to_string());
    match doc {
        Response::CopyPart(d) => vec![
            ("ETag", Some(d.etag.to_string())),
            ("LastModified", s(&d.last_modified)),
        ],
        Response::Error(d) => vec![
            ("Code", s(&d.code)),
            ("Message", s(&d.message)),
            ("Resource", s(&d.resource)),
            ("RequestId", s(&d.request_id)),
            ("TraceId", s(&d.trace_id)),
            ("StringToSign", s(&d.string_to_sign)),
            ("FormatString", s(&d.format_string)),
        ],
        Response::Initiate(d) => vec![
            ("Bucket", s(&d.bucket)),
            ("Key", s(&d.key)),
            ("UploadId", Some(d.upload_id.to_string())),
        ],
        Response::Complete(d) => vec![
            ("Location", s(&d.location)),
            ("Bucket", s(&d.bucket)),
            ("Key", s(&d.key)),
            ("ETag", Some(d.etag.to_string())),
        ],
    }
}

/// Reads `body` with capacity `N` whole and in pieces, and compares with
/// the values written (`want`).
fn check<const N: usize>(
    body: &[u8],
    cuts: &[usize],
    kind: usize,
    want: &[(&str, Option<String>)],
) -> Result<(), TestCaseError> {
    let whole = Response::<N, N>::parse(body);
    prop_assert_eq!(read::<N>(body, cuts), whole.clone());
    // A required value (the first field of the results) must be there.
    let required_name = if kind == 2 { "UploadId" } else { "ETag" };
    let required = want
        .iter()
        .find(|(n, _)| *n == required_name)
        .map(|(_, v)| v.as_deref().map(trimmed));
    let missing = kind != 1 && required.flatten().is_none_or(str::is_empty);
    let too_long = kind != 1 && required.flatten().is_some_and(|v| v.len() > N);
    match whole {
        Ok(doc) => {
            prop_assert!(!missing && !too_long);
            let got = fields(&doc);
            for (name, v) in want {
                let g = got.iter().find(|(n, ..)| n == name).unwrap();
                let (v, cut) = match v {
                    Some(v) => {
                        let (k, cut) = kept(v, N);
                        (Some(k), cut)
                    }
                    // Results hold their required fields directly.
                    None if g.1.is_some() => (Some(String::new()), false),
                    None => (None, false),
                };
                prop_assert_eq!((&g.1, g.2), (&v, cut), "{} N={}", name, N);
            }
        }
        Err(ResponseError::MissingField { .. }) => prop_assert!(missing),
        Err(ResponseError::ValueTooLong { field }) => {
            prop_assert_eq!(field.as_str(), required_name);
            prop_assert!(too_long);
        }
        Err(e) => prop_assert!(false, "{}: {:?}", e, String::from_utf8_lossy(body)),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn documents_read_back_in_any_pieces(
        kind in 0usize..4,
        values in prop::collection::vec(proptest::option::of(value()), 7),
        how in prop::collection::vec(any::<u8>(), 1..8),
        keepalive in 0usize..4,
        cuts in prop::collection::vec(any::<usize>(), 0..6),
    ) {
        let (root, names) = DOCS[kind];
        let mut doc = format!("{}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{root}>", " ".repeat(keepalive));
        let mut want = Vec::new();
        for (i, name) in names.iter().enumerate() {
            if let Some(v) = &values[i] {
                doc.push_str(&format!("\n  <{name}>{}</{name}>", escape(v, &how)));
                want.push((*name, Some(trimmed(v).to_string())));
            } else {
                want.push((*name, None));
            }
            if i == 0 {
                doc.push_str("<Unknown a='1'><Nested/>text</Unknown><!-- c -->");
            }
        }
        doc.push_str(&format!("\n</{root}>\n"));
        let body = doc.as_bytes();
        check::<64>(body, &cuts, kind, &want)?;
        check::<8>(body, &cuts, kind, &want)?;
        check::<1>(body, &cuts, kind, &want)?;
    }

    /// Documents as COS writes them (declaration, root, fields with plain
    /// or escaped values, sometimes repeated or out of order, whitespace,
    /// CR LF), the shape `Response::parse` reads on its own short paths:
    /// it gives exactly what the reader gives fed in pieces, document or
    /// error, at every capacity.
    #[test]
    fn parse_is_the_reader_on_plain_documents(
        kind in 0usize..4,
        values in prop::collection::vec(proptest::option::of(value()), 7),
        order in prop::collection::vec(0usize..8, 0..10),
        how in prop::collection::vec(any::<u8>(), 1..8),
        escaped in any::<bool>(),
        crlf in any::<bool>(),
        cuts in prop::collection::vec(any::<usize>(), 0..6),
    ) {
        let (root, names) = DOCS[kind];
        let nl = if crlf { "\r\n" } else { "\n" };
        let mut doc = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{nl}<{root}>");
        for &i in &order {
            let name = names.get(i).copied().unwrap_or("Other");
            if let Some(v) = values.get(i).cloned().flatten() {
                let v = if escaped { escape(&v, &how) } else { v.replace(['&', '<'], "x") };
                doc.push_str(&format!("{nl}    <{name}>{v}</{name}>"));
            }
        }
        doc.push_str(&format!("{nl}</{root}>"));
        let body = doc.as_bytes();
        prop_assert_eq!(Response::<64, 64>::parse(body), read::<64>(body, &cuts));
        prop_assert_eq!(Response::<8, 8>::parse(body), read::<8>(body, &cuts));
        prop_assert_eq!(Response::<64, 0>::parse(body), {
            let mut r = ResponseReader::<64, 0>::new();
            r.feed(body).and_then(|()| r.finish())
        });
    }

    /// `explain` reports the first differing byte of the HttpString, or
    /// none when the server's text is the local one.
    #[test]
    fn explain_finds_the_first_difference(
        path in "/[a-z/ ]{0,20}",
        value in "[a-z0-9 ]{0,20}",
        edit in proptest::option::of((any::<prop::sample::Index>(), "[a-z]")),
    ) {
        let headers = [("Host", "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"), ("x-cos-meta-a", value.as_str())];
        let request = CanonicalRequest::new("PUT", &path, &[], &headers);
        let mut local = String::new();
        request.http_string(Selection::Exact).and_then(|t| Ok(t.write_to(&mut local)?)).unwrap();
        let mut server = local.clone();
        let mut want = None;
        if let Some((at, c)) = &edit {
            let i = at.index(server.len());
            if &server[i..=i] != c.as_str() {
                server.replace_range(i..=i, c);
                want = Some(i);
            }
        }
        let body = format!(
            "<Error><Code>SignatureDoesNotMatch</Code><FormatString>{}</FormatString></Error>",
            server.replace('&', "&amp;").replace('\n', "\\n")
        );
        let Response::Error(error) = Response::<512>::parse(body.as_bytes()).unwrap() else {
            panic!("not an Error document");
        };
        let m = explain(&error, &request, Selection::Exact, KeyTime::new(1, 2).unwrap()).unwrap();
        prop_assert!(m.http_string_compared);
        let got = m.difference.map(|d| {
            assert_eq!(d.text, SignedText::HttpString);
            assert_eq!(d.line, local[..d.offset].matches('\n').count());
            d.offset
        });
        prop_assert_eq!(got, want);
    }
}
