//! The `cos-emulator` binary: its banner names the address, the buckets
//! and the credentials, and it serves signed requests.

mod support;

use cos_emulator::{SECRET_ID, SECRET_KEY};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use support::{Client, exchange, now};

#[test]
fn the_binary_prints_what_it_accepts_and_serves() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cos-emulator"))
        .args([
            "--port",
            "0",
            "--bucket",
            "mybucket-1250000000@ap-beijing",
            "--token",
            "sts-token",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut banner = Vec::new();
    loop {
        let mut line = String::new();
        assert!(out.read_line(&mut line).unwrap() > 0, "banner: {banner:?}");
        let done = line.starts_with("resolve ");
        banner.push(line.trim_end().to_owned());
        if done {
            break;
        }
    }
    let addr: SocketAddr = banner[0]
        .strip_prefix("cos-emulator listening on http://")
        .expect("the address first")
        .parse()
        .unwrap();
    let text = banner.join("\n");
    for want in [
        "policy COS",
        "objects: in memory",
        "mybucket-1250000000 (ap-beijing): Host mybucket-1250000000.cos.ap-beijing.myqcloud.com",
        &format!("SecretId  {SECRET_ID}"),
        &format!("SecretKey {SECRET_KEY}"),
        "token     sts-token",
    ] {
        assert!(text.contains(want), "{want:?} not in:\n{text}");
    }

    let now = now();
    let c = Client {
        addr,
        secret_id: SECRET_ID.into(),
        secret_key: SECRET_KEY.into(),
        token: Some("sts-token".into()),
        bucket: "mybucket-1250000000".into(),
        start: now - 60,
        end: now + 600,
    };
    let host = "mybucket-1250000000.cos.ap-beijing.myqcloud.com";
    let headers = [
        ("Host", host),
        ("Content-Length", "2"),
        ("x-cos-security-token", "sts-token"),
    ];
    let auth = c.authorization("PUT", "/k", &[], &headers);
    let mut all = headers.to_vec();
    all.push(("Authorization", &auth));
    let r = exchange(addr, &c.raw("PUT", "/k", &all, b"hi"), false, false);
    assert_eq!(r.status, 200);
    // The request is logged on stdout.
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line.trim_end(), format!("#1 PUT {host}/k -> 200"));
    child.kill().unwrap();
    child.wait().unwrap();
}
