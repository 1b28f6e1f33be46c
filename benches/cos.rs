//! Benchmarks, each group measured in the same run, with a summary of
//! ratios at the end (see the README's "Performance" section).
//!
//! `cargo bench --bench cos` (all), or with a criterion filter:
//! `cargo bench --bench cos -- --warm-up-time 1 --measurement-time 3 parse`.

use criterion::{BenchmarkId, Criterion};
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::SystemTime;
use tencent_cos_core::sign::write_http_string;
use tencent_cos_core::{
    ByteRange, CanonicalRequest, CopyCondition, CopySource, Credentials, ETag, Host, KeyTime,
    Response, ResponseReader, Selection, SigningKey, UploadPartCopy,
};

const SECRET_ID: &str = "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q";
const SECRET_KEY: &str = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz";
const PARAMS: [(&str, &str); 2] = [
    ("partNumber", "1"),
    (
        "uploadId",
        "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361",
    ),
];
/// The headers of a typical UploadPartCopy (the Python SDK's wire capture).
const HEADERS: [(&str, &str); 5] = [
    (
        "x-cos-copy-source-If-Match",
        "\"ee8de918d05640145b18f70f4c3aa602\"",
    ),
    (
        "x-cos-copy-source",
        "sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com/%E6%BA%90%E6%96%87%E4%BB%B6/report%20%2B%20final~%2A.txt?versionId=MTg0NDUxNTc1NjIzMTQ1MDAwODg",
    ),
    ("x-cos-copy-source-range", "bytes=0-1048575"),
    (
        "Host",
        "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
    ),
    ("Content-Length", "0"),
];

fn request() -> CanonicalRequest<'static> {
    CanonicalRequest::new("PUT", "/dest/big-file.bin", &PARAMS, &HEADERS)
}

fn key_time() -> KeyTime {
    KeyTime::new(1_700_000_000, 1_700_010_060).unwrap()
}

/// SHA-1 block compressions a signature needs: the SignKey HMAC (4 with a
/// key of at most 64 bytes), the pads keyed by the SignKey (2), the
/// StringToSign HMAC after its pads (3) and the HttpString itself.
fn blocks_needed(fresh: bool) -> usize {
    let mut http = String::new();
    write_http_string(&request(), Selection::Exact, &mut http).unwrap();
    let http_blocks = (http.len() + 9).div_ceil(64);
    let string_to_sign_len = "sha1\n".len() + key_time().to_string().len() + 1 + 40 + 1;
    let inner = (64 + string_to_sign_len + 9).div_ceil(64) - 1;
    let outer = (64usize + 20 + 9).div_ceil(64) - 1;
    let mac = inner + outer;
    if fresh {
        4 + 2 + mac + http_blocks
    } else {
        mac + http_blocks
    }
}

/// The signer as SDKs commonly write it: strings, `format!`, a sorted
/// `Vec`, the `hmac` crate.
mod naive {
    use hmac::{KeyInit, Mac};

    fn hmac_hex(key: &[u8], msg: &[u8]) -> String {
        let mut m = hmac::Hmac::<sha1::Sha1>::new_from_slice(key).unwrap();
        m.update(msg);
        hex::encode(m.finalize().into_bytes())
    }

    fn encode(s: &str) -> String {
        let mut out = String::new();
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    }

    fn canonical(pairs: &[(&str, &str)]) -> (String, String) {
        let mut v: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (encode(k).to_lowercase(), encode(v)))
            .collect();
        v.sort();
        let joined = v
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&");
        let list = v
            .iter()
            .map(|(k, _)| k.clone())
            .collect::<Vec<_>>()
            .join(";");
        (joined, list)
    }

    #[allow(clippy::too_many_arguments)]
    pub fn sign(
        id: &str,
        secret: &str,
        start: u64,
        end: u64,
        method: &str,
        path: &str,
        params: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> String {
        let key_time = format!("{start};{end}");
        let sign_key = hmac_hex(secret.as_bytes(), key_time.as_bytes());
        let (p, plist) = canonical(params);
        let (h, hlist) = canonical(headers);
        let http = format!("{}\n{}\n{}\n{}\n", method.to_lowercase(), path, p, h);
        let digest = {
            use sha1::Digest;
            hex::encode(sha1::Sha1::digest(http.as_bytes()))
        };
        let sts = format!("sha1\n{key_time}\n{digest}\n");
        let sig = hmac_hex(sign_key.as_bytes(), sts.as_bytes());
        format!(
            "q-sign-algorithm=sha1&q-ak={id}&q-sign-time={key_time}&q-key-time={key_time}&q-header-list={hlist}&q-url-param-list={plist}&q-signature={sig}"
        )
    }
}

fn bench_sign(c: &mut Criterion) {
    let creds = Credentials::new(SECRET_ID, SECRET_KEY).unwrap();
    let req = request();
    let kt = key_time();
    let mut out = [0u8; 512];

    // The fast path and the naive one must agree before either is timed.
    let reused = SigningKey::new(&creds, kt);
    let ours = reused.sign(&req, Selection::Exact).unwrap().to_string();
    let theirs = naive::sign(
        SECRET_ID,
        SECRET_KEY,
        kt.start(),
        kt.end(),
        req.method,
        req.path,
        &PARAMS,
        &HEADERS,
    );
    assert_eq!(ours, theirs);

    let mut g = c.benchmark_group("sign");
    g.bench_function("fresh", |b| {
        b.iter(|| {
            let key = SigningKey::new(black_box(&creds), black_box(kt));
            let signed = key.sign(black_box(&req), Selection::Exact).unwrap();
            black_box(signed.authorization_to_slice(&mut out).unwrap().len())
        })
    });
    g.bench_function("reused", |b| {
        b.iter(|| {
            let signed = black_box(&reused)
                .sign(black_box(&req), Selection::Exact)
                .unwrap();
            black_box(signed.authorization_to_slice(&mut out).unwrap().len())
        })
    });
    g.bench_function("naive", |b| {
        b.iter(|| {
            black_box(naive::sign(
                black_box(SECRET_ID),
                black_box(SECRET_KEY),
                kt.start(),
                kt.end(),
                req.method,
                req.path,
                &PARAMS,
                &HEADERS,
            ))
        })
    });
    g.finish();

    let mut g = c.benchmark_group("bound");
    for (name, fresh) in [("fresh", true), ("reused", false)] {
        let n = blocks_needed(fresh);
        let blocks = vec![[0x5au8; 64]; n];
        g.bench_with_input(BenchmarkId::new(name, n), &blocks, |b, blocks| {
            b.iter(|| {
                let mut state = [
                    0x6745_2301u32,
                    0xEFCD_AB89,
                    0x98BA_DCFE,
                    0x1032_5476,
                    0xC3D2_E1F0,
                ];
                for block in black_box(blocks) {
                    sha1::block_api::compress(&mut state, core::slice::from_ref(block));
                }
                black_box(state)
            })
        });
    }
    g.finish();
}

/// Builds, signs and writes the complete head of the same UploadPartCopy
/// (request line, headers, `Authorization`) with a reused signing key.
fn bench_request(c: &mut Criterion) {
    let creds = Credentials::new(SECRET_ID, SECRET_KEY).unwrap();
    let key = SigningKey::new(&creds, key_time());
    let source = CopySource::new(
        "sourcebucket-1250000000",
        "ap-guangzhou",
        "源文件/report + final~*.txt",
    )
    .unwrap()
    .with_version_id("MTg0NDUxNTc1NjIzMTQ1MDAwODg")
    .unwrap();
    let build = || {
        UploadPartCopy::new(
            Host::bucket("examplebucket-1250000000", "ap-guangzhou"),
            "dest/big-file.bin",
            1,
            PARAMS[1].1,
            source,
        )
        .with_range(ByteRange::new(0, 1_048_575).unwrap())
        .with_condition(CopyCondition::Match(
            ETag::new("\"ee8de918d05640145b18f70f4c3aa602\"").unwrap(),
        ))
    };
    let mut scratch = [0u8; 1024];
    let mut head = [0u8; 2048];
    // The head carries the same signature as the sign benches' request.
    let signed = build().sign(&key, &mut scratch).unwrap();
    let ours = key.sign(&request(), Selection::Exact).unwrap().to_string();
    assert_eq!(signed.header("Authorization"), Some(ours.as_str()));

    let mut g = c.benchmark_group("request");
    g.bench_function("upload_part_copy_head", |b| {
        b.iter(|| {
            let signed = black_box(build())
                .sign(black_box(&key), &mut scratch)
                .unwrap();
            black_box(signed.head_to_slice(&mut head).unwrap().len())
        })
    });
    g.finish();
}

/// The sample CopyPartResult (the documentation's example answer).
const COPY_PART_RESULT: &[u8] = include_bytes!("../tests/data/responses/copy-part-result.xml");
/// The same document with its ETag's quotes written as `&quot;`: only
/// checked (the peers' entity decoding), not timed.
const COPY_PART_RESULT_QUOT: &[u8] =
    include_bytes!("../tests/data/responses/copy-part-result-quot-entities.xml");

/// The capacity of each value, as a small target would choose it.
const CAP: usize = 64;

/// ETag and LastModified from the crate's result.
fn fields<const N: usize>(r: &Response<N>) -> (&str, Option<&str>) {
    match r {
        Response::CopyPart(p) => (p.etag.as_str(), p.last_modified.as_deref()),
        other => panic!("not a CopyPartResult: {other:?}"),
    }
}

/// The crate's whole-body path: one `feed`, then `finish`.
fn ours_whole(body: &[u8]) -> Response<CAP> {
    Response::<CAP>::parse(body).unwrap()
}

/// The same body fed one byte at a time.
fn ours_one_byte(body: &[u8]) -> Response<CAP> {
    let mut r = ResponseReader::<CAP>::new();
    for byte in body.chunks(1) {
        r.feed(byte).unwrap();
    }
    r.finish().unwrap()
}

/// The peers: the same extraction (ETag and LastModified directly under
/// the root `CopyPartResult`, names matched without a prefix, entities
/// decoded, XML whitespace around the value trimmed) with each parser's
/// natural API. A value is borrowed from the body when it needs no
/// decoding and decoded into a stack buffer otherwise: no allocation.
mod peers {
    /// A value as the peers build it: one borrowed piece, or several
    /// pieces (text and decoded references) copied into a stack buffer.
    #[derive(Default)]
    pub struct Value<'a> {
        one: Option<&'a str>,
        buf: heapless::String<{ super::CAP }>,
        many: bool,
    }

    impl<'a> Value<'a> {
        pub fn borrowed(&mut self, s: &'a str) {
            if !self.many && self.one.is_none() {
                self.one = Some(s);
            } else {
                self.copied(s);
            }
        }

        pub fn copied(&mut self, s: &str) {
            if let Some(first) = self.one.take() {
                self.buf.push_str(first).unwrap();
            }
            self.many = true;
            self.buf.push_str(s).unwrap();
        }

        pub fn get(&self) -> &str {
            let v = if self.many {
                self.buf.as_str()
            } else {
                self.one.unwrap_or("")
            };
            v.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
        }
    }

    #[derive(Clone, Copy, PartialEq)]
    enum Field {
        ETag,
        LastModified,
    }

    fn field(local: &str) -> Option<Field> {
        match local {
            "ETag" => Some(Field::ETag),
            "LastModified" => Some(Field::LastModified),
            _ => None,
        }
    }

    /// `&name;` or `&#..;` without the `&` and `;`, decoded.
    fn reference(name: &str) -> char {
        match name {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = match name.strip_prefix("#x") {
                    Some(hex) => u32::from_str_radix(hex, 16),
                    None => name.strip_prefix('#').unwrap().parse(),
                };
                char::from_u32(code.unwrap()).unwrap()
            }
        }
    }

    /// `xmlparser`: tokens borrow the body; a text token is the raw text,
    /// so only one holding a reference or a CR (which XML reads as LF)
    /// is decoded.
    pub fn xmlparser(body: &[u8]) -> (Value<'_>, Value<'_>) {
        use xmlparser::{ElementEnd, Token, Tokenizer};
        let text = core::str::from_utf8(body).unwrap();
        let (mut etag, mut last_modified) = (Value::default(), Value::default());
        let mut depth = 0usize;
        let mut current = None;
        for token in Tokenizer::from(text) {
            match token.unwrap() {
                Token::ElementStart { local, .. } => {
                    depth += 1;
                    current = match depth {
                        1 => {
                            assert_eq!(local.as_str(), "CopyPartResult");
                            None
                        }
                        2 => field(local.as_str()),
                        _ => None,
                    };
                }
                Token::ElementEnd { end, .. } => match end {
                    ElementEnd::Open => {}
                    ElementEnd::Close(..) | ElementEnd::Empty => {
                        depth -= 1;
                        current = None;
                    }
                },
                Token::Text { text } if depth == 2 => {
                    let v = match current {
                        Some(Field::ETag) => &mut etag,
                        Some(Field::LastModified) => &mut last_modified,
                        None => continue,
                    };
                    let raw = text.as_str();
                    if !raw.bytes().any(|b| b == b'&' || b == b'\r') {
                        v.borrowed(raw);
                        continue;
                    }
                    let mut rest = raw;
                    while let Some(i) = rest.find(['&', '\r']) {
                        v.copied(&rest[..i]);
                        if rest.as_bytes()[i] == b'\r' {
                            v.copied("\n");
                            rest = &rest[i + 1..];
                            rest = rest.strip_prefix('\n').unwrap_or(rest);
                        } else {
                            let end = i + rest[i..].find(';').unwrap();
                            let mut utf8 = [0u8; 4];
                            v.copied(reference(&rest[i + 1..end]).encode_utf8(&mut utf8));
                            rest = &rest[end + 1..];
                        }
                    }
                    v.copied(rest);
                }
                _ => {}
            }
        }
        (etag, last_modified)
    }

    /// `quick-xml`: text events borrow the body (`xml10_content` copies
    /// only to normalise a CR); references arrive as their own events.
    pub fn quick_xml(body: &[u8]) -> (Value<'_>, Value<'_>) {
        use quick_xml::escape::resolve_predefined_entity;
        use quick_xml::events::Event;
        let mut reader = quick_xml::Reader::from_reader(body);
        let (mut etag, mut last_modified) = (Value::default(), Value::default());
        let mut depth = 0usize;
        let mut current = None;
        loop {
            let event = reader.read_event().unwrap();
            let value = match (depth, current) {
                (2, Some(Field::ETag)) => Some(&mut etag),
                (2, Some(Field::LastModified)) => Some(&mut last_modified),
                _ => None,
            };
            match event {
                Event::Start(e) => {
                    depth += 1;
                    let local = e.local_name();
                    current = match depth {
                        1 => {
                            assert_eq!(local.as_ref(), "CopyPartResult");
                            None
                        }
                        2 => field(local.as_ref()),
                        _ => None,
                    };
                }
                Event::End(_) => {
                    depth -= 1;
                    current = None;
                }
                Event::Text(t) => {
                    if let Some(v) = value {
                        match t.xml10_content() {
                            std::borrow::Cow::Borrowed(s) => v.borrowed(s),
                            std::borrow::Cow::Owned(s) => v.copied(&s),
                        }
                    }
                }
                Event::GeneralRef(r) => {
                    if let Some(v) = value {
                        let mut utf8 = [0u8; 4];
                        let s = match r.resolve_char_ref().unwrap() {
                            Some(c) => &*c.encode_utf8(&mut utf8),
                            None => resolve_predefined_entity(&r).unwrap(),
                        };
                        v.copied(s);
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        (etag, last_modified)
    }
}

fn bench_parse(c: &mut Criterion) {
    // All four must read the same values before any is timed.
    for body in [COPY_PART_RESULT, COPY_PART_RESULT_QUOT] {
        let whole = ours_whole(body);
        let (etag, last_modified) = fields(&whole);
        assert!(etag.starts_with('"') && etag.ends_with('"') && etag.len() == 34);
        assert!(last_modified.is_some_and(|v| v.len() >= 19));
        assert_eq!(fields(&ours_one_byte(body)), (etag, last_modified));
        let (e, l) = peers::xmlparser(body);
        assert_eq!((e.get(), Some(l.get())), (etag, last_modified));
        let (e, l) = peers::quick_xml(body);
        assert_eq!((e.get(), Some(l.get())), (etag, last_modified));
    }

    let mut g = c.benchmark_group("parse");
    g.bench_function("whole", |b| {
        b.iter(|| {
            let r = ours_whole(black_box(COPY_PART_RESULT));
            black_box(fields(black_box(&r)));
        })
    });
    g.bench_function("one-byte", |b| {
        b.iter(|| {
            let r = ours_one_byte(black_box(COPY_PART_RESULT));
            black_box(fields(black_box(&r)));
        })
    });
    g.bench_function("xmlparser", |b| {
        b.iter(|| {
            let (etag, last_modified) = peers::xmlparser(black_box(COPY_PART_RESULT));
            black_box((etag.get(), last_modified.get()));
        })
    });
    g.bench_function("quick-xml", |b| {
        b.iter(|| {
            let (etag, last_modified) = peers::quick_xml(black_box(COPY_PART_RESULT));
            black_box((etag.get(), last_modified.get()));
        })
    });
    g.finish();
}

/// The median of a benchmark from criterion's saved estimates, in ns, if
/// it was measured in this run (criterion keeps the estimates of earlier
/// runs, which a filtered run leaves in place).
fn median(group: &str, id: &str, since: SystemTime) -> Option<f64> {
    let dir: PathBuf = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let path = dir
        .join("criterion")
        .join(group)
        .join(id)
        .join("new/estimates.json");
    if std::fs::metadata(&path).ok()?.modified().ok()? < since {
        return None;
    }
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    v["median"]["point_estimate"].as_f64()
}

fn summary(since: SystemTime) {
    let fresh_id = format!("fresh/{}", blocks_needed(true));
    let reused_id = format!("reused/{}", blocks_needed(false));
    let rows = [
        (
            "fresh / bound",
            ("sign", "fresh"),
            ("bound", fresh_id.as_str()),
            "<= 1.25",
        ),
        (
            "reused / bound",
            ("sign", "reused"),
            ("bound", reused_id.as_str()),
            "<= 1.25",
        ),
        (
            "naive / fresh",
            ("sign", "naive"),
            ("sign", "fresh"),
            ">= 6",
        ),
        (
            "xmlparser / whole",
            ("parse", "xmlparser"),
            ("parse", "whole"),
            ">= 4",
        ),
        (
            "quick-xml / whole",
            ("parse", "quick-xml"),
            ("parse", "whole"),
            "none",
        ),
        (
            "one-byte / whole",
            ("parse", "one-byte"),
            ("parse", "whole"),
            "<= 3",
        ),
    ];
    let mut text = String::from("\nsummary (medians of this run)\n");
    for (label, (ga, ia), (gb, ib), target) in rows {
        match (median(ga, ia, since), median(gb, ib, since)) {
            (Some(a), Some(b)) => {
                let _ = writeln!(
                    text,
                    "  {label:<18} {:>8.1} ns / {:>8.1} ns = {:>6.2}x   (target {target})",
                    a,
                    b,
                    a / b
                );
            }
            _ => {
                let _ = writeln!(text, "  {label:<18} (not measured in this run)");
            }
        }
    }
    println!("{text}");
}

fn main() {
    let since = SystemTime::now();
    let mut c = Criterion::default().configure_from_args();
    bench_sign(&mut c);
    bench_request(&mut c);
    bench_parse(&mut c);
    c.final_summary();
    summary(since);
}
