//! `request`: the four request builders with arbitrary inputs.
//!
//! A refusal must be the one the inputs call for. What is built must read
//! back: the head parses (request line, headers, blank line), the target
//! decodes to the signed path and parameters, every header sent is signed,
//! and the `Authorization` parses and verifies (strict policy) against the
//! request as a server would see it. The scratch buffer's error names the
//! exact length needed. A `CompleteBody` parses back with the crate's own
//! XML tokenizer into the parts it was made from.

use super::input::Input;
use super::reference;
use tencent_cos_core::KeyError;
use tencent_cos_core::Output;
use tencent_cos_core::xml::{Event, Tokenizer, XmlError};
use tencent_cos_core::{
    AbortMultipartUpload, Authorization, ByteRange, CanonicalRequest, CompleteBody,
    CompleteMultipartUpload, CopyCondition, CopySource, Credentials, Domain, ETag, Host,
    InitiateMultipartUpload, KeyTime, OutputError, RequestError, SignedRequest, Signer, SigningKey,
    SourceCustomerKey, UploadPartCopy, VerifyPolicy,
};

const ID: &str = "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q";
const SK: &str = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz";
const BUCKETS: &[&str] = &["examplebucket-1250000000", "a-1", "Bad-1", "a", "-a-1"];
const REGIONS: &[&str] = &["ap-guangzhou", "r", "", "R", "a.b"];
const HOSTS: &[&str] = &[
    "127.0.0.1:9000",
    "[::1]:8080",
    "cdn.example.com",
    "",
    "a b",
    "h\r\n",
];
const KEYS: &[&str] = &[
    "dest/big-file.bin",
    "/",
    "",
    ".",
    "..",
    "/..",
    "a/./b",
    "a/../b",
    "a/..",
    "./",
    "a+b c",
    "源文件/report + final~*.txt",
    "//a",
    "%2F",
];
const UPLOADS: &[&str] = &[
    "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361",
    "",
    "a b",
    "a+b/c=&d",
];
const VALUES: &[&str] = &["application/xml", "", " ", " x ", "a\rb", "\t\"v\"\t"];
const ETAGS: &[&str] = &[
    "\"ba82b57cfdfda8bd17ad4e5879ebb4fe\"",
    "",
    "a&b<c>d",
    "\u{FFFF}",
    "\u{FFFE}",
    "x\u{85}y",
    "\t",
];
const SSE_KEY: &str = "MDEyMzQ1Njc4OUFCQ0RFRjAxMjM0NTY3ODlBQkNERUY=";
const SSE_MD5: &str = "U5L61r7jcwdNvT7frmUG8g==";

fn host<'a>(input: &mut Input<'_>, bucket: &'a str, region: &'a str, custom: &'a str) -> Host<'a> {
    match input.byte() % 3 {
        0 => Host::bucket(bucket, region),
        1 => Host::Bucket {
            bucket,
            region,
            domain: Domain::TencentCos,
        },
        _ => Host::Custom(custom),
    }
}

fn host_error(h: &Host<'_>) -> Option<RequestError> {
    match *h {
        Host::Bucket { bucket, region, .. } => CopySource::new(bucket, region, "k")
            .err()
            .map(RequestError::Bucket),
        Host::Custom(c) => {
            let ok = !c.is_empty()
                && c.bytes().all(|b| {
                    b.is_ascii_alphanumeric()
                        || matches!(b, b'.' | b'-' | b':' | b'[' | b']' | b'_')
                });
            (!ok).then_some(RequestError::InvalidHost)
        }
    }
}

fn host_value(h: &Host<'_>) -> String {
    match *h {
        Host::Bucket {
            bucket,
            region,
            domain,
        } => format!("{bucket}.cos.{region}.{domain}"),
        Host::Custom(c) => c.to_string(),
    }
}

fn key_error(key: &str) -> Option<RequestError> {
    match key.strip_prefix('/').unwrap_or(key) {
        "" => Some(RequestError::Key(KeyError::Empty)),
        "." | ".." => Some(RequestError::Key(KeyError::DotKey)),
        _ => None,
    }
}

fn upload_error(id: &str) -> Option<RequestError> {
    (id.is_empty()
        || id
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control()))
    .then_some(RequestError::UploadId)
}

/// A caller's header value as sent: trimmed of spaces and tabs.
fn header_value(v: &str) -> Result<&str, RequestError> {
    let t = v.trim_matches([' ', '\t']);
    if t.is_empty() || t.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0)) {
        Err(RequestError::HeaderValue)
    } else {
        Ok(t)
    }
}

/// A request head read back.
struct Head {
    method: String,
    path: String,
    params: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    target: String,
}

fn parse_head(head: &str) -> Head {
    let body = head
        .strip_suffix("\r\n\r\n")
        .expect("ends with a blank line");
    let mut lines = body.split("\r\n");
    let line = lines.next().expect("request line");
    let (method, rest) = line.split_once(' ').expect("method");
    let target = rest.strip_suffix(" HTTP/1.1").expect("version");
    assert!(!target.contains(' '));
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    // The path: only unreserved bytes, '/' and escapes, and no segment an
    // HTTP stack would rewrite.
    assert!(path.starts_with('/'));
    assert!(
        path.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.~/%".contains(&b)),
        "{path:?}"
    );
    assert!(
        !path[1..].split('/').any(|s| s == "." || s == ".."),
        "{path:?}"
    );
    let decode = |s: &str| {
        String::from_utf8(reference::decode(s).expect("well-formed escapes")).expect("UTF-8")
    };
    let params = if query.is_empty() {
        Vec::new()
    } else {
        query
            .split('&')
            .map(|p| {
                let (n, v) = p.split_once('=').unwrap_or((p, ""));
                (decode(n), decode(v))
            })
            .collect()
    };
    let headers = lines
        .map(|l| {
            let (n, v) = l.split_once(": ").expect("header line");
            assert!(reference::is_token(n), "{n:?}");
            assert!(!v.is_empty() && v.trim_matches([' ', '\t']) == v, "{v:?}");
            (n.to_string(), v.to_string())
        })
        .collect();
    Head {
        method: method.to_string(),
        path: decode(path),
        params,
        headers,
        target: target.to_string(),
    }
}

/// Everything a server would check about a built request.
fn check_built(r: &SignedRequest<'_>, key: Signer<'_>, expected: &[(&str, &str)]) {
    let mut head = String::new();
    r.head().write_to(&mut head).expect("String");
    assert_eq!(r.head().len(), head.len());
    let mut buf = vec![0u8; head.len()];
    assert_eq!(r.head().to_slice(&mut buf), Ok(head.as_str()));
    let mut short = vec![0u8; head.len() - 1];
    assert_eq!(
        r.head().to_slice(&mut short),
        Err(OutputError::BufferTooSmall { needed: head.len() })
    );
    let h = parse_head(&head);
    assert_eq!(h.method, r.method().as_str());
    let mut target = String::new();
    r.target().write_to(&mut target).expect("String");
    assert_eq!(target, h.target);
    let mut buf = vec![0u8; target.len()];
    assert_eq!(r.target().to_slice(&mut buf), Ok(target.as_str()));
    assert_eq!(h.path, format!("/{}", r.key()));
    let params: Vec<(&str, &str)> = h
        .params
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(params, r.params());
    let headers: Vec<(&str, &str)> = h
        .headers
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    assert_eq!(headers, r.headers());
    for (name, value) in expected {
        assert_eq!(r.header(name), Some(*value), "{name}");
    }
    assert_eq!(r.header("x-cos-security-token"), key.security_token());

    // The Authorization, last, covers every other header and verifies.
    let (last, rest) = headers.split_last().expect("headers");
    assert_eq!(last.0, "Authorization");
    let auth = Authorization::parse(last.1).expect("own Authorization parses");
    assert_eq!(auth.header_names().count(), rest.len());
    let request = CanonicalRequest::new(&h.method, &h.path, &params, rest);
    let kt = key.key().key_time();
    assert_eq!(
        auth.verify(&request, SK, kt.start(), &VerifyPolicy::STRICT),
        Ok(())
    );
    assert_eq!(auth.key_time(), kt);
}

/// Signs with a large scratch, then checks the exact-length contract with
/// small ones. Returns the large-scratch result.
fn sign_all(
    sign: impl Fn(&mut [u8]) -> Result<usize, RequestError>,
    small: usize,
) -> Result<usize, RequestError> {
    let mut big = vec![0u8; 1 << 16];
    let got = sign(&mut big);
    let mut tiny = vec![0u8; small];
    let small_got = sign(&mut tiny);
    match got {
        Err(e) => assert_eq!(small_got, Err(e)),
        Ok(_) => {
            let needed = match sign(&mut []) {
                Err(RequestError::Output(OutputError::BufferTooSmall { needed })) => needed,
                other => panic!("an empty scratch gave {other:?}"),
            };
            let mut exact = vec![0u8; needed];
            assert!(sign(&mut exact).is_ok());
            let mut short = vec![0u8; needed - 1];
            assert_eq!(
                sign(&mut short),
                Err(RequestError::Output(OutputError::BufferTooSmall { needed }))
            );
            if small >= needed {
                assert!(small_got.is_ok());
            } else {
                assert_eq!(
                    small_got,
                    Err(RequestError::Output(OutputError::BufferTooSmall { needed }))
                );
            }
        }
    }
    got
}

fn first_error(errors: &[Option<RequestError>]) -> Result<(), RequestError> {
    match errors.iter().flatten().next() {
        Some(e) => Err(*e),
        None => Ok(()),
    }
}

fn check_complete_body(parts: &[(u16, String)]) -> Option<usize> {
    let borrowed: Vec<(u16, &str)> = parts.iter().map(|(n, e)| (*n, e.as_str())).collect();
    let body = CompleteBody::new(borrowed.iter().copied());
    let mut last = 0u16;
    let mut want = Err(RequestError::NoParts);
    for (n, etag) in &borrowed {
        if *n == 0 || *n > 10_000 {
            want = Err(RequestError::PartNumber);
            break;
        }
        if *n <= last {
            want = Err(RequestError::PartOrder);
            break;
        }
        // XML cannot carry U+FFFE and U+FFFF.
        if etag.is_empty()
            || etag
                .chars()
                .any(|c| c.is_ascii_control() || c == '\u{FFFE}' || c == '\u{FFFF}')
        {
            want = Err(RequestError::PartETag);
            break;
        }
        last = *n;
        want = Ok(());
    }
    assert_eq!(body.as_ref().err().copied(), want.err(), "{parts:?}");
    let body = body.ok()?;
    let mut text = String::new();
    body.write_to(&mut text).expect("String");
    assert_eq!(body.len(), text.len());
    assert!(!body.is_empty());
    let mut buf = vec![0u8; text.len()];
    assert_eq!(body.to_slice(&mut buf), Ok(text.as_str()));

    // Read back with the crate's tokenizer.
    #[derive(Debug, PartialEq)]
    enum Ev {
        Start(String),
        End(String),
        Text(String),
    }
    let mut t = Tokenizer::new();
    let mut events: Vec<Ev> = Vec::new();
    let mut on = |e: Event<'_>| {
        match e {
            Event::Start(n) => events.push(Ev::Start(n.as_str().unwrap_or("?").to_string())),
            Event::End(n) => events.push(Ev::End(n.as_str().unwrap_or("?").to_string())),
            Event::Text(s) => match events.last_mut() {
                Some(Ev::Text(t)) => t.push_str(s),
                _ => events.push(Ev::Text(s.to_string())),
            },
        }
        Ok::<(), XmlError>(())
    };
    t.feed(text.as_bytes(), &mut on)
        .unwrap_or_else(|e| panic!("{text:?}: {e}"));
    t.finish().unwrap_or_else(|e| panic!("{text:?}: {e}"));
    let tag = |s: &str| Ev::Start(s.to_string());
    let end = |s: &str| Ev::End(s.to_string());
    let mut want = vec![tag("CompleteMultipartUpload")];
    for (n, etag) in &borrowed {
        want.extend([tag("Part"), tag("PartNumber"), Ev::Text(n.to_string())]);
        want.extend([end("PartNumber"), tag("ETag"), Ev::Text(etag.to_string())]);
        want.extend([end("ETag"), end("Part")]);
    }
    want.push(end("CompleteMultipartUpload"));
    assert_eq!(events, want);
    Some(body.len())
}

/// Runs the check on one input.
pub fn check(data: &[u8]) {
    let mut input = Input::new(data);
    let bucket = input.word_or_text(BUCKETS, 60);
    let region = input.word_or_text(REGIONS, 20);
    let custom = input.word_or_text(HOSTS, 40);
    let host = host(&mut input, &bucket, &region, &custom);
    let key_text = input.word_or_text(KEYS, 900);
    let token = input
        .bool()
        .then(|| input.word_or_text(&["tok+en/=", " t"], 100));
    let creds = match &token {
        Some(t) => Credentials::with_token(ID, SK, t),
        None => Credentials::new(ID, SK),
    };
    let Ok(creds) = creds else { return };
    let start = input.number();
    let kt = KeyTime::from_now(start, u64::from(input.u16()), 0)
        .unwrap_or(KeyTime::new(start, start).expect("ordered"));
    let signing_key = SigningKey::new(&creds, kt);
    let key = signing_key
        .signer(creds.security_token())
        .expect("checked by Credentials");
    let small = input.below(1200);
    // `Draft::new` checks the key before the host.
    let base = key_error(&key_text).or(host_error(&host));
    let host_text = host_value(&host);

    match input.byte() % 4 {
        0 => {
            let mut action = InitiateMultipartUpload::new(host, &key_text);
            let ct = input.bool().then(|| input.word_or_text(VALUES, 40));
            action.content_type = ct.as_deref();
            let want = first_error(&[base, ct.as_deref().and_then(|c| header_value(c).err())]);
            let got = sign_all(
                |s| {
                    action.sign(key, s).map(|r| {
                        let mut expected =
                            vec![("Host", host_text.as_str()), ("Content-Length", "0")];
                        if let Some(c) = ct.as_deref() {
                            expected.push(("Content-Type", header_value(c).expect("checked")));
                        }
                        check_built(&r, key, &expected);
                        r.head().len()
                    })
                },
                small,
            );
            assert_eq!(got.map(|_| ()), want);
        }
        1 => {
            let upload = input.word_or_text(UPLOADS, 80);
            let src_bucket = input.word_or_text(BUCKETS, 60);
            let src_key = input.word_or_text(KEYS, 300);
            let Ok(source) = CopySource::new(&src_bucket, "ap-guangzhou", &src_key) else {
                return;
            };
            let part = input.u16() % 10_003;
            let mut action = UploadPartCopy::new(host, &key_text, part, &upload, source);
            let range = ByteRange::new(input.number(), input.number()).ok();
            action.range = range;
            let etag_text = input.word_or_text(ETAGS, 40);
            let t = input.number();
            if let Ok(e) = ETag::new(&etag_text) {
                action.condition = match input.below(7) {
                    0 => CopyCondition::None,
                    1 => CopyCondition::ModifiedSince(t),
                    2 => CopyCondition::UnmodifiedSince(t),
                    3 => CopyCondition::Match(e),
                    4 => CopyCondition::NoneMatch(e),
                    5 => CopyCondition::NoneMatchModifiedSince { etag: e, since: t },
                    _ => CopyCondition::MatchUnmodifiedSince { etag: e, since: t },
                };
            }
            let sse = input.bool().then(|| {
                (
                    input.word_or_text(&[SSE_KEY, ""], 50),
                    input.word_or_text(&[SSE_MD5, "x"], 30),
                )
            });
            action.source_customer_key = sse
                .as_ref()
                .map(|(k, m)| SourceCustomerKey { key: k, key_md5: m });
            let b64 = |s: &str, n: usize| {
                s.len() == n
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
            };
            let conditions = action.condition.headers();
            let want = first_error(&[
                (part == 0 || part > 10_000).then_some(RequestError::PartNumber),
                conditions.err().map(RequestError::ConditionDate),
                base,
                upload_error(&upload),
                sse.as_ref().and_then(|(k, m)| {
                    (!(b64(k, 44) && b64(m, 24))).then_some(RequestError::SseCustomerKey)
                }),
            ]);
            let source_text = source.to_string();
            let range_text = range.map(|r| r.to_string());
            let part_text = part.to_string();
            let got = sign_all(
                |s| {
                    action.sign(key, s).map(|r| {
                        let mut expected = vec![
                            ("Host", host_text.as_str()),
                            ("Content-Length", "0"),
                            ("x-cos-copy-source", source_text.as_str()),
                        ];
                        if let Some(rt) = &range_text {
                            expected.push(("x-cos-copy-source-range", rt.as_str()));
                        }
                        let cond = conditions.expect("signed");
                        let pairs: Vec<(&str, &str)> = cond.iter().collect();
                        expected.extend(pairs.iter().copied());
                        if let Some((k, m)) = &sse {
                            expected
                                .push(("x-cos-copy-source-server-side-encryption-customer-key", k));
                            expected.push((
                                "x-cos-copy-source-server-side-encryption-customer-key-MD5",
                                m,
                            ));
                        }
                        check_built(&r, key, &expected);
                        assert_eq!(
                            r.params(),
                            [
                                ("partNumber", part_text.as_str()),
                                ("uploadId", upload.as_str())
                            ]
                        );
                        // The conditions read back from what is sent.
                        let sent: Vec<(&str, &str)> = r.headers().to_vec();
                        assert_eq!(CopyCondition::from_headers(&sent), Ok(action.condition));
                        r.head().len()
                    })
                },
                small,
            );
            assert_eq!(got.map(|_| ()), want);
        }
        2 => {
            let upload = input.word_or_text(UPLOADS, 80);
            let action = AbortMultipartUpload::new(host, &key_text, &upload);
            let want = first_error(&[base, upload_error(&upload)]);
            let got = sign_all(
                |s| {
                    action.sign(key, s).map(|r| {
                        check_built(&r, key, &[("Host", host_text.as_str())]);
                        assert_eq!(r.params(), [("uploadId", upload.as_str())]);
                        r.head().len()
                    })
                },
                small,
            );
            assert_eq!(got.map(|_| ()), want);
        }
        _ => {
            let upload = input.word_or_text(UPLOADS, 80);
            let n = match input.byte() {
                250..=255 => 200,
                b => usize::from(b % 6),
            };
            let mut number = 0u16;
            let parts: Vec<(u16, String)> = (0..n)
                .map(|_| {
                    number = match input.byte() % 8 {
                        0 => input.u16(),
                        1 => number,
                        _ => number.saturating_add(1 + u16::from(input.byte() % 3)),
                    };
                    (number, input.word_or_text(ETAGS, 40))
                })
                .collect();
            let length = check_complete_body(&parts).unwrap_or(input.below(1 << 20));
            let md5 = input.bool().then(|| input.word_or_text(VALUES, 30));
            let mut action = CompleteMultipartUpload::new(host, &key_text, &upload, length);
            action.content_md5 = md5.as_deref();
            let want = first_error(&[
                base,
                upload_error(&upload),
                md5.as_deref().and_then(|m| header_value(m).err()),
            ]);
            let length_text = length.to_string();
            let got = sign_all(
                |s| {
                    action.sign(key, s).map(|r| {
                        let mut expected = vec![
                            ("Host", host_text.as_str()),
                            ("Content-Length", length_text.as_str()),
                            ("Content-Type", "application/xml"),
                        ];
                        if let Some(m) = md5.as_deref() {
                            expected.push(("Content-MD5", header_value(m).expect("checked")));
                        }
                        check_built(&r, key, &expected);
                        r.head().len()
                    })
                },
                small,
            );
            assert_eq!(got.map(|_| ()), want);
        }
    }
}
