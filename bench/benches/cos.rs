//! Benchmarks, each group measured in the same run, with a summary at the
//! end that prints each goal beside its figure (see
//! `docs/performance.md`).
//!
//! `cargo bench -p tencent-cos-core-bench` (all), or with a criterion
//! filter: `cargo bench -p tencent-cos-core-bench -- --warm-up-time 1
//! --measurement-time 3 parse`. `-- --test` runs each routine once and
//! the checks that come before timing.

use criterion::Criterion;
use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};
use tencent_cos_core::{
    Authorization, ByteRange, CopyCondition, CopySource, ETag, Host, KeyTime, Output, Response,
    ResponseReader, Selection, SigningKey, UploadPartCopy, VerifyPolicy,
};
use tencent_cos_core_bench::{
    CAP, COPY_PART_RESULT, COPY_PART_RESULT_QUOT, HEADERS, PARAMS, PATH, SECRET_ID, SECRET_KEY,
    credentials, instructions, key_time, naive, peers, reqsign, request,
};

/// SHA-1 block compressions a signature needs: the SignKey HMAC (4 with a
/// key of at most 64 bytes), the pads keyed by the SignKey (2), the
/// StringToSign HMAC after its pads (3) and the HttpString itself.
fn blocks_needed(fresh: bool) -> usize {
    let http_len = request().http_string(Selection::Exact).unwrap().len();
    let http_blocks = (http_len + 9).div_ceil(64);
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

/// One measured routine. It returns a value derived from its work, which
/// the harness passes through `black_box`.
type Routine = Box<dyn FnMut() -> usize>;

/// The routines of one group, by id.
type Group = Vec<(&'static str, Routine)>;

/// `sign`: fresh, reused, naive and reqsign-tencent-cos signing of the
/// same request, each writing the `Authorization` value. All must agree
/// before any is timed.
fn sign_group() -> Group {
    let creds = credentials();
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
            PATH,
            &PARAMS,
            &HEADERS,
        )
    };
    assert_eq!(ours, naive_sign(SECRET_ID, SECRET_KEY));
    // reqsign signs at the time it reads from the clock: ours, signed for
    // the same window, must be the same text.
    let mut peer = reqsign::Peer::new();
    let theirs = peer.sign(str::to_string);
    let window = theirs
        .split('&')
        .find_map(|f| f.strip_prefix("q-key-time="))
        .and_then(|t| t.split_once(';'))
        .map(|(a, b)| KeyTime::new(a.parse().unwrap(), b.parse().unwrap()).unwrap())
        .expect("a q-key-time in reqsign's Authorization");
    let at_their_time = SigningKey::new(&creds, window)
        .sign(&request(), Selection::Exact)
        .unwrap()
        .to_string();
    assert_eq!(theirs, at_their_time);

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
    let reqsign: Routine = Box::new(move || peer.sign(|a| black_box(a).len()));
    vec![
        ("fresh", fresh),
        ("reused", reused),
        ("naive", naive),
        ("reqsign", reqsign),
    ]
}

/// `bound`: the SHA-1 compression function alone, one call over as many
/// blocks as each kind of signature needs ([`blocks_needed`]): what no
/// signer of this request can skip.
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

/// `verify`: what a gateway does with a request's `Authorization`: parse
/// it, then verify the request against it (the SigningKey derived from
/// the SecretKey, the signature recomputed and compared).
fn verify_group() -> Group {
    let auth = SigningKey::new(&credentials(), key_time())
        .sign(&request(), Selection::Exact)
        .unwrap()
        .to_string();
    let now = key_time().start();
    let check = |auth: &str| {
        let a = Authorization::parse(auth).unwrap();
        a.verify(&request(), SECRET_KEY, now, &VerifyPolicy::STRICT)
            .map(|()| a.signature().len())
    };
    assert!(check(&auth).is_ok());
    let mut bad = auth.clone();
    bad.replace_range(bad.len() - 1.., "0");
    assert!(check(&bad).is_err());
    let header: Routine = Box::new(move || {
        let a = Authorization::parse(black_box(&auth)).unwrap();
        a.verify(
            black_box(&request()),
            SECRET_KEY,
            now,
            &VerifyPolicy::STRICT,
        )
        .unwrap();
        a.signature().len()
    });
    vec![("header", header)]
}

/// Builds, signs and writes the complete head of the same UploadPartCopy
/// (request line, headers, `Authorization`) with a reused signing key.
fn bench_request(c: &mut Criterion) {
    let creds = credentials();
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
            black_box(signed.head().to_slice(&mut head).unwrap().len())
        })
    });
    g.finish();
}

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

/// The same body fed in pieces of 16 bytes (a small receive buffer).
fn ours_pieces16(body: &[u8]) -> Response<CAP> {
    let mut r = ResponseReader::<CAP>::new();
    for piece in body.chunks(16) {
        r.feed(piece).unwrap();
    }
    r.finish().unwrap()
}

/// `parse`: the sample CopyPartResult read whole and in 16-byte pieces,
/// and the same extraction by the peers. All four must read the same
/// values before any is timed.
fn parse_group() -> Group {
    for body in [COPY_PART_RESULT, COPY_PART_RESULT_QUOT] {
        let whole = ours_whole(body);
        let (etag, last_modified) = fields(&whole);
        assert!(etag.starts_with('"') && etag.ends_with('"') && etag.len() == 34);
        assert!(last_modified.is_some_and(|v| v.len() >= 19));
        assert_eq!(fields(&ours_pieces16(body)), (etag, last_modified));
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
        ("pieces16", ours(ours_pieces16)),
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
    // Where criterion writes: the workspace's target directory.
    let dir: PathBuf = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
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

/// A goal: at least or at most a figure, or none (shown for context).
#[derive(Clone, Copy)]
enum Goal {
    AtLeast(f64),
    AtMost(f64),
    None,
}

impl Goal {
    fn show(self, value: f64) -> String {
        match self {
            Self::AtLeast(g) => format!(">= {g:<6} {}", Self::met(value >= g)),
            Self::AtMost(g) => format!("<= {g:<6} {}", Self::met(value <= g)),
            Self::None => String::new(),
        }
    }

    fn met(yes: bool) -> &'static str {
        if yes { "met" } else { "MISSED" }
    }
}

/// The goals of `docs/performance.md` (issue 17, item 3), each beside its figure:
/// the ratios from criterion's medians and measured interleaved
/// ([`interleaved`]) right after, the goal judged on the interleaved one;
/// verifications per second per core; and the instructions beyond the
/// SHA-1 compressions, counted by callgrind if valgrind is installed.
fn summary(since: SystemTime, groups: &mut [(&'static str, Group)]) {
    use Goal::{AtLeast, AtMost};
    let rows = [
        (
            "naive / fresh",
            ("sign", "naive"),
            ("sign", "fresh"),
            AtLeast(4.0),
        ),
        (
            "naive / reused",
            ("sign", "naive"),
            ("sign", "reused"),
            AtLeast(4.0),
        ),
        (
            "reqsign / fresh",
            ("sign", "reqsign"),
            ("sign", "fresh"),
            AtLeast(4.0),
        ),
        (
            "reqsign / reused",
            ("sign", "reqsign"),
            ("sign", "reused"),
            AtLeast(4.0),
        ),
        (
            "xmlparser / whole",
            ("parse", "xmlparser"),
            ("parse", "whole"),
            AtLeast(1.0),
        ),
        (
            "pieces16 / whole",
            ("parse", "pieces16"),
            ("parse", "whole"),
            AtMost(2.0),
        ),
        (
            "quick-xml / whole",
            ("parse", "quick-xml"),
            ("parse", "whole"),
            Goal::None,
        ),
        (
            "fresh / bound",
            ("sign", "fresh"),
            ("bound", "fresh"),
            Goal::None,
        ),
        (
            "reused / bound",
            ("sign", "reused"),
            ("bound", "reused"),
            Goal::None,
        ),
    ];
    let mut text = format!(
        "\nsummary (this run; the bound compresses {} blocks fresh, {} reused)\n  {:<18} {:>34}   {:>11}   goal\n",
        blocks_needed(true),
        blocks_needed(false),
        "",
        "criterion medians",
        "interleaved"
    );
    for (label, (ga, ia), (gb, ib), goal) in rows {
        let (Some(a), Some(b)) = (median(ga, ia, since), median(gb, ib, since)) else {
            let _ = writeln!(text, "  {label:<18} (not measured in this run)");
            continue;
        };
        let (ra, rb) = two_routines(groups, (ga, ia), (gb, ib)).expect("routines of the row");
        let paired = interleaved(ra, rb);
        let _ = writeln!(
            text,
            "  {label:<18} {a:>8.1} ns / {b:>8.1} ns = {:>6.2}x   {paired:>10.2}x   {}",
            a / b,
            goal.show(paired)
        );
    }
    if let Some(ns) = median("verify", "header", since) {
        let _ = writeln!(
            text,
            "  verifications per second per core: {:.0} ({ns:.1} ns each: parse the Authorization, derive the key, sign, compare)",
            1e9 / ns
        );
    }
    // Instructions beyond the compressions, only when benchmarking: not
    // under `--test` nor under `cargo test --benches` (no `--bench`: a
    // debug build, whose counts mean nothing; callgrind takes a few
    // seconds per case).
    let testing =
        std::env::args().any(|a| a == "--test") || !std::env::args().any(|a| a == "--bench");
    let exe = Path::new(env!("CARGO_BIN_EXE_instructions"));
    for (case, goal) in [("fresh", 4500.0), ("reused", 4000.0)] {
        if testing {
            break;
        }
        match instructions::count(exe, case, 2000) {
            Some(c) => {
                let _ = writeln!(
                    text,
                    "  instructions per {case} signature beyond the SHA-1 compressions: {:>6}   {}",
                    c.beyond(),
                    AtMost(goal).show(c.beyond() as f64)
                );
            }
            None => {
                let _ = writeln!(
                    text,
                    "  instructions per {case} signature: valgrind not found (goal <= {goal})"
                );
            }
        }
    }
    println!("{text}");
}

fn main() {
    let since = SystemTime::now();
    let mut c = Criterion::default().configure_from_args();
    let mut groups = [
        ("sign", sign_group()),
        ("bound", bound_group()),
        ("verify", verify_group()),
        ("parse", parse_group()),
    ];
    for (name, group) in groups.iter_mut() {
        // The request head is measured between verifying and parsing.
        if *name == "parse" {
            bench_request(&mut c);
        }
        bench_group(&mut c, name, group);
    }
    c.final_summary();
    summary(since, &mut groups);
}
