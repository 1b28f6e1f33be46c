//! Benchmarks, each group measured in the same run, with a summary of
//! ratios at the end (see the README's "Performance" section).
//!
//! `cargo bench --bench cos`

use criterion::{BenchmarkId, Criterion};
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::PathBuf;
use tencent_cos_core::sign::write_http_string;
use tencent_cos_core::{
    ByteRange, CanonicalRequest, CopyCondition, CopySource, Credentials, ETag, Host, KeyTime,
    Selection, SigningKey, UploadPartCopy,
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

/// The median of a benchmark from criterion's saved estimates, in ns.
fn median(group: &str, id: &str) -> Option<f64> {
    let dir: PathBuf = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let path = dir
        .join("criterion")
        .join(group)
        .join(id)
        .join("new/estimates.json");
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    v["median"]["point_estimate"].as_f64()
}

fn summary() {
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
    ];
    let mut text = String::from("\nsummary (medians of this run)\n");
    for (label, (ga, ia), (gb, ib), target) in rows {
        match (median(ga, ia), median(gb, ib)) {
            (Some(a), Some(b)) => {
                let _ = writeln!(
                    text,
                    "  {label:<16} {:>8.1} ns / {:>8.1} ns = {:>6.2}x   (target {target})",
                    a,
                    b,
                    a / b
                );
            }
            _ => {
                let _ = writeln!(text, "  {label:<16} (not measured in this run)");
            }
        }
    }
    println!("{text}");
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench_sign(&mut c);
    bench_request(&mut c);
    c.final_summary();
    summary();
}
