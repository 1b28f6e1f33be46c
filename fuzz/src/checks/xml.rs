//! `xml`: the tokenizer and the response reader on arbitrary bytes, fed
//! whole and in arbitrary chunks: the events, the document and the error
//! (its offset included) must not depend on where the body was split.
//! What is read goes through the result helpers and, for an `Error`
//! document, through `explain`, which is compared with a reference
//! byte-by-byte comparison on mutated server texts.

use super::input::Input;
use tencent_cos_core::sign::{write_http_string, write_string_to_sign};
use tencent_cos_core::xml::{Event, MAX_NAME, Tokenizer, XmlError};
use tencent_cos_core::{
    CanonicalRequest, CosError, KeyTime, Response, ResponseError, ResponseReader, Selection,
    SignedText, complete_result, explain, initiate_result, part_result,
};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Ev {
    Start(Option<String>, usize),
    End(Option<String>, usize),
    Text(String),
}

/// The body cut at `cuts` (sorted, clamped, repeats allowed).
fn pieces<'a>(body: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
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

/// Whole and chunked give the same result; the helpers do not panic.
fn same_in_pieces<const N: usize, const D: usize>(body: &[u8], parts: &[&[u8]], status: u16) {
    let whole = Response::<N, D>::parse(body);
    assert_eq!(read::<N, D>(&[body]), whole);
    assert_eq!(read::<N, D>(parts), whole, "{parts:?}");
    let Ok(doc) = whole else { return };
    let _ = format!("{:?} {}", doc, doc.kind());
    for r in [
        part_result(status, &doc).err(),
        initiate_result(status, &doc).err(),
        complete_result(status, &doc).err(),
    ]
    .into_iter()
    .flatten()
    {
        let _ = (r.to_string(), r.is_retryable(), r.code(), r.status());
    }
    if let Response::Error(e) = &doc {
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
    write_http_string(&request, Selection::Exact, &mut http).expect("signable");
    let mut sts = String::new();
    write_string_to_sign(&request, Selection::Exact, kt, &mut sts).expect("signable");

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
    let Ok(Response::Error(body)) = Response::<1024>::parse(doc.as_bytes()) else {
        // A mutation made the document invalid: nothing to explain.
        return;
    };
    let m = explain(&body, &request, Selection::Exact, kt).expect("signable");
    let _ = m.to_string();

    // The reference: the HttpString first, the StringToSign only if they
    // agree (or there is no FormatString).
    let mut want = None;
    let mut compared = (false, false);
    if let Some(f) = &body.format_string {
        compared.0 = true;
        want = first_difference(http.as_bytes(), &server_decoded(f))
            .map(|d| (SignedText::HttpString, d));
    }
    if want.is_none() {
        if let Some(s) = &body.string_to_sign {
            compared.1 = true;
            want = first_difference(sts.as_bytes(), &server_decoded(s))
                .map(|d| (SignedText::StringToSign, d));
        }
    }
    assert_eq!(
        (m.http_string_compared, m.string_to_sign_compared),
        compared
    );
    let got = m.difference.map(|d| (d.text, (d.offset, d.line)));
    assert_eq!(got, want, "{body:?}");
    if let Some(d) = m.difference {
        // The secret header's value never shows: on the local side, and on
        // the server's if its pair is still there, on the headers line.
        assert!(!d.local.to_string().contains("SessionToken"), "{}", d.local);
        let server_pair_intact = |text: Option<&str>| {
            text.is_some_and(|t| {
                let decoded = String::from_utf8_lossy(&server_decoded(t)).into_owned();
                decoded.split('\n').nth(3).is_some_and(|line| {
                    line.split('&')
                        .any(|p| p == "x-cos-security-token=SessionToken")
                })
            })
        };
        if d.text == SignedText::HttpString && server_pair_intact(body.format_string.as_deref()) {
            assert!(
                !d.server.to_string().contains("SessionToken"),
                "{}",
                d.server
            );
        }
    }
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
    same_in_pieces::<32, 64>(body, &parts, status);
    same_in_pieces::<8, 0>(body, &parts, status);
    same_in_pieces::<256, 256>(body, &parts, status);
}
