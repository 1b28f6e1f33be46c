//! Benchmarks, each group measured in the same run, with a summary of
//! ratios at the end (see the README's "Performance" section).
//!
//! `cargo bench --bench cos` (all), or with a criterion filter:
//! `cargo bench --bench cos -- --warm-up-time 1 --measurement-time 3 parse`.

use criterion::Criterion;
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Instant, SystemTime};
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

/// SHA-1's initial chaining state (FIPS 180-4, 5.3.1).
const H0: [u32; 5] = [
    0x6745_2301,
    0xEFCD_AB89,
    0x98BA_DCFE,
    0x1032_5476,
    0xC3D2_E1F0,
];

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

/// An estimate of the floor under a signer of this request on this
/// machine: the hashing steps of a signature written out plainly on the
/// same compression function as the bound, with everything else done
/// before the clock starts. The HttpString is handed over already
/// canonical (encoded, lowercased, sorted, checked), the text around the
/// digests in the StringToSign and the `Authorization` value is already
/// written, the key time already formatted and the SecretKey already
/// XORed into its pads. What remains is the compressions (as many blocks
/// as the bound), the padding of each message, the hex of each digest and
/// the copies into the output. A signer that cached the SecretKey's pad
/// states per credential would skip 2 of the fresh bound's 18 blocks;
/// neither the crate nor this floor does.
#[allow(clippy::incompatible_msrv)] // `as_chunks`: benches build on stable only
mod floor {
    use super::H0;
    use sha1::block_api::compress;

    /// What the routines start from, made once.
    #[derive(Clone)]
    pub struct Prepared {
        /// The HttpString, as the crate writes it.
        pub http: Vec<u8>,
        /// The SecretKey XOR ipad and XOR opad (a key of at most 64 bytes).
        pub secret_pads: [[u8; 64]; 2],
        /// The key time, as signed.
        pub key_time: Vec<u8>,
        /// `sha1\n<key time>\n`: the StringToSign before the digest.
        pub sts_head: Vec<u8>,
        /// The `Authorization` value before the signature.
        pub auth_head: Vec<u8>,
    }

    /// HMAC pad states keyed by a SignKey.
    #[derive(Clone, Copy)]
    pub struct Pads([[u32; 5]; 2]);

    /// SHA-1 of `msg` continued from `h`, which has compressed `done`
    /// blocks: its padded tail is written first (so that its bytes are
    /// stored well before they are read), then the whole blocks and the
    /// tail are compressed, one call each.
    fn digest(mut h: [u32; 5], done: u64, msg: &[u8]) -> [u8; 20] {
        let (blocks, tail) = msg.as_chunks::<64>();
        let mut last = [[0u8; 64]; 2];
        let n = if tail.len() + 9 > 64 { 2 } else { 1 };
        let flat = last.as_flattened_mut();
        flat[..tail.len()].copy_from_slice(tail);
        flat[tail.len()] = 0x80;
        let bits = (done * 64 + msg.len() as u64) * 8;
        flat[n * 64 - 8..n * 64].copy_from_slice(&bits.to_be_bytes());
        compress(&mut h, blocks);
        compress(&mut h, &last[..n]);
        let mut out = [0u8; 20];
        for (o, w) in out.chunks_exact_mut(4).zip(h) {
            o.copy_from_slice(&w.to_be_bytes());
        }
        out
    }

    /// `d` as 40 lowercase hex digits into `out`.
    fn hex(d: &[u8; 20], out: &mut [u8; 40]) {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        for (pair, b) in out.chunks_exact_mut(2).zip(d) {
            pair[0] = DIGITS[usize::from(b >> 4)];
            pair[1] = DIGITS[usize::from(b & 15)];
        }
    }

    /// The state after one block.
    fn state_after(block: &[u8; 64]) -> [u32; 5] {
        let mut h = H0;
        compress(&mut h, core::slice::from_ref(block));
        h
    }

    /// The SignKey of the window (HMAC of the key time by the SecretKey),
    /// as the pad states an HMAC keyed by it starts from.
    pub fn sign_key(p: &Prepared) -> Pads {
        let inner = digest(state_after(&p.secret_pads[0]), 1, &p.key_time);
        let mut sign_key = [0u8; 40];
        hex(
            &digest(state_after(&p.secret_pads[1]), 1, &inner),
            &mut sign_key,
        );
        let mut pads = [[0x36u8; 64], [0x5cu8; 64]];
        for pad in &mut pads {
            for (b, k) in pad.iter_mut().zip(sign_key) {
                *b ^= k;
            }
        }
        Pads(pads.map(|pad| state_after(&pad)))
    }

    /// The `Authorization` value into `out`: the HttpString's digest, the
    /// StringToSign's HMAC by `pads`, the value written. Its length.
    pub fn sign(p: &Prepared, pads: &Pads, out: &mut [u8]) -> usize {
        let mut sts = [0u8; 128];
        let head = p.sts_head.len();
        sts[..head].copy_from_slice(&p.sts_head);
        let hex_at = <&mut [u8; 40]>::try_from(&mut sts[head..head + 40]).unwrap();
        hex(&digest(H0, 0, &p.http), hex_at);
        sts[head + 40] = b'\n';
        let inner = digest(pads.0[0], 1, &sts[..head + 41]);
        let mac = digest(pads.0[1], 1, &inner);
        let head = p.auth_head.len();
        out[..head].copy_from_slice(&p.auth_head);
        hex(
            &mac,
            <&mut [u8; 40]>::try_from(&mut out[head..head + 40]).unwrap(),
        );
        head + 40
    }
}

/// One measured routine. It returns a value derived from its work, which
/// the harness passes through `black_box`.
type Routine = Box<dyn FnMut() -> usize>;

/// The routines of one group, by id.
type Group = Vec<(&'static str, Routine)>;

/// `sign`: fresh, reused and naive signing of the same request, each
/// writing the `Authorization` value. The fast path and the naive one
/// must agree before either is timed.
fn sign_group() -> Group {
    let creds = Credentials::new(SECRET_ID, SECRET_KEY).unwrap();
    let kt = key_time();
    let reused = SigningKey::new(&creds, kt);
    let ours = reused
        .sign(&request(), Selection::Exact)
        .unwrap()
        .to_string();
    let naive_sign = move |id: &str, key: &str| {
        naive::sign(
            id,
            key,
            kt.start(),
            kt.end(),
            "PUT",
            request().path,
            &PARAMS,
            &HEADERS,
        )
    };
    assert_eq!(ours, naive_sign(SECRET_ID, SECRET_KEY));

    let mut out = [0u8; 512];
    let fresh: Routine = Box::new(move || {
        let key = SigningKey::new(black_box(&creds), black_box(kt));
        let signed = key.sign(black_box(&request()), Selection::Exact).unwrap();
        black_box(signed.authorization_to_slice(&mut out).unwrap()).len()
    });
    let mut out = [0u8; 512];
    let reused: Routine = Box::new(move || {
        let signed = black_box(&reused)
            .sign(black_box(&request()), Selection::Exact)
            .unwrap();
        black_box(signed.authorization_to_slice(&mut out).unwrap()).len()
    });
    let naive: Routine =
        Box::new(move || naive_sign(black_box(SECRET_ID), black_box(SECRET_KEY)).len());
    vec![("fresh", fresh), ("reused", reused), ("naive", naive)]
}

/// `bound`: the SHA-1 compression function alone, one call over as many
/// blocks as each kind of signature needs ([`blocks_needed`]).
fn bound_group() -> Group {
    let compress = |n: usize| -> Routine {
        let blocks = vec![[0x5au8; 64]; n];
        Box::new(move || {
            let mut state = H0;
            sha1::block_api::compress(&mut state, black_box(&blocks));
            state[0] as usize
        })
    };
    vec![
        ("fresh", compress(blocks_needed(true))),
        ("reused", compress(blocks_needed(false))),
    ]
}

/// `floor`: [`floor`] for a fresh and a reused key, checked first to
/// write the crate's `Authorization` value (whose text before the
/// signature it is handed: the check is of the signature).
fn floor_group() -> Group {
    let creds = Credentials::new(SECRET_ID, SECRET_KEY).unwrap();
    let ours = SigningKey::new(&creds, key_time())
        .sign(&request(), Selection::Exact)
        .unwrap()
        .to_string();
    let mut http = String::new();
    write_http_string(&request(), Selection::Exact, &mut http).unwrap();
    let mut secret = [0u8; 64];
    secret[..SECRET_KEY.len()].copy_from_slice(SECRET_KEY.as_bytes());
    let p = floor::Prepared {
        http: http.into_bytes(),
        secret_pads: [secret.map(|b| b ^ 0x36), secret.map(|b| b ^ 0x5c)],
        key_time: key_time().to_string().into_bytes(),
        sts_head: format!("sha1\n{}\n", key_time()).into_bytes(),
        auth_head: ours.as_bytes()[..ours.len() - 40].to_vec(),
    };
    let pads = floor::sign_key(&p);
    let mut out = [0u8; 512];
    let n = floor::sign(&p, &pads, &mut out);
    assert_eq!(&out[..n], ours.as_bytes());

    let reused_p = p.clone();
    let fresh: Routine = Box::new(move || {
        let pads = floor::sign_key(black_box(&p));
        let n = floor::sign(&p, &pads, &mut out);
        black_box(&out[..n]).len()
    });
    let mut out = [0u8; 512];
    let reused: Routine = Box::new(move || {
        let n = floor::sign(black_box(&reused_p), black_box(&pads), &mut out);
        black_box(&out[..n]).len()
    });
    vec![("fresh", fresh), ("reused", reused)]
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

    /// An element opens: one level deeper, and the field it holds if it
    /// is a child of the root (which must be `CopyPartResult`).
    fn start(depth: &mut usize, local: &str) -> Option<Field> {
        *depth += 1;
        match *depth {
            1 => {
                assert_eq!(local, "CopyPartResult");
                None
            }
            2 => field(local),
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
                Token::ElementStart { local, .. } => current = start(&mut depth, local.as_str()),
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
                Event::Start(e) => current = start(&mut depth, e.local_name().as_ref()),
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

/// `parse`: the sample CopyPartResult read whole and one byte at a time,
/// and the same extraction by the peers. All four must read the same
/// values before any is timed.
fn parse_group() -> Group {
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
    let ours = |read: fn(&[u8]) -> Response<CAP>| -> Routine {
        Box::new(move || {
            let r = read(black_box(COPY_PART_RESULT));
            let (etag, last_modified) = fields(black_box(&r));
            etag.len() + last_modified.map_or(0, str::len)
        })
    };
    let peer = |read: fn(&[u8]) -> (peers::Value<'_>, peers::Value<'_>)| -> Routine {
        Box::new(move || {
            let (etag, last_modified) = read(black_box(COPY_PART_RESULT));
            etag.get().len() + last_modified.get().len()
        })
    };
    vec![
        ("whole", ours(ours_whole)),
        ("one-byte", ours(ours_one_byte)),
        ("xmlparser", peer(peers::xmlparser)),
        ("quick-xml", peer(peers::quick_xml)),
    ]
}

/// Measures each routine of a group with criterion.
fn bench_group(c: &mut Criterion, name: &str, group: &mut Group) {
    let mut g = c.benchmark_group(name);
    for (id, routine) in group.iter_mut() {
        g.bench_function(*id, |b| b.iter(|| black_box(routine())));
    }
    g.finish();
}

/// The ratio of the times of `a` and `b` measured interleaved: rounds of
/// a batch of `a` and a batch of `b` (about 50 µs each, their order
/// alternating), and the median of the rounds' ratios. A machine whose
/// speed drifts (a shared VM) moves both sides of a round alike.
fn interleaved(a: &mut Routine, b: &mut Routine) -> f64 {
    fn per_call(f: &mut Routine, n: u32) -> f64 {
        let t = Instant::now();
        for _ in 0..n {
            black_box(f());
        }
        t.elapsed().as_nanos() as f64 / f64::from(n)
    }
    let batch = |f: &mut Routine| (50_000.0 / per_call(f, 200)).clamp(1.0, 100_000.0) as u32;
    let (na, nb) = (batch(a), batch(b));
    let mut ratios: Vec<f64> = (0..301)
        .map(|round| {
            if round % 2 == 0 {
                let ta = per_call(a, na);
                ta / per_call(b, nb)
            } else {
                let tb = per_call(b, nb);
                per_call(a, na) / tb
            }
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
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

/// Routines `a` and `b`, named by (group, id).
fn two_routines<'g>(
    groups: &'g mut [(&'static str, Group)],
    a: (&str, &str),
    b: (&str, &str),
) -> Option<(&'g mut Routine, &'g mut Routine)> {
    let (mut found_a, mut found_b) = (None, None);
    for (group, routines) in groups.iter_mut() {
        for (id, routine) in routines.iter_mut() {
            if (*group, *id) == a {
                found_a = Some(routine);
            } else if (*group, *id) == b {
                found_b = Some(routine);
            }
        }
    }
    Some((found_a?, found_b?))
}

/// The ratios the README reports: from criterion's medians, and measured
/// interleaved ([`interleaved`]) right after, from the same routines.
fn summary(since: SystemTime, groups: &mut [(&'static str, Group)]) {
    let rows = [
        (
            "fresh / bound",
            ("sign", "fresh"),
            ("bound", "fresh"),
            "<= 1.25",
        ),
        (
            "reused / bound",
            ("sign", "reused"),
            ("bound", "reused"),
            "<= 1.25",
        ),
        (
            "floor fresh / bound",
            ("floor", "fresh"),
            ("bound", "fresh"),
            "none",
        ),
        (
            "floor reused / bound",
            ("floor", "reused"),
            ("bound", "reused"),
            "none",
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
    let mut text = format!(
        "\nsummary (this run; the bound compresses {} blocks fresh, {} reused)\n  {:<20} {:>34}   {:>11}\n",
        blocks_needed(true),
        blocks_needed(false),
        "",
        "criterion medians",
        "interleaved"
    );
    let mut paired_ratios = std::collections::HashMap::new();
    for (label, (ga, ia), (gb, ib), target) in rows {
        let (Some(a), Some(b)) = (median(ga, ia, since), median(gb, ib, since)) else {
            let _ = writeln!(text, "  {label:<20} (not measured in this run)");
            continue;
        };
        let (ra, rb) = two_routines(groups, (ga, ia), (gb, ib)).expect("routines of the row");
        let paired = interleaved(ra, rb);
        paired_ratios.insert(label, paired);
        let _ = writeln!(
            text,
            "  {label:<20} {a:>8.1} ns / {b:>8.1} ns = {:>6.2}x   {paired:>10.2}x   (target {target})",
            a / b
        );
    }
    // What 1.25x the bound leaves beyond the floor, against what the
    // signer spends there: in bounds, from the interleaved ratios.
    for kind in ["fresh", "reused"] {
        let sign = paired_ratios.get(format!("{kind} / bound").as_str());
        let floor = paired_ratios.get(format!("floor {kind} / bound").as_str());
        if let (Some(sign), Some(floor)) = (sign, floor) {
            let _ = writeln!(
                text,
                "  {kind}: beyond the floor, 1.25x leaves {:.2}x the bound; the signer spends {:.2}x",
                1.25 - floor,
                sign - floor
            );
        }
    }
    // naive / fresh >= 6 in units of the bound: the naive signer's time
    // over the bound, divided by six.
    if let (Some(naive), Some(fresh)) = (
        paired_ratios.get("naive / fresh"),
        paired_ratios.get("fresh / bound"),
    ) {
        let _ = writeln!(
            text,
            "  naive / fresh >= 6 asks for fresh signing at {:.2}x the bound or less",
            naive * fresh / 6.0
        );
    }
    println!("{text}");
}

fn main() {
    let since = SystemTime::now();
    let mut c = Criterion::default().configure_from_args();
    let mut groups = [
        ("sign", sign_group()),
        ("bound", bound_group()),
        ("floor", floor_group()),
        ("parse", parse_group()),
    ];
    for (name, group) in groups.iter_mut() {
        // The request head is measured between signing and parsing.
        if *name == "parse" {
            bench_request(&mut c);
        }
        bench_group(&mut c, name, group);
    }
    c.final_summary();
    summary(since, &mut groups);
}
