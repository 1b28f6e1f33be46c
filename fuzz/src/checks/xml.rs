//! `xml`: the tokenizer and the response reader on arbitrary bytes, fed
//! whole and in arbitrary chunks: the events, the document and the error
//! (its offset included) must not depend on where the body was split.
//! Read at a small capacity, every value is the one read at a large
//! capacity or, marked as cut, its longest prefix that fits at a character
//! boundary (trimmed); only an ETag or UploadId may be an error instead.
//! What is read goes through the result helpers and, for an `Error`
//! document, through `explain`, which is compared with a reference
//! byte-by-byte comparison on mutated server texts, whole or cut, and
//! whose `Debug` never shows the security token.

use super::input::Input;
use tencent_cos_core::Output;
use tencent_cos_core::xml::{Event, MAX_NAME, Tokenizer, XmlError};
use tencent_cos_core::{
    CanonicalRequest, CosError, CosErrorCode, Field, KeyTime, Response, ResponseError,
    ResponseReader, Selection, SignedText, complete_result, explain, initiate_result, part_result,
};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Ev {
    Start(Option<String>, usize),
    End(Option<String>, usize),
    Text(String),
}

/// The body cut at `cuts` (sorted, clamped, repeats allowed).
pub fn pieces<'a>(body: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut cuts: Vec<usize> = cuts.iter().map(|&c| c.min(body.len())).collect();
    cuts.sort_unstable();
    let mut out = Vec::new();
    let mut at = 0;
    for c in cuts {
        out.push(&body[at..c]);
        at = c;
    }
    out.push(&body[at..]);
    out
}

/// Feeds the pieces; events with text pieces joined, and the outcome.
fn tokenize(parts: &[&[u8]]) -> (Vec<Ev>, Result<(), XmlError>) {
    let mut t = Tokenizer::new();
    let mut evs: Vec<Ev> = Vec::new();
    let mut on = |e: Event<'_>| {
        match e {
            Event::Start(n) => {
                assert!(!n.is_empty());
                match n.as_str() {
                    Some(t) => assert_eq!(t.len(), n.len()),
                    None => assert!(n.len() > MAX_NAME),
                }
                evs.push(Ev::Start(n.as_str().map(str::to_string), n.len()));
            }
            Event::End(n) => evs.push(Ev::End(n.as_str().map(str::to_string), n.len())),
            Event::Text(s) => match evs.last_mut() {
                Some(Ev::Text(t)) => t.push_str(s),
                _ => evs.push(Ev::Text(s.to_string())),
            },
        }
        Ok::<(), XmlError>(())
    };
    let mut fed = 0usize;
    for p in parts {
        if let Err(e) = t.feed(p, &mut on) {
            // Sticky: the same error again.
            assert_eq!(t.feed(b"<a/>", &mut on), Err(e));
            assert_eq!(t.finish(), Err(e));
            assert!(!t.is_complete());
            assert!(e.offset <= fed + p.len());
            return (evs, Err(e));
        }
        fed += p.len();
        assert_eq!(t.offset(), fed);
    }
    let r = t.finish();
    assert_eq!(r.is_ok(), t.is_complete());
    (evs, r)
}

fn read<const N: usize, const D: usize>(parts: &[&[u8]]) -> Result<Response<N, D>, ResponseError> {
    let mut r = ResponseReader::<N, D>::new();
    for p in parts {
        if let Err(e) = r.feed(p) {
            assert_eq!(r.feed(b""), Err(e));
            assert!(!r.is_complete());
            assert_eq!(r.finish(), Err(e));
            return Err(e);
        }
    }
    let complete = r.is_complete();
    let out = r.finish();
    if out.is_ok() {
        assert!(complete);
    }
    out
}

/// The values of a document, by field (`None`: absent).
fn values<const N: usize, const D: usize>(doc: &Response<N, D>) -> Vec<(Field, Option<&str>)> {
    match doc {
        Response::CopyPart(d) => vec![
            (Field::ETag, Some(d.etag.as_str())),
            (Field::LastModified, d.last_modified.as_deref()),
        ],
        Response::Error(d) => vec![
            (Field::Code, d.code.as_deref()),
            (Field::Message, d.message.as_deref()),
            (Field::Resource, d.resource.as_deref()),
            (Field::RequestId, d.request_id.as_deref()),
            (Field::TraceId, d.trace_id.as_deref()),
            (Field::StringToSign, d.string_to_sign.as_deref()),
            (Field::FormatString, d.format_string.as_deref()),
        ],
        Response::Initiate(d) => vec![
            (Field::Bucket, d.bucket.as_deref()),
            (Field::Key, d.key.as_deref()),
            (Field::UploadId, Some(d.upload_id.as_str())),
        ],
        Response::Complete(d) => vec![
            (Field::Location, d.location.as_deref()),
            (Field::Bucket, d.bucket.as_deref()),
            (Field::Key, d.key.as_deref()),
            (Field::ETag, Some(d.etag.as_str())),
        ],
    }
}

/// What a capacity of `cap` keeps of the whole value `v`: `v`, or its
/// longest prefix that fits at a character boundary, trimmed.
fn kept(v: &str, cap: usize) -> &str {
    if v.len() <= cap {
        return v;
    }
    let end = (0..=cap)
        .rev()
        .find(|&i| v.is_char_boundary(i))
        .unwrap_or(0);
    v[..end].trim_end_matches([' ', '\t', '\n', '\r'])
}

/// The body read with capacities `N`/`D` against the same body read with
/// 256/256 (`big`): the same document, each value whole or cut as the
/// contract says; an error only where `big` has one or for an ETag or
/// UploadId longer than `N`.
fn cut_as_promised<const N: usize, const D: usize>(
    small: &Result<Response<N, D>, ResponseError>,
    big: &Result<Response<256, 256>, ResponseError>,
) {
    let whole_needed = |e: &ResponseError| matches!(e, ResponseError::ValueTooLong { field } if field.needs_whole_value());
    // With D = 0 the diagnostic fields are skipped like unknown elements:
    // what is wrong inside them (nesting, repetition) is not seen.
    let skipped = |e: &ResponseError| {
        D == 0
            && matches!(
                e,
                ResponseError::DuplicateField { field } | ResponseError::NestedElement { field }
                    if matches!(field, Field::StringToSign | Field::FormatString)
            )
    };
    let (small, big) = match (small, big) {
        (_, Err(b)) if skipped(b) => return,
        (Err(e), Err(b)) => {
            assert!(e == b || whole_needed(e), "{e:?} vs {b:?}");
            return;
        }
        (Err(e), Ok(_)) => {
            assert!(whole_needed(e), "{e:?}");
            return;
        }
        (Ok(s), Err(b)) => panic!("{s:?} vs {b:?}"),
        (Ok(s), Ok(b)) => (s, b),
    };
    assert_eq!(small.kind(), big.kind());
    for ((field, s), (_, b)) in values(small).into_iter().zip(values(big)) {
        let diagnostic = matches!(field, Field::StringToSign | Field::FormatString);
        if diagnostic && D == 0 {
            // Skipped altogether.
            assert_eq!((s, small.is_cut(field)), (None, false));
            continue;
        }
        let cap = if diagnostic { D } else { N };
        let (Some(s), Some(b)) = (s, b) else {
            assert_eq!(s.is_some(), b.is_some(), "{field}");
            continue;
        };
        assert!(s.len() <= cap, "{field}");
        if big.is_cut(field) {
            // Both cut (the capacities here are smaller): the smaller is a
            // prefix of the larger.
            assert!(small.is_cut(field), "{field}");
            assert!(b.starts_with(s), "{field}: {s:?} {b:?}");
        } else {
            assert_eq!(s, kept(b, cap), "{field}");
            assert_eq!(small.is_cut(field), b.len() > cap, "{field}");
        }
        assert!(!field.needs_whole_value() || !small.is_cut(field));
    }
    // A cut code is never taken for a named one.
    if let Response::Error(e) = small {
        let error = CosError::from_body(400, e);
        let code = error.code();
        if e.is_cut(Field::Code) {
            assert!(matches!(code, Some(CosErrorCode::Cut(_))), "{code:?}");
        } else {
            assert!(!matches!(code, Some(CosErrorCode::Cut(_))), "{code:?}");
        }
    }
}

/// Whole and chunked give the same result; the helpers do not panic.
fn same_in_pieces<const N: usize, const D: usize>(
    body: &[u8],
    parts: &[&[u8]],
    status: u16,
) -> Result<Response<N, D>, ResponseError> {
    let whole = Response::<N, D>::parse(body);
    assert_eq!(read::<N, D>(&[body]), whole);
    assert_eq!(read::<N, D>(parts), whole, "{parts:?}");
    check_document(&whole, status);
    whole
}

fn check_document<const N: usize, const D: usize>(
    whole: &Result<Response<N, D>, ResponseError>,
    status: u16,
) {
    let Ok(doc) = whole else { return };
    let _ = format!("{:?} {}", doc, doc.kind());
    for r in [
        part_result(status, doc).err(),
        initiate_result(status, doc).err(),
        complete_result(status, doc).err(),
    ]
    .into_iter()
    .flatten()
    {
        let _ = (r.to_string(), r.is_retryable(), r.code(), r.status());
    }
    if let Response::Error(e) = doc {
        let c = CosError::from_body(status, e);
        assert_eq!(c.status(), status);
        let _ = c.to_string();
    }
}

const HOST: &str = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com";

/// The text as the server's `\n`-escaped value is read: `\` `n` is a
/// newline.
fn server_decoded(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && b.get(i + 1) == Some(&b'n') {
            out.push(b'\n');
            i += 2;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// Where two texts first differ, forgiving local newlines past the
/// server's end (the reader trims them from the server's value).
fn first_difference(local: &[u8], server: &[u8]) -> Option<(usize, usize)> {
    let common = local.iter().zip(server).take_while(|(a, b)| a == b).count();
    let rest = &local[common..];
    if common == server.len() && rest.iter().all(|&b| b == b'\n') {
        return None;
    }
    let line = local[..common].iter().filter(|&&b| b == b'\n').count();
    Some((common, line))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;")
}

/// A server text made from the local one, with a few edits.
fn mutate(local: &str, input: &mut Input<'_>) -> String {
    let mut s: Vec<u8> = local.replace('\n', "\\n").into_bytes();
    for _ in 0..input.below(4) {
        let at = input.below(s.len() + 1);
        match input.byte() % 3 {
            0 if at < s.len() => {
                s.remove(at);
            }
            1 if at < s.len() => s[at] = input.byte(),
            _ => s.insert(at, input.byte()),
        }
    }
    String::from_utf8_lossy(&s).into_owned()
}

fn check_explain(input: &mut Input<'_>) {
    let params = [("partNumber", "1"), ("uploadId", "abc")];
    let headers = [
        ("Host", HOST),
        ("x-cos-security-token", "SessionToken"),
        ("x-cos-copy-source-range", "bytes=0-9"),
    ];
    let request = CanonicalRequest::new("PUT", "/dest/a b.bin", &params, &headers);
    let kt = KeyTime::new(1, 2).expect("ordered");
    let mut http = String::new();
    request
        .http_string(Selection::Exact)
        .and_then(|t| Ok(t.write_to(&mut http)?))
        .expect("signable");
    let mut sts = String::new();
    request
        .string_to_sign(Selection::Exact, kt)
        .and_then(|t| Ok(t.write_to(&mut sts)?))
        .expect("signable");

    let format = input.bool().then(|| mutate(&http, input));
    let string_to_sign = input.bool().then(|| mutate(&sts, input));
    let mut doc = String::from("<Error><Code>SignatureDoesNotMatch</Code>");
    if let Some(f) = &format {
        doc.push_str(&format!("<FormatString>{}</FormatString>", xml_escape(f)));
    }
    if let Some(s) = &string_to_sign {
        doc.push_str(&format!("<StringToSign>{}</StringToSign>", xml_escape(s)));
    }
    doc.push_str("</Error>");
    explained::<1024, 1024>(&doc, &request, &http, &sts, kt);
    // Server texts cut to fit a small capacity: compared as far as they go.
    explained::<64, 96>(&doc, &request, &http, &sts, kt);
    explained::<64, 40>(&doc, &request, &http, &sts, kt);
}

/// `doc` read with capacities `N`/`D` and explained, against the
/// reference comparison of the values read.
fn explained<const N: usize, const D: usize>(
    doc: &str,
    request: &CanonicalRequest<'_>,
    http: &str,
    sts: &str,
    kt: KeyTime,
) {
    let Ok(Response::Error(body)) = Response::<N, D>::parse(doc.as_bytes()) else {
        // A mutation made the document invalid: nothing to explain.
        return;
    };
    let m = explain(&body, request, Selection::Exact, kt).expect("signable");
    let _ = m.to_string();

    // The reference: the HttpString first, the StringToSign only if they
    // agree (or there is no FormatString); a cut text only as far as it
    // goes.
    let mut want = None;
    let mut compared = (false, false);
    let mut cut = false;
    if let Some(f) = &body.format_string {
        compared.0 = true;
        let c = body.is_cut(Field::FormatString);
        cut |= c;
        want = first_difference_of(http.as_bytes(), f, c).map(|d| (SignedText::HttpString, d));
    }
    if want.is_none() {
        if let Some(s) = &body.string_to_sign {
            compared.1 = true;
            let c = body.is_cut(Field::StringToSign);
            cut |= c;
            want = first_difference_of(sts.as_bytes(), s, c).map(|d| (SignedText::StringToSign, d));
        }
    }
    assert_eq!(
        (
            m.http_string_compared,
            m.string_to_sign_compared,
            m.server_text_cut
        ),
        (compared.0, compared.1, cut)
    );
    let got = m.difference.map(|d| (d.text, (d.offset, d.line)));
    assert_eq!(got, want, "{body:?}");
    // The secret header's value never shows: on the local side, and on
    // the server's if its pair is still there, on the headers line; nor
    // in the body's `Debug`.
    let server_pair_intact = |text: Option<&str>| {
        text.is_some_and(|t| {
            let decoded = String::from_utf8_lossy(&server_decoded(t)).into_owned();
            decoded.split('\n').nth(3).is_some_and(|line| {
                line.split('&')
                    .any(|p| p == "x-cos-security-token=SessionToken")
            })
        })
    };
    let intact = server_pair_intact(body.format_string.as_deref());
    if intact {
        let shown = format!("{body:?}");
        assert!(!shown.contains("SessionToken"), "{shown}");
    }
    if let Some(d) = m.difference {
        assert!(!d.local.to_string().contains("SessionToken"), "{}", d.local);
        if d.text == SignedText::HttpString && intact {
            assert!(
                !d.server.to_string().contains("SessionToken"),
                "{}",
                d.server
            );
        }
        if intact {
            assert!(!format!("{m:?}").contains("SessionToken"));
        }
    }
}

/// [`first_difference`] of the local text and the server's value `server`
/// (`\n`-escaped), which may have been cut: then its end is no difference
/// (nor a `\` left of a `\n` cut in two).
fn first_difference_of(local: &[u8], server: &str, cut: bool) -> Option<(usize, usize)> {
    if !cut {
        return first_difference(local, &server_decoded(server));
    }
    let server = server_decoded(server.strip_suffix('\\').unwrap_or(server));
    let common = local
        .iter()
        .zip(&server)
        .take_while(|(a, b)| a == b)
        .count();
    if common == server.len() {
        return None;
    }
    let line = local[..common].iter().filter(|&&b| b == b'\n').count();
    Some((common, line))
}

/// Runs the check on one input.
pub fn check(data: &[u8]) {
    let mut input = Input::new(data);
    let mode = input.byte();
    if mode == 0xff {
        check_explain(&mut input);
        return;
    }
    // The low bits say how many cut points follow; the rest is the body.
    let cuts: Vec<usize> = (0..mode % 8).map(|_| usize::from(input.u16())).collect();
    let status = [200, 403, 404, 500, 503, 204][input.below(6)];
    let body = input.rest();
    let parts = pieces(body, &cuts);

    let (whole_events, whole) = tokenize(&[body]);
    let (events, result) = tokenize(&parts);
    assert_eq!(result, whole, "{parts:?}");
    if whole.is_ok() {
        assert_eq!(events, whole_events);
    } else {
        // Events before the error: the chunked run may have reported
        // fewer text bytes before stopping, never different ones.
        let n = events.len().min(whole_events.len()).saturating_sub(1);
        assert_eq!(events[..n], whole_events[..n]);
    }
    let big = same_in_pieces::<256, 256>(body, &parts, status);
    cut_as_promised(&same_in_pieces::<32, 64>(body, &parts, status), &big);
    cut_as_promised(&same_in_pieces::<8, 0>(body, &parts, status), &big);
    cut_as_promised(&same_in_pieces::<1, 3>(body, &parts, status), &big);
}
