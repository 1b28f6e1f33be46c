//! Runs the `cos-tool` example's `upload-part-copy` and `plan` subcommands
//! as a program: the printed request heads reproduce the SDK wire captures
//! of the signature vectors, every flag reaches the request, bad values
//! exit 1 and usage errors exit 2; the printed plans cover their object
//! exactly.
//!
//! The binary is built once with `cargo build --example cos-tool
//! --message-format=json` (same cargo, same features as this test), and its
//! path is read from cargo's own report, so no target directory is guessed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc
)]

use serde_json::Value;
use std::process::{Command, Output, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};
use tencent_cos_core::{Authorization, CanonicalRequest, VerifyPolicy};

mod support;
use support::tool;

const ENV_VARS: [&str; 3] = ["COS_SECRET_ID", "COS_SECRET_KEY", "COS_SECURITY_TOKEN"];

/// Runs the tool with `args`, the credential variables of this process
/// removed and `env` set instead.
fn run_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(tool());
    cmd.args(args).stdin(Stdio::null());
    for var in ENV_VARS {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn run(args: &[&str]) -> Output {
    run_env(args, &[])
}

fn vector(name: &str) -> Value {
    let text = include_str!("data/signature-vectors.json");
    serde_json::from_str::<Vec<Value>>(text)
        .unwrap()
        .into_iter()
        .find(|v| v["name"] == name)
        .unwrap()
}

const ID: &str = "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q";
const SK: &str = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz";
const UPLOAD: &str = "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361";
const ETAG: &str = "\"ee8de918d05640145b18f70f4c3aa602\"";

/// The destination, part and credential flags shared by most runs.
fn base() -> Vec<String> {
    [
        "upload-part-copy",
        "--bucket",
        "examplebucket-1250000000",
        "--region",
        "ap-guangzhou",
        "--key",
        "dest/big-file.bin",
        "--part-number",
        "1",
        "--upload-id",
        UPLOAD,
        "--secret-id",
        ID,
        "--secret-key",
        SK,
    ]
    .map(String::from)
    .to_vec()
}

/// The source flags of the Python vector.
const PY_SOURCE: [&str; 8] = [
    "--source-bucket",
    "sourcebucket-1250000000",
    "--source-region",
    "ap-guangzhou",
    "--source-key",
    "源文件/report + final~*.txt",
    "--version-id",
    "MTg0NDUxNTc1NjIzMTQ1MDAwODg",
];

fn with(mut args: Vec<String>, more: &[&str]) -> Vec<String> {
    args.extend(more.iter().map(|s| (*s).to_owned()));
    args
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// A printed head: request line and headers in order.
struct Head {
    request_line: String,
    headers: Vec<(String, String)>,
}

impl Head {
    /// Splits stdout, checking the CRLF framing on the way.
    fn parse(out: &Output) -> Self {
        assert!(out.status.success(), "{out:?}");
        assert!(out.stderr.is_empty(), "{out:?}");
        let text = String::from_utf8(out.stdout.clone()).unwrap();
        let body = text
            .strip_suffix("\r\n\r\n")
            .expect("head ends with a blank line");
        let mut lines = body.split("\r\n");
        let request_line = lines.next().unwrap().to_owned();
        let headers = lines
            .map(|l| {
                assert!(!l.contains('\n') && !l.contains('\r'), "{l:?}");
                let (n, v) = l.split_once(": ").unwrap();
                (n.to_owned(), v.to_owned())
            })
            .collect();
        Self {
            request_line,
            headers,
        }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Checks the Authorization as COS would, at `now`, for a key whose
    /// wire path needs no decoding.
    fn verify(&self, now: u64) {
        let target = self
            .request_line
            .strip_prefix("PUT ")
            .unwrap()
            .strip_suffix(" HTTP/1.1")
            .unwrap();
        let (path, query) = target.split_once('?').unwrap();
        let params: Vec<(&str, &str)> = query
            .split('&')
            .map(|p| p.split_once('=').unwrap())
            .collect();
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .filter(|(n, _)| n != "Authorization")
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let auth = Authorization::parse(self.get("Authorization").unwrap()).unwrap();
        let req = CanonicalRequest::new("PUT", path, &params, &headers);
        auth.verify(&req, SK, now, &VerifyPolicy::STRICT).unwrap();
        // Every header sent is signed.
        assert_eq!(auth.header_names().count(), headers.len());
    }
}

#[test]
fn upload_part_copy_from_parts_reproduces_the_python_wire_capture() {
    let v = vector("python_full_upload_part_copy_versioned_conditional");
    let args = with(base(), &PY_SOURCE);
    let args = with(
        args,
        &[
            "--range",
            "0-1048575",
            "--if-match",
            ETAG,
            "--key-time",
            "1700000000;1700010060",
        ],
    );
    let out = run(&strs(&args));
    let head = Head::parse(&out);
    assert_eq!(
        head.request_line,
        format!("PUT /dest/big-file.bin?partNumber=1&uploadId={UPLOAD} HTTP/1.1")
    );
    assert_eq!(
        head.get("Authorization").unwrap(),
        v["expected_authorization"].as_str().unwrap()
    );
    // Exactly the headers the SDK signed, with its values, and Authorization last.
    let signed = v["signed_headers"].as_object().unwrap();
    assert_eq!(head.headers.len(), signed.len() + 1);
    for (name, value) in signed {
        assert_eq!(head.get(name), value.as_str(), "{name}");
    }
    assert_eq!(head.headers.last().unwrap().0, "Authorization");
    // The secret key is never printed.
    assert!(!String::from_utf8_lossy(&out.stdout).contains(SK));

    // The same range as offset and length, and as a header value.
    for range in [
        &["--offset", "0", "--length", "1048576"][..],
        &["--range", "bytes=0-1048575"],
    ] {
        let args = with(with(base(), &PY_SOURCE), range);
        let args = with(
            args,
            &["--if-match", ETAG, "--key-time=1700000000;1700010060"],
        );
        assert_eq!(run(&strs(&args)).stdout, out.stdout, "{range:?}");
    }
}

#[test]
fn upload_part_copy_with_a_source_value_reproduces_the_node_wire_capture() {
    let v = vector("node_full_upload_part_copy_versioned_conditional");
    let value = v["signed_headers"]["x-cos-copy-source"].as_str().unwrap();
    let args = with(
        base(),
        &[
            "--source",
            value,
            "--range",
            "0-1048575",
            "--if-match",
            ETAG,
            "--key-time",
            "1700000000;1700000900",
        ],
    );
    let head = Head::parse(&run(&strs(&args)));
    assert_eq!(
        head.request_line,
        format!("PUT /dest/big-file.bin?partNumber=1&uploadId={UPLOAD} HTTP/1.1")
    );
    assert_eq!(
        head.get("Authorization").unwrap(),
        v["expected_authorization"].as_str().unwrap()
    );
    // Sent verbatim: the literal `*` Node wrote stays.
    assert_eq!(head.get("x-cos-copy-source").unwrap(), value);
}

#[test]
fn credentials_come_from_the_environment_when_the_flags_are_absent() {
    let full = with(
        with(base(), &PY_SOURCE),
        &["--if-match", ETAG, "--key-time", "1700000000;1700010060"],
    );
    let expected = run(&strs(&full));
    assert!(expected.status.success());
    let without: Vec<String> = full
        .iter()
        .enumerate()
        .filter(|(i, _)| !(11..15).contains(i))
        .map(|(_, a)| a.clone())
        .collect();
    assert!(!without.iter().any(|a| a.starts_with("--secret")));
    let env = [("COS_SECRET_ID", ID), ("COS_SECRET_KEY", SK)];
    assert_eq!(run_env(&strs(&without), &env).stdout, expected.stdout);

    // Flags win over the environment; an empty token variable is unset.
    let env = [
        ("COS_SECRET_ID", "AKIDother"),
        ("COS_SECRET_KEY", "other"),
        ("COS_SECURITY_TOKEN", ""),
    ];
    assert_eq!(run_env(&strs(&full), &env).stdout, expected.stdout);

    // A token from the environment is sent and signed.
    let env = [
        ("COS_SECRET_ID", ID),
        ("COS_SECRET_KEY", SK),
        ("COS_SECURITY_TOKEN", "sts-token/abc+def="),
    ];
    let head = Head::parse(&run_env(&strs(&without), &env));
    assert_eq!(head.get("x-cos-security-token"), Some("sts-token/abc+def="));
    assert!(
        head.get("Authorization")
            .unwrap()
            .contains(";x-cos-security-token&")
    );
    head.verify(1_700_000_001);
}

#[test]
fn every_other_flag_reaches_the_signed_request() {
    let md5 = "2ZuMoy0dM1p8B7XzEKMNZA==";
    let sse_key = "MDEyMzQ1Njc4OUFCQ0RFRjAxMjM0NTY3ODlBQkNERUY=";
    let args = [
        "upload-part-copy",
        "--host",
        "127.0.0.1:9000",
        "--key=/plain/dest.bin",
        "--part-number=10000",
        "--upload-id",
        UPLOAD,
        "--source-bucket",
        "sourcebucket-1250000000",
        "--source-region",
        "ap-beijing",
        "--source-key",
        "src.bin",
        "--source-host-kind",
        "cos-internal",
        "--source-domain",
        "tencentcos.cn",
        "--offset",
        "10",
        "--length",
        "91",
        "--if-none-match",
        ETAG,
        "--if-modified-since",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "--sse-c-key",
        sse_key,
        "--sse-c-key-md5",
        md5,
        "--secret-id",
        ID,
        "--secret-key",
        SK,
        "--token",
        "tok",
        "--now",
        "1700000000",
        "--lifetime",
        "60",
        "--backdate",
        "0",
    ];
    let head = Head::parse(&run(&args));
    assert_eq!(
        head.request_line,
        format!("PUT /plain/dest.bin?partNumber=10000&uploadId={UPLOAD} HTTP/1.1")
    );
    let expected = [
        ("Host", "127.0.0.1:9000"),
        ("Content-Length", "0"),
        (
            "x-cos-copy-source",
            "sourcebucket-1250000000.cos-internal.ap-beijing.tencentcos.cn/src.bin",
        ),
        ("x-cos-copy-source-range", "bytes=10-100"),
        ("x-cos-copy-source-If-None-Match", ETAG),
        (
            "x-cos-copy-source-If-Modified-Since",
            "Sun, 06 Nov 1994 08:49:37 GMT",
        ),
        (
            "x-cos-copy-source-server-side-encryption-customer-algorithm",
            "AES256",
        ),
        (
            "x-cos-copy-source-server-side-encryption-customer-key",
            sse_key,
        ),
        (
            "x-cos-copy-source-server-side-encryption-customer-key-MD5",
            md5,
        ),
        ("x-cos-security-token", "tok"),
    ];
    let got: Vec<(&str, &str)> = head
        .headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .take(expected.len())
        .collect();
    assert_eq!(got, expected);
    assert_eq!(head.headers.len(), expected.len() + 1);
    let auth = head.get("Authorization").unwrap();
    assert!(
        auth.contains("&q-sign-time=1700000000;1700000060&q-key-time=1700000000;1700000060&"),
        "{auth}"
    );
    head.verify(1_700_000_030);
}

#[test]
fn condition_dates_are_read_in_every_accepted_form() {
    // 784111777 is Sun, 06 Nov 1994 08:49:37 GMT.
    for date in [
        "784111777",
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "1994-11-06T08:49:37Z",
        "1994-11-06T16:49:37+08:00",
    ] {
        let args = with(
            with(base(), &PY_SOURCE),
            &[
                "--if-match",
                ETAG,
                "--if-unmodified-since",
                date,
                "--now",
                "1700000000",
            ],
        );
        let head = Head::parse(&run(&strs(&args)));
        assert_eq!(
            head.get("x-cos-copy-source-If-Unmodified-Since"),
            Some("Sun, 06 Nov 1994 08:49:37 GMT"),
            "{date}"
        );
        assert_eq!(head.get("x-cos-copy-source-If-Match"), Some(ETAG));
        let auth = head.get("Authorization").unwrap();
        assert!(
            auth.contains("&q-key-time=1699999940;1700003600&"),
            "{auth}"
        );
    }
}

#[test]
fn without_a_time_flag_the_window_is_around_the_system_clock() {
    let args = with(with(base(), &PY_SOURCE), &[]);
    let before = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let head = Head::parse(&run(&strs(&args)));
    let after = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let auth = Authorization::parse(head.get("Authorization").unwrap()).unwrap();
    let kt = auth.key_time();
    let now = kt.end() - 3600;
    assert_eq!(kt.start(), now - 60);
    assert!((before..=after).contains(&now), "{before} {now} {after}");
    assert_eq!(auth.sign_time(), kt);
}

/// Runs and checks the exit code, an empty stdout and a message on stderr
/// that holds `why` and never the secret key.
fn fails(args: &[&str], env: &[(&str, &str)], code: i32, why: &str) {
    let out = run_env(args, env);
    assert_eq!(out.status.code(), Some(code), "{args:?}: {out:?}");
    assert!(out.stdout.is_empty(), "{args:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains(why), "{args:?}: {err:?} should say {why:?}");
    assert!(!err.contains(SK), "{args:?}: the secret key was printed");
    assert_eq!(err.contains("Usage: cos-tool"), code == 2, "{err}");
}

#[test]
fn bad_values_exit_1_with_the_crates_message() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--if-match", ETAG, "--if-none-match", ETAG],
            "conditional copy headers in a combination COS refuses (--if-match with --if-none-match)",
        ),
        (
            &["--if-match", ETAG, "--if-modified-since", "784111777"],
            "(--if-match with --if-modified-since)",
        ),
        (
            &[
                "--if-none-match",
                ETAG,
                "--if-unmodified-since",
                "784111777",
            ],
            "combination COS refuses",
        ),
        (
            &[
                "--if-match",
                ETAG,
                "--if-unmodified-since",
                "1",
                "--if-modified-since",
                "2",
            ],
            "combination COS refuses",
        ),
        (
            &["--if-match", "ee8de918"],
            "--if-match: entity-tag is not in double quotes",
        ),
        (&["--if-none-match", "*"], "entity-tag '*' is not accepted"),
        (
            &["--if-modified-since", "Mon, 06 Nov 1994 08:49:37 GMT"],
            "--if-modified-since: date's weekday does not match its day",
        ),
        (
            &["--if-modified-since", "253402300800"],
            "--if-modified-since: date outside",
        ),
        (&["--range", "5-1"], "--range: byte range starts after"),
        (&["--range", "5-"], "--range: byte range is open-ended"),
        (
            &["--offset", "0", "--length", "0"],
            "--offset/--length: byte range is empty",
        ),
        (
            &["--key-time", "2;1"],
            "--key-time: key time starts after it ends",
        ),
        (&["--key-time", "1-2"], "--key-time must be START;END"),
        (
            &["--now", "18446744073709551615"],
            "key time: key time end overflows",
        ),
        (&["--now", "-1"], "--now must be a decimal number"),
        (&["--token", ""], "credentials: security token is empty"),
        (
            &["--sse-c-key", "short", "--sse-c-key-md5", "short"],
            "SSE-C key must be 44 base64 characters",
        ),
    ];
    for (extra, why) in cases {
        let args = with(with(base(), &PY_SOURCE), extra);
        fails(&strs(&args), &[], 1, why);
    }

    // Destination and source values.
    let replace = |flag: &str, value: &str| -> Vec<String> {
        let mut args = with(base(), &PY_SOURCE);
        let i = args.iter().position(|a| a == flag).unwrap();
        args[i + 1] = value.to_owned();
        args
    };
    for (flag, value, why) in [
        (
            "--part-number",
            "0",
            "--part-number: part number is outside 1..=10000",
        ),
        ("--part-number", "10001", "part number is outside 1..=10000"),
        ("--part-number", "65537", "part number is outside 1..=10000"),
        (
            "--part-number",
            "1x",
            "--part-number must be a decimal number",
        ),
        (
            "--upload-id",
            "a b",
            "upload id is empty or holds whitespace",
        ),
        (
            "--bucket",
            "Example-1250000000",
            "bucket host: bucket name must be",
        ),
        ("--region", "ap_guangzhou", "bucket host: region must be"),
        ("--key", "", "object key is empty"),
        (
            "--source-bucket",
            "nobucket",
            "source: bucket must end in '-' and an APPID",
        ),
        (
            "--version-id",
            "a b",
            "--version-id: versionId must be non-empty",
        ),
        (
            "--secret-key",
            " padded",
            "credentials: SecretKey has leading or trailing",
        ),
        ("--secret-id", "a&b", "credentials: SecretId holds"),
    ] {
        fails(&strs(&replace(flag, value)), &[], 1, why);
    }
    let args = with(
        base(),
        &[
            "--source",
            "http://sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com/k",
        ],
    );
    fails(
        &strs(&args),
        &[],
        1,
        "--source: copy source must not start with http",
    );
    let args = with(with(base(), &PY_SOURCE), &["--domain", "example.com"]);
    fails(
        &strs(&args),
        &[],
        1,
        "--domain must be myqcloud.com or tencentcos.cn",
    );
    let args = with(with(base(), &PY_SOURCE), &["--source-host-kind", "cdn"]);
    fails(
        &strs(&args),
        &[],
        1,
        "--source-host-kind must be cos, cos-internal",
    );
    let mut args = with(base(), &PY_SOURCE);
    args.splice(1..5, ["--host", "bad host"].map(String::from));
    fails(&strs(&args), &[], 1, "host is empty or invalid");
}

#[test]
fn usage_errors_exit_2_and_name_the_flag() {
    let full = with(base(), &PY_SOURCE);
    let without = |flags: &[&str]| -> Vec<String> {
        let mut out = Vec::new();
        let mut it = full.iter();
        while let Some(a) = it.next() {
            if flags.contains(&a.as_str()) {
                it.next();
            } else {
                out.push(a.clone());
            }
        }
        out
    };
    for (flag, why) in [
        ("--upload-id", "missing --upload-id"),
        ("--key", "missing --key"),
        ("--part-number", "missing --part-number"),
        ("--region", "missing --region"),
        ("--source-key", "missing --source-key"),
        ("--secret-id", "missing --secret-id (or COS_SECRET_ID)"),
        ("--secret-key", "missing --secret-key (or COS_SECRET_KEY)"),
    ] {
        fails(&strs(&without(&[flag])), &[], 2, why);
    }
    fails(
        &strs(&without(&["--bucket", "--region"])),
        &[],
        2,
        "missing the destination",
    );
    fails(
        &strs(&without(&[
            "--source-bucket",
            "--source-region",
            "--source-key",
            "--version-id",
        ])),
        &[],
        2,
        "missing the source",
    );
    // An empty variable is unset.
    fails(
        &strs(&without(&["--secret-id"])),
        &[("COS_SECRET_ID", "")],
        2,
        "missing --secret-id",
    );

    let cases: &[(&[&str], &str)] = &[
        (&["--frobnicate", "1"], "unknown flag '--frobnicate'"),
        (&["--secret-kye=SECRET"], "unknown flag '--secret-kye'"),
        (&["stray"], "argument 23 is a value without a flag"),
        (&["--key", "again"], "--key is given more than once"),
        (&["--if-match"], "--if-match needs a value"),
        (&["--host", "h"], "--host and --bucket exclude each other"),
        (
            &[
                "--source",
                "sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com/k",
            ],
            "--source and --source-bucket exclude each other",
        ),
        (&["--range", "0-1", "--offset", "0"], "--range excludes"),
        (&["--offset", "0"], "--offset and --length go together"),
        (
            &["--sse-c-key", "k"],
            "--sse-c-key and --sse-c-key-md5 go together",
        ),
        (
            &["--key-time", "1;2", "--lifetime", "5"],
            "--key-time and --lifetime exclude each other",
        ),
    ];
    for (extra, why) in cases {
        fails(&strs(&with(full.clone(), extra)), &[], 2, why);
    }
    let mut args = with(base(), &PY_SOURCE);
    args.splice(1..3, ["--host", "h"].map(String::from));
    fails(
        &strs(&args),
        &[],
        2,
        "--region goes with --bucket, not --host",
    );
}

/// Runs `plan` and returns the parts as (number, first, last), checking
/// the line format against the printed text.
fn plan(args: &[&str]) -> Vec<(u64, u64, u64)> {
    let out = run(&[&["plan"], args].concat());
    assert!(out.status.success(), "{args:?}: {out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.ends_with('\n'));
    text.lines()
        .map(|l| {
            let (n, range) = l.split_once(' ').unwrap();
            let (first, last) = range
                .strip_prefix("bytes=")
                .unwrap()
                .split_once('-')
                .unwrap();
            let part = (
                n.parse().unwrap(),
                first.parse().unwrap(),
                last.parse().unwrap(),
            );
            assert_eq!(l, format!("{} bytes={}-{}", part.0, part.1, part.2));
            part
        })
        .collect()
}

/// Checks that the parts are numbered 1.. and cover `[0, size)` without
/// gap or overlap; returns the size of the first part.
fn covers(parts: &[(u64, u64, u64)], size: u64) -> u64 {
    let mut next = 0;
    for (i, &(n, first, last)) in parts.iter().enumerate() {
        assert_eq!(n, i as u64 + 1);
        assert_eq!(first, next);
        assert!(last >= first);
        next = last + 1;
    }
    assert_eq!(next, size);
    parts[0].2 + 1
}

#[test]
fn plan_prints_contiguous_parts_covering_the_object() {
    let parts = plan(&["--size", "67108864"]);
    assert_eq!(parts.len(), 8);
    assert_eq!(covers(&parts, 67_108_864), 8_388_608);
    assert_eq!(parts[7], (8, 58_720_256, 67_108_863));

    assert_eq!(plan(&["--size", "1"]), [(1, 0, 0)]);
    let out = run(&["plan", "--size", "1"]);
    assert_eq!(out.stdout, b"1 bytes=0-0\n");

    let parts = plan(&["--size", "20971521", "--part-size=1048576"]);
    assert_eq!(parts.len(), 21);
    assert_eq!(covers(&parts, 20_971_521), 1_048_576);
    assert_eq!(parts[20], (21, 20_971_520, 20_971_520));

    // A part size under 1 MiB is raised to 1 MiB.
    assert_eq!(
        covers(&plan(&["--size", "3145728", "--part-size", "1"]), 3_145_728),
        1 << 20
    );
}

#[test]
fn plan_grows_the_part_size_past_10000_parts() {
    // 10000 parts of 8 MiB and one byte more: 9 MiB parts.
    let size = 10_000 * 8_388_608 + 1;
    let parts = plan(&["--size", &size.to_string()]);
    assert!(parts.len() <= 10_000);
    assert_eq!(covers(&parts, size), 9 << 20);
    assert_eq!(parts.len(), 8_889);

    // 100 GiB in 1 MiB parts would be 102400 parts: 11 MiB each.
    let size = 100u64 << 30;
    let parts = plan(&["--size", &size.to_string(), "--part-size", "1048576"]);
    assert!(parts.len() <= 10_000);
    assert_eq!(covers(&parts, size), 11 << 20);

    // The largest object: 10000 parts of 5 GiB.
    let size = 10_000 * (5u64 << 30);
    let parts = plan(&["--size", &size.to_string()]);
    assert_eq!(parts.len(), 10_000);
    assert_eq!(covers(&parts, size), 5 << 30);
}

#[test]
fn plan_errors() {
    fails(
        &["plan", "--size", "0"],
        &[],
        1,
        "an empty object cannot be copied in parts",
    );
    fails(
        &["plan", "--size", "53687091200001"],
        &[],
        1,
        "object is larger than 10000 parts of 5 GiB",
    );
    for (args, why) in [
        (
            &["plan", "--size", "1e6"][..],
            "--size must be a decimal number",
        ),
        (&["plan", "--size", "-5"], "--size must be a decimal number"),
        (
            &["plan", "--size", "99999999999999999999"],
            "does not fit in 64 bits",
        ),
        (
            &["plan", "--size", "5", "--part-size", "8M"],
            "--part-size must be a decimal number",
        ),
    ] {
        fails(args, &[], 1, why);
    }
    fails(&["plan"], &[], 2, "missing --size");
    fails(&["plan", "--part-size", "5"], &[], 2, "missing --size");
    fails(
        &["plan", "--size", "5", "--parts", "2"],
        &[],
        2,
        "unknown flag '--parts'",
    );
    fails(&["plan", "--size"], &[], 2, "--size needs a value");
}

#[test]
fn help_lists_both_subcommands_and_their_flags() {
    let out = run(&["--help"]);
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "upload-part-copy",
        "plan --size N [--part-size M]",
        "--source-host-kind",
        "--if-unmodified-since",
        "COS_SECURITY_TOKEN",
        "--key-time",
        "--backdate",
    ] {
        assert!(text.contains(needle), "{needle}");
    }
    for sub in ["upload-part-copy", "plan"] {
        let out = run(&[sub, "--help"]);
        assert!(out.status.success());
        assert_eq!(out.stdout, text.as_bytes());
    }
}
