//! `copy_source`: `CopySource::parse` on arbitrary text against a
//! reference reading of the grammar, and build → write → parse round trips
//! from arbitrary parts.

use super::input::Input;
use super::reference;
use tencent_cos_core::Output;
use tencent_cos_core::{CopySource, CopySourceError, Domain, HostKind, OutputError};

const KINDS: [HostKind; 4] = [
    HostKind::Cos,
    HostKind::CosInternal,
    HostKind::CosV6,
    HostKind::CosCdc,
];
const DOMAINS: [Domain; 2] = [Domain::MyQcloud, Domain::TencentCos];

const BUCKETS: &[&str] = &[
    "sourcebucket-1250000000",
    "a-1",
    "examplebucket-1250000000",
    "a--b-0",
    "-a-1",
    "a-",
    "a",
    "A-1",
    "a-12345678901234567890",
    "a-123456789012345678901",
];
const REGIONS: &[&str] = &[
    "ap-guangzhou",
    "ap-beijing",
    "r",
    "",
    "-r",
    "r-",
    "R",
    "a.b",
];
const KEYS: &[&str] = &[
    "源文件/report + final~*.txt",
    "/a",
    "//a",
    "/",
    "",
    "a/../b",
    "%41",
    "a?versionId=x",
    "~-_.",
];
const VERSIONS: &[&str] = &[
    "MTg0NDUxNTc1NjIzMTQ1MDAwODg",
    "a+b/c=",
    "",
    "a&b",
    "a b",
    "%41",
];

/// `a-z 0-9 -`, 1..=max, no `-` at either end.
fn is_label(s: &str, max: usize) -> bool {
    (1..=max).contains(&s.len())
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn valid_bucket(b: &str) -> bool {
    b.rsplit_once('-').is_some_and(|(name, appid)| {
        is_label(name, 50)
            && (1..=20).contains(&appid.len())
            && appid.bytes().all(|c| c.is_ascii_digit())
    })
}

fn valid_version(v: &str) -> bool {
    !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.~+/=".contains(&b))
}

/// The parts of a header value, read straight from the grammar.
#[derive(Debug, PartialEq, Eq)]
struct Parts<'a> {
    bucket: &'a str,
    kind: HostKind,
    region: &'a str,
    domain: Domain,
    key: &'a str,
    version: Option<&'a str>,
}

fn reference_parse(v: &str) -> Option<Parts<'_>> {
    let lower = v.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return None;
    }
    let slash = v.find('/')?;
    let (host, path) = (&v[..slash], &v[slash + 1..]);
    if host.contains('?') {
        return None;
    }
    let (rest, domain) = DOMAINS.iter().find_map(|d| {
        host.strip_suffix(d.as_str())
            .and_then(|r| r.strip_suffix('.'))
            .map(|r| (r, *d))
    })?;
    let labels: Vec<&str> = rest.split('.').collect();
    let [bucket, kind, region] = labels[..] else {
        return None;
    };
    let kind = *KINDS.iter().find(|k| k.as_str() == kind)?;
    if !valid_bucket(bucket) || !is_label(region, 63) {
        return None;
    }
    let (key, version) = match path.split_once('?') {
        Some((k, q)) => (k, Some(q.strip_prefix("versionId=")?)),
        None => (path, None),
    };
    let b = key.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = |j: usize| b.get(j).is_some_and(|c| c.is_ascii_hexdigit());
            if !(hex(i + 1) && hex(i + 2)) {
                return None;
            }
            i += 3;
        } else if b[i].is_ascii_graphic() {
            i += 1;
        } else {
            return None;
        }
    }
    if key.is_empty() || version.is_some_and(|v| !valid_version(v)) {
        return None;
    }
    Some(Parts {
        bucket,
        kind,
        region,
        domain,
        key,
        version,
    })
}

fn show(src: &CopySource<'_>) -> String {
    let mut s = String::new();
    src.write_to(&mut s).expect("String");
    s
}

/// Output, length and the small-buffer error agree.
fn writes(src: &CopySource<'_>) -> String {
    let s = show(src);
    assert_eq!(src.to_string(), s);
    assert_eq!(src.len(), s.len());
    let mut buf = vec![0u8; s.len()];
    assert_eq!(src.to_slice(&mut buf), Ok(s.as_str()));
    let mut short = vec![0u8; s.len() - 1];
    assert_eq!(
        src.to_slice(&mut short),
        Err(OutputError::BufferTooSmall { needed: s.len() })
    );
    s
}

fn decoded(src: &CopySource<'_>) -> Result<String, CopySourceError> {
    let mut buf = vec![0u8; src.decoded_key_len()];
    let r = src.decode_key(&mut buf).map(str::to_string);
    if src.decoded_key_len() > 0 {
        let mut short = vec![0u8; src.decoded_key_len() - 1];
        assert_eq!(
            src.decode_key(&mut short),
            Err(CopySourceError::BufferTooSmall {
                needed: src.decoded_key_len()
            })
        );
    }
    r
}

fn check_parse(text: &str) {
    let want = reference_parse(text);
    let got = CopySource::parse(text);
    assert_eq!(got.is_ok(), want.is_some(), "{text:?}: {got:?}");
    let (Ok(src), Some(want)) = (got, want) else {
        return;
    };
    assert_eq!(writes(&src), text);
    let parts = Parts {
        bucket: src.bucket(),
        kind: src.host_kind(),
        region: src.region(),
        domain: src.domain(),
        key: src.encoded_key().expect("parsed"),
        version: src.version_id(),
    };
    assert_eq!(parts, want);
    assert_eq!(src.raw_key(), None);
    assert_eq!(
        format!("{}-{}", src.bucket_name(), src.appid()),
        src.bucket()
    );
    let raw = reference::decode(want.key).expect("checked escapes");
    assert_eq!(src.decoded_key_len(), raw.len());
    match (decoded(&src), String::from_utf8(raw)) {
        (Ok(key), Ok(want)) => {
            assert_eq!(key, want);
            // Built again from its parts, it names the same object.
            let slashed = format!("/{key}");
            let built = CopySource::new(src.bucket(), src.region(), &slashed)
                .expect("valid parts")
                .with_host(src.host_kind(), src.domain());
            let built = match src.version_id() {
                Some(v) => built.with_version_id(v).expect("valid id"),
                None => built,
            };
            let text = writes(&built);
            let back = CopySource::parse(&text).expect("own output");
            assert_eq!(decoded(&back), Ok(key));
        }
        (Err(e), Err(_)) => assert_eq!(e, CopySourceError::KeyNotUtf8),
        (got, want) => panic!("{text:?}: decoded {got:?}, expected {want:?}"),
    }
}

fn check_build(input: &mut Input<'_>) {
    let bucket = input.word_or_text(BUCKETS, 80);
    let region = input.word_or_text(REGIONS, 70);
    let key = input.word_or_text(KEYS, 900);
    let kind = KINDS[input.below(4)];
    let domain = DOMAINS[input.below(2)];
    let version = input.bool().then(|| input.word_or_text(VERSIONS, 40));

    let stripped = key.strip_prefix('/').unwrap_or(&key);
    let built = CopySource::new(&bucket, &region, &key);
    let ok = valid_bucket(&bucket) && is_label(&region, 63) && !stripped.is_empty();
    assert_eq!(
        built.is_ok(),
        ok,
        "{bucket:?} {region:?} {key:?}: {built:?}"
    );
    let Ok(src) = built else { return };
    let mut src = src.with_host(kind, domain);
    if let Some(v) = &version {
        match src.with_version_id(v) {
            Ok(s) => src = s,
            Err(e) => {
                assert!(!valid_version(v));
                assert_eq!(e, CopySourceError::InvalidVersionId);
                return;
            }
        }
        assert!(valid_version(v));
    }
    assert_eq!(src.raw_key(), Some(stripped));
    assert_eq!(src.encoded_key(), None);
    assert_eq!(decoded(&src).as_deref(), Ok(stripped));

    let text = writes(&src);
    let encoded: String = stripped
        .split('/')
        .map(|s| reference::encode(s.as_bytes()))
        .collect::<Vec<_>>()
        .join("/");
    let mut want = format!("{bucket}.{kind}.{region}.{domain}/{encoded}");
    if let Some(v) = &version {
        want.push_str("?versionId=");
        want.push_str(v);
    }
    assert_eq!(text, want);

    let back = CopySource::parse(&text).expect("own output parses");
    assert_eq!(writes(&back), text);
    assert_eq!(back.bucket(), bucket);
    assert_eq!(back.region(), region);
    assert_eq!((back.host_kind(), back.domain()), (kind, domain));
    assert_eq!(back.version_id(), version.as_deref());
    assert_eq!(decoded(&back).as_deref(), Ok(stripped));
}

/// Runs the check on one input.
pub fn check(data: &[u8]) {
    let mut input = Input::new(data);
    if input.bool() {
        check_build(&mut input);
    } else {
        // Mostly a real host in front of free text, so that the key and
        // the query are reached.
        let text = match input.byte() % 4 {
            0 => String::from_utf8_lossy(input.rest()).into_owned(),
            1 => input.text(400),
            _ => {
                let bucket = input.word_or_text(BUCKETS, 30);
                let region = input.word_or_text(REGIONS, 30);
                let kind = KINDS[input.below(4)];
                let domain = DOMAINS[input.below(2)];
                format!("{bucket}.{kind}.{region}.{domain}/{}", input.text(300))
            }
        };
        check_parse(&text);
    }
}
