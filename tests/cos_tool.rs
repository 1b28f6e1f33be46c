//! Runs the `cos-tool` example as a program: the `sign --jsonl` contract
//! against every agreed official vector, error lines in place, and the
//! stages printed by the default run.
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

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

mod support;
use support::{run, tool};

fn vectors() -> Vec<Value> {
    let text = include_str!("data/signature-vectors.json");
    serde_json::from_str::<Vec<Value>>(text).unwrap()
}

/// A JSON object as `[[name, value], ...]`.
fn pairs(obj: &Value) -> Value {
    Value::Array(
        obj.as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| json!([k, v]))
            .collect(),
    )
}

/// The `sign --jsonl` input line for a vector.
fn input_line(v: &Value) -> String {
    json!({
        "method": v["method"],
        "path": v["path"],
        "params": pairs(&v["params"]),
        "headers": pairs(&v["signed_headers"]),
        "secret_id": v["secret_id"],
        "secret_key": v["secret_key"],
        "key_time": format!("{};{}", v["start"], v["end"]),
    })
    .to_string()
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const BAD_LINES: [(&str, &str); 9] = [
    ("not json", "invalid JSON"),
    ("[1, 2]", "not a JSON object"),
    (r#"{"method":5}"#, r#"field "method" must be a string"#),
    (r#"{"method":"GET"}"#, r#"missing field "path""#),
    (
        r#"{"method":"GET","path":"/","secret_id":"a","secret_key":"k","key_time":"2;1"}"#,
        "key time starts after it ends",
    ),
    (
        r#"{"method":"GET","path":"/","secret_id":"a","secret_key":"k","key_time":"1-2"}"#,
        r#"field "key_time" must be "start;end""#,
    ),
    (
        r#"{"method":"GET","path":"/","secret_id":"a","secret_key":" k","key_time":"1;2"}"#,
        "SecretKey has leading or trailing whitespace",
    ),
    (
        r#"{"method":"GET","path":"/","headers":[["Host","a\nb"]],"secret_id":"a","secret_key":"k","key_time":"1;2"}"#,
        "header 0 has CR, LF or NUL in its value",
    ),
    (
        r#"{"method":"GET","path":"/","params":[["a"]],"secret_id":"a","secret_key":"k","key_time":"1;2"}"#,
        "params[0] must be a [name, value] array",
    ),
];

#[test]
fn sign_jsonl_matches_every_agreed_vector_and_reports_bad_lines_in_place() {
    let agreed: Vec<Value> = vectors()
        .into_iter()
        .filter(|v| v["divergent"] != true)
        .collect();
    assert!(agreed.len() >= 30, "only {} vectors", agreed.len());

    // Vector, bad line, blank line, vector, bad line, ... then a line of
    // invalid UTF-8 without a final newline.
    let mut input = Vec::new();
    let mut expected: Vec<Result<&Value, &str>> = Vec::new();
    for (i, v) in agreed.iter().enumerate() {
        input.extend_from_slice(input_line(v).as_bytes());
        input.push(b'\n');
        expected.push(Ok(v));
        if let Some((line, why)) = BAD_LINES.get(i) {
            input.extend_from_slice(line.as_bytes());
            input.extend_from_slice(b"\n \t\r\n\n");
            expected.push(Err(why));
        }
    }
    input.extend_from_slice(b"\xff\xfe{}");
    expected.push(Err("not valid UTF-8"));

    let out = run(&["sign", "--jsonl"], &input);
    assert!(out.status.success(), "{out:?}");
    let got = lines(&out);
    assert_eq!(got.len(), expected.len());
    for (got, want) in got.iter().zip(&expected) {
        let obj = got.as_object().unwrap();
        match want {
            Ok(v) => {
                let name = &v["name"];
                let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
                keys.sort_unstable();
                assert_eq!(
                    keys,
                    [
                        "authorization",
                        "http_string",
                        "signature",
                        "string_to_sign"
                    ],
                    "{name}"
                );
                assert_eq!(got["http_string"], v["http_string"], "{name}");
                assert_eq!(got["string_to_sign"], v["string_to_sign"], "{name}");
                assert_eq!(got["authorization"], v["expected_authorization"], "{name}");
                let auth = v["expected_authorization"].as_str().unwrap();
                let sig = auth.rsplit_once("&q-signature=").unwrap().1;
                assert_eq!(got["signature"], sig, "{name}");
            }
            Err(why) => {
                assert_eq!(obj.len(), 1, "{got}");
                let error = got["error"].as_str().unwrap();
                assert!(error.contains(why), "{error:?} should say {why:?}");
            }
        }
    }
}

#[test]
fn sign_jsonl_output_keys_and_order_are_exact() {
    let v = &vectors()[0];
    let out = run(&["sign", "--jsonl"], input_line(v).as_bytes());
    let text = String::from_utf8(out.stdout).unwrap();
    let expected = format!(
        "{{\"http_string\":{},\"string_to_sign\":{},\"signature\":{},\"authorization\":{}}}\n",
        v["http_string"],
        v["string_to_sign"],
        json!(
            v["expected_authorization"]
                .as_str()
                .unwrap()
                .rsplit_once('=')
                .unwrap()
                .1
        ),
        v["expected_authorization"],
    );
    assert_eq!(text, expected);
}

#[test]
fn sign_jsonl_accepts_absent_lists_a_valueless_param_a_token_and_extra_fields() {
    let line = r#"{"method":"POST","path":"/dest/obj","params":[["uploads",""]],"secret_id":"AKID","secret_key":"key","key_time":"1700000000;1700003600","token":"tok","comment":[1,{"x":null}]}"#;
    let out = run(&["sign", "--jsonl"], line.as_bytes());
    assert!(out.status.success());
    let got = &lines(&out)[0];
    assert_eq!(got["http_string"], "post\n/dest/obj\nuploads=\n\n");
    assert_eq!(
        got["authorization"]
            .as_str()
            .unwrap()
            .rsplit_once("&q-signature=")
            .unwrap()
            .0,
        "q-sign-algorithm=sha1&q-ak=AKID&q-sign-time=1700000000;1700003600\
         &q-key-time=1700000000;1700003600&q-header-list=&q-url-param-list=uploads"
    );
    // An empty token is refused by the crate, not silently dropped.
    let out = run(
        &["sign", "--jsonl"],
        line.replace(r#""tok""#, r#""""#).as_bytes(),
    );
    assert_eq!(
        lines(&out)[0]["error"],
        "bad credentials: security token is empty"
    );
}

#[test]
fn sign_jsonl_answers_each_line_before_the_next_arrives() {
    let mut child = Command::new(tool())
        .args(["sign", "--jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in stdout.lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let v = &vectors()[1];
    for _ in 0..2 {
        writeln!(stdin, "{}", input_line(v)).unwrap();
        stdin.flush().unwrap();
        // A generous bound that only guards against a hang when the tool
        // does not flush per line; no speed is asserted.
        let line = rx
            .recv_timeout(Duration::from_secs(120))
            .expect("no answer while stdin is still open: output not flushed per line");
        let got: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(got["authorization"], v["expected_authorization"]);
    }
    drop(stdin);
    assert!(child.wait().unwrap().success());
    reader.join().unwrap();
}

#[test]
fn default_run_prints_every_stage_of_the_upload_part_copy_example() {
    let out = run(&[], b"");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let stage = |label: &str| -> String {
        let prefix = format!("{label}:");
        let line = text
            .lines()
            .find(|l| l.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no {label} line in:\n{text}"));
        line[prefix.len()..].trim().to_owned()
    };
    assert!(text.contains("public example credentials") || text.contains("PUBLIC EXAMPLE"));
    assert!(text.contains("User-Agent") && text.contains("not signed"));

    let http_string = "put\\n/exampleobject\\npartnumber=1\
        &uploadid=1505706248ca8373f8a5cd52cb129f4bcf85e11dc8833df34f4f5bcc456c99c42cd1ffa2f9\\n\
        content-length=0&host=examplebucket-1250000000.cos.ap-shanghai.myqcloud.com\
        &x-cos-copy-source=examplebucket-1250000000.cos.ap-shanghai.myqcloud.com%2Fexampleobject1\
        &x-cos-copy-source-range=bytes%3D10-100\\n";
    assert_eq!(stage("HttpString"), http_string);

    // Oracle: the RustCrypto crates, independent of the crate's own SHA-1.
    use hmac::{KeyInit, Mac};
    use sha1::{Digest, Sha1};
    let hmac = |key: &[u8], msg: &[u8]| {
        let mut m = hmac::Hmac::<Sha1>::new_from_slice(key).unwrap();
        m.update(msg);
        hex::encode(m.finalize().into_bytes())
    };
    let key_time = "1507530223;1508530223";
    let sign_key = hmac(b"BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz", key_time.as_bytes());
    let digest = hex::encode(Sha1::digest(http_string.replace("\\n", "\n").as_bytes()));
    let string_to_sign = format!("sha1\n{key_time}\n{digest}\n");
    let signature = hmac(sign_key.as_bytes(), string_to_sign.as_bytes());

    assert_eq!(stage("StringToSign"), string_to_sign.replace('\n', "\\n"));
    assert_eq!(stage("SignKey"), sign_key);
    let auth = stage("Authorization");
    assert!(auth.starts_with("q-sign-algorithm=sha1&q-ak="), "{auth}");
    assert_eq!(
        auth,
        format!(
            "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q\
             &q-sign-time={key_time}&q-key-time={key_time}\
             &q-header-list=content-length;host;x-cos-copy-source;x-cos-copy-source-range\
             &q-url-param-list=partnumber;uploadid&q-signature={signature}"
        )
    );
}

#[test]
fn usage_errors_exit_2_and_help_lists_the_subcommands() {
    let help = run(&["--help"], b"");
    assert!(help.status.success());
    let text = String::from_utf8(help.stdout).unwrap();
    assert!(
        text.contains("sign --jsonl") && text.contains("example"),
        "{text}"
    );

    for args in [
        &["frobnicate"][..],
        &["sign"],
        &["sign", "--json"],
        &["example", "x"],
    ] {
        let out = run(args, b"");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("Usage: cos-tool"), "{args:?}: {err}");
    }
}
