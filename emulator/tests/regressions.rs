//! One test per failure of issue 19 ("What failed"), each against a
//! running emulator over real sockets, every XML answer read by a strict
//! XML parser (`support::exchange`).

mod support;

use cos_emulator::{
    Account, Config, DEST_BUCKET, Fault, MIN_PART, On, Op, Policy, REGION, SECRET_ID, SECRET_KEY,
    SOURCE_BUCKET, generate, offset_clock,
};
use std::time::Duration;
use support::{Client, encode, exchange, host_of, query, start};
use tencent_cos_core::Output;
use tencent_cos_core::{CanonicalRequest, KeyTime, Response, Selection};

const SKEWED: &str = "The difference between the request time and the server's time is too large.";

fn copy_source(key: &str) -> String {
    format!("{}/{}", host_of(SOURCE_BUCKET), encode(key, true))
}

/// An upload of two parts (1 MiB and 10 bytes) ready to complete.
fn two_parts(c: &Client, key: &str) -> (String, String, Vec<u8>) {
    let data = generate(5, MIN_PART as usize + 10);
    let id = c.initiate(key);
    let e1 = c.upload_part(key, &id, 1, &data[..MIN_PART as usize]);
    let e2 = c.upload_part(key, &id, 2, &data[MIN_PART as usize..]);
    (id, Client::complete_body(&[(1, &e1), (2, &e2)]), data)
}

// 1 ---------------------------------------------------------------------

#[test]
fn complete_sends_keep_alive_spaces_only_while_a_merge_is_slow() {
    let emu = start(Config {
        keepalive_after: Duration::from_millis(100),
        keepalive_interval: Duration::from_millis(40),
        ..Config::default()
    });
    let c = Client::new(&emu, DEST_BUCKET);
    // A fast merge: the XML declaration is the first byte.
    let (id, body, data) = two_parts(&c, "fast.bin");
    let r = c.send(
        "POST",
        "fast.bin",
        &[("uploadId", &id)],
        &[],
        body.as_bytes(),
    );
    assert_eq!(r.status, 200);
    assert!(r.body.starts_with(b"<?xml"), "{}", r.text());
    assert!(r.field("ETag").unwrap().ends_with("-2\""));
    assert_eq!(
        emu.object(DEST_BUCKET, "fast.bin").unwrap().as_slice(),
        data
    );

    // A slow merge: spaces while it runs, then the XML.
    let (id, body, _) = two_parts(&c, "slow.bin");
    emu.inject(
        On::Action(Op::Complete),
        Fault::SlowMerge(Duration::from_millis(400)),
        1,
    );
    let slow = complete_leniently(&c, "slow.bin", &id, &body);
    let spaces = slow.text().find('<').unwrap();
    assert!(spaces >= 3, "{:?}", slow.text());
    assert!(slow.text()[..spaces].bytes().all(|b| b == b' '));
    // Which a strict parser refuses: that is why they are sent only when
    // COS would send them.
    assert!(roxmltree::Document::parse(&slow.text()).is_err());

    // The injectable fault: exactly this many, however fast the merge.
    let (id, body, _) = two_parts(&c, "spaces.bin");
    emu.inject(On::Action(Op::Complete), Fault::KeepAliveSpaces(3), 1);
    let r = complete_leniently(&c, "spaces.bin", &id, &body);
    assert!(r.text().starts_with("   <?xml"), "{:?}", r.text());
}

/// Completes, accepting spaces before the XML.
fn complete_leniently(c: &Client, key: &str, id: &str, body: &str) -> support::Resp {
    let host = c.host();
    let len = body.len().to_string();
    let headers = [("Host", host.as_str()), ("Content-Length", len.as_str())];
    let auth = c.authorization("POST", &format!("/{key}"), &[("uploadId", id)], &headers);
    let mut all = headers.to_vec();
    all.push(("Authorization", &auth));
    let raw = c.raw(
        "POST",
        &format!("/{key}?uploadId={id}"),
        &all,
        body.as_bytes(),
    );
    let r = exchange(c.addr, &raw, false, true);
    assert_eq!(r.status, 200);
    r
}

// 2 ---------------------------------------------------------------------

#[test]
fn presigned_urls_are_verified() {
    let token = "tok+en/with=chars";
    let emu = start(Config {
        accounts: vec![
            Account {
                secret_id: SECRET_ID.into(),
                secret_key: SECRET_KEY.into(),
                token: None,
            },
            Account {
                secret_id: "AKIDtemporary".into(),
                secret_key: "temporarySecretKey".into(),
                token: Some(token.into()),
            },
        ],
        ..Config::default()
    });
    let c = Client::new(&emu, DEST_BUCKET);
    let key = "dir/a b+中.txt";
    assert_eq!(c.put(key, b"presigned").status, 200);
    let host = c.host();
    let path = format!("/{key}");
    let target = |q: &str| format!("/{}?{q}", encode(key, true));
    let get = |q: &str| {
        let raw = c.raw("GET", &target(q), &[("Host", &host)], b"");
        exchange(c.addr, &raw, false, false)
    };
    let signed_host = [("host", host.as_str())];

    // Permanent credentials, with a param of the request's own.
    let params = [("response-content-type", "text/plain")];
    let q = c.presigned_query("GET", &path, &params, &signed_host);
    let r = get(&format!("{}&{q}", query(&params)));
    assert_eq!((r.status, r.body.as_slice()), (200, &b"presigned"[..]));
    assert_eq!(r.header("Content-Type"), Some("text/plain"));

    // Temporary credentials, the token as a field after the signature (as
    // the crate and the Node SDK write it).
    let mut t = Client::new(&emu, DEST_BUCKET);
    t.secret_id = "AKIDtemporary".into();
    t.secret_key = "temporarySecretKey".into();
    t.token = Some(token.into());
    let q = t.presigned_query("GET", &path, &[], &signed_host);
    assert!(q.contains("&x-cos-security-token=tok%2Ben%2Fwith%3Dchars"));
    assert_eq!(get(&q).status, 200);
    // The token as a signed param (as the Python SDK's users add it).
    t.token = None;
    let params = [("x-cos-security-token", token)];
    let q = t.presigned_query("GET", &path, &params, &signed_host);
    assert_eq!(get(&format!("{}&{q}", query(&params))).status, 200);
    // No token, or a wrong one.
    let q = t.presigned_query("GET", &path, &[], &signed_host);
    assert_eq!(get(&q).code(), (403, "InvalidAccessKeyId".into()));
    let params = [("x-cos-security-token", "wrong")];
    let q = t.presigned_query("GET", &path, &params, &signed_host);
    assert_eq!(
        get(&format!("{}&{q}", query(&params))).code(),
        (403, "InvalidAccessKeyId".into())
    );

    // A tampered signature is explained; an old URL has expired.
    let q = c.presigned_query("GET", &path, &[], &signed_host);
    let tampered = format!("{}0", &q[..q.len() - 1]);
    let r = get(&if q.ends_with('0') {
        format!("{}1", &q[..q.len() - 1])
    } else {
        tampered
    });
    assert_eq!(r.code(), (403, "SignatureDoesNotMatch".into()));
    assert!(r.field("StringToSign").unwrap().starts_with("sha1\\n"));
    assert_eq!(
        r.field("FormatString").unwrap(),
        format!(
            "get\\n/dir/a b+中.txt\\n\\nhost={}\\n",
            encode(&host, false)
        )
    );
    let mut old = Client::new(&emu, DEST_BUCKET);
    (old.start, old.end) = (1_000, 2_000);
    let r = get(&old.presigned_query("GET", &path, &[], &signed_host));
    assert_eq!(
        (r.code(), r.field("Message")),
        (
            (403, "AccessDenied".into()),
            Some("Request has expired".into())
        )
    );
}

#[test]
fn a_presigned_url_with_all_its_params_passes_strict() {
    let emu = start(Config {
        policy: Policy::Strict,
        ..Config::default()
    });
    let c = Client::new(&emu, DEST_BUCKET);
    assert_eq!(c.put("k", b"x").status, 200);
    let host = c.host();
    let params = [("response-cache-control", "no-cache")];
    let q = c.presigned_query("GET", "/k", &params, &[("host", &host)]);
    let raw = c.raw(
        "GET",
        &format!("/k?{}&{q}", query(&params)),
        &[("Host", &host)],
        b"",
    );
    let r = exchange(c.addr, &raw, false, false);
    assert_eq!(
        (r.status, r.header("Cache-Control")),
        (200, Some("no-cache"))
    );
    // An unsigned param of the request's own is refused under STRICT.
    let q = c.presigned_query("GET", "/k", &[], &[("host", &host)]);
    let raw = c.raw(
        "GET",
        &format!("/k?{}&{q}", query(&params)),
        &[("Host", &host)],
        b"",
    );
    assert_eq!(
        exchange(c.addr, &raw, false, false).code(),
        (403, "AccessDenied".into())
    );
}

// 3 ---------------------------------------------------------------------

#[test]
fn plus_in_a_query_value_is_a_space_as_cos_reads_it() {
    let emu = start(Config::default());
    let c = Client::new(&emu, DEST_BUCKET);
    assert_eq!(c.put("a.txt", b"x").status, 200);
    let host = c.host();
    let send = |signed: &str, wire: &str| {
        let params = [("response-content-disposition", signed)];
        let auth = c.authorization("GET", "/a.txt", &params, &[("Host", &host)]);
        let raw = c.raw(
            "GET",
            &format!("/a.txt?response-content-disposition={wire}"),
            &[("Host", &host), ("Authorization", &auth)],
            b"",
        );
        exchange(c.addr, &raw, false, false)
    };
    // Python's HTTP stack sends a space as `+`; the SDK signs `%20`.
    let r = send(
        "attachment; filename=\"a b.txt\"",
        "attachment%3B+filename%3D%22a+b.txt%22",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.header("Content-Disposition"),
        Some("attachment; filename=\"a b.txt\"")
    );
    // A literal plus is `%2B`; a raw `+` meant as a plus fails, as on COS.
    let r = send("a+b", "a%2Bb");
    assert_eq!(
        (r.status, r.header("Content-Disposition")),
        (200, Some("a+b"))
    );
    assert_eq!(
        send("a+b", "a+b").code(),
        (403, "SignatureDoesNotMatch".into())
    );
}

// 4 ---------------------------------------------------------------------

#[test]
fn an_empty_copy_source_range_is_absent() {
    let emu = start(Config::default());
    let data = generate(4, 5000);
    emu.put_object(SOURCE_BUCKET, "src", data.clone());
    let c = Client::new(&emu, DEST_BUCKET);
    let id = c.initiate("dst");
    let source = copy_source("src");
    let r = c.send(
        "PUT",
        "dst",
        &[("partNumber", "1"), ("uploadId", &id)],
        &[
            ("x-cos-copy-source", &source),
            ("x-cos-copy-source-range", ""),
        ],
        b"",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.field("ETag"), Some(cos_emulator::etag_of(&data)));
    let parts = c.send("GET", "dst", &[("uploadId", &id)], &[], b"");
    assert_eq!(parts.fields("Size"), ["5000"]);
}

// 5 ---------------------------------------------------------------------

#[test]
fn clock_skew_answers_as_cos_does() {
    for (offset, code, message) in [
        (-7200, "RequestTimeTooSkewed", SKEWED),
        (7200, "AccessDenied", "Request has expired"),
    ] {
        let emu = start(Config {
            clock: offset_clock(offset),
            ..Config::default()
        });
        let r = Client::new(&emu, DEST_BUCKET).get("any");
        assert_eq!(r.code(), (403, code.to_owned()));
        assert_eq!(r.field("Message").as_deref(), Some(message));
        // The server's time, which the SDKs correct their clock from.
        let date = r.header("Date").unwrap();
        let server = tencent_cos_core::http_date((support::now() as i64 + offset) as u64).unwrap();
        assert_eq!(&date[..20], &server.as_str()[..20], "{date}");
    }
}

// 6 ---------------------------------------------------------------------

#[test]
fn put_object_copy() {
    let emu = start(Config::default());
    let c = Client::new(&emu, DEST_BUCKET);
    let mut s = Client::new(&emu, SOURCE_BUCKET);
    let data = generate(6, 3000);
    let r = s.send(
        "PUT",
        "s k+é",
        &[],
        &[("Content-Type", "text/x-a"), ("x-cos-meta-color", "blue")],
        &data,
    );
    assert_eq!(r.status, 200);
    let source = copy_source("s k+é");
    let copy = |key: &str, extra: &[(&str, &str)]| {
        let mut h = vec![("x-cos-copy-source", source.as_str())];
        h.extend_from_slice(extra);
        c.send("PUT", key, &[], &h, b"")
    };
    let r = copy("copied", &[]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.field("ETag"), Some(cos_emulator::etag_of(&data)));
    assert!(r.field("LastModified").is_some());
    let got = c.get("copied");
    assert_eq!(got.body, data);
    assert_eq!(got.header("Content-Type"), Some("text/x-a"));
    assert_eq!(got.header("x-cos-meta-color"), Some("blue"));
    // Replaced metadata.
    let r = copy(
        "replaced",
        &[
            ("x-cos-metadata-directive", "Replaced"),
            ("Content-Type", "text/x-b"),
        ],
    );
    assert_eq!(r.status, 200);
    let got = c.get("replaced");
    assert_eq!(got.header("Content-Type"), Some("text/x-b"));
    assert_eq!(got.header("x-cos-meta-color"), None);
    // Conditions, a missing source, a copy onto itself.
    let etag = cos_emulator::etag_of(&data);
    assert_eq!(
        copy("c", &[("x-cos-copy-source-If-None-Match", &etag)]).code(),
        (412, "PreconditionFailed".into())
    );
    assert_eq!(
        copy("c", &[("x-cos-copy-source-If-Match", &etag)]).status,
        200
    );
    let missing = copy_source("nope");
    assert_eq!(
        c.send("PUT", "c", &[], &[("x-cos-copy-source", &missing)], b"")
            .code(),
        (404, "NoSuchKey".into())
    );
    s.bucket = SOURCE_BUCKET.into();
    assert_eq!(
        s.send("PUT", "s k+é", &[], &[("x-cos-copy-source", &source)], b"")
            .code(),
        (400, "InvalidRequest".into())
    );
}

#[test]
fn list_parts_and_list_multipart_uploads() {
    let emu = start(Config::default());
    let c = Client::new(&emu, DEST_BUCKET);
    let id = c.initiate("dir/k ü");
    for n in 1..=3 {
        c.upload_part(
            "dir/k ü",
            &id,
            n,
            &generate(u64::from(n), 100 * usize::from(n)),
        );
    }
    let r = c.send("GET", "dir/k ü", &[("uploadId", &id)], &[], b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.field("Key").as_deref(), Some("dir/k ü"));
    assert_eq!(r.fields("PartNumber"), ["1", "2", "3"]);
    assert_eq!(r.fields("Size"), ["100", "200", "300"]);
    assert_eq!(r.field("IsTruncated").as_deref(), Some("false"));
    // Pages.
    let r = c.send(
        "GET",
        "dir/k ü",
        &[
            ("uploadId", &id),
            ("max-parts", "2"),
            ("part-number-marker", "0"),
        ],
        &[],
        b"",
    );
    assert_eq!(r.fields("PartNumber"), ["1", "2"]);
    assert_eq!(
        (r.field("IsTruncated"), r.field("NextPartNumberMarker")),
        (Some("true".into()), Some("2".into()))
    );
    let r = c.send(
        "GET",
        "dir/k ü",
        &[
            ("uploadId", &id),
            ("part-number-marker", "2"),
            ("encoding-type", "url"),
        ],
        &[],
        b"",
    );
    assert_eq!(r.fields("PartNumber"), ["3"]);
    assert_eq!(r.field("Key").as_deref(), Some("dir/k%20%C3%BC"));

    let other = c.initiate("other");
    let r = c.send("GET", "", &[("uploads", "")], &[], b"");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.fields("Key"), ["dir/k ü", "other"]);
    assert_eq!(r.fields("UploadId"), [id.clone(), other.clone()]);
    let r = c.send("GET", "", &[("uploads", ""), ("prefix", "dir/")], &[], b"");
    assert_eq!(r.fields("UploadId"), [id.as_str()]);
    let r = c.send("GET", "", &[("uploads", ""), ("delimiter", "/")], &[], b"");
    assert_eq!(r.fields("Key"), ["other"]);
    assert_eq!(r.fields("Prefix"), ["", "dir/"]); // the Prefix field, then the common prefix
    let r = c.send(
        "GET",
        "",
        &[("uploads", ""), ("max-uploads", "1")],
        &[],
        b"",
    );
    assert_eq!(
        (
            r.fields("Key"),
            r.field("IsTruncated"),
            r.field("NextKeyMarker")
        ),
        (
            vec!["dir/k ü".to_owned()],
            Some("true".into()),
            Some("dir/k ü".into())
        )
    );
    let r = c.send(
        "GET",
        "",
        &[("uploads", ""), ("key-marker", "dir/k ü")],
        &[],
        b"",
    );
    assert_eq!(r.fields("Key"), ["other"]);
    // Abort, and the list is shorter.
    assert_eq!(
        c.send("DELETE", "other", &[("uploadId", &other)], &[], b"")
            .status,
        204
    );
    let r = c.send("GET", "", &[("uploads", "")], &[], b"");
    assert_eq!(r.fields("Key"), ["dir/k ü"]);
}

#[test]
fn chunked_uploads_are_read() {
    let emu = start(Config::default());
    let c = Client::new(&emu, DEST_BUCKET);
    let host = c.host();
    let data = generate(7, 70_000);
    let mut body = Vec::new();
    for piece in data.chunks(30_000) {
        body.extend_from_slice(format!("{:x};ext=1\r\n", piece.len()).as_bytes());
        body.extend_from_slice(piece);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"0\r\nX-Trailer: y\r\n\r\n");
    let headers = [("Host", host.as_str()), ("Transfer-Encoding", "chunked")];
    let auth = c.authorization("PUT", "/chunked.bin", &[], &headers);
    let mut all = headers.to_vec();
    all.push(("Authorization", &auth));
    let r = exchange(
        c.addr,
        &c.raw("PUT", "/chunked.bin", &all, &body),
        false,
        false,
    );
    assert_eq!(
        r.header("ETag"),
        Some(cos_emulator::etag_of(&data).as_str())
    );
    assert_eq!(c.get("chunked.bin").body, data);
    // A malformed chunk size is refused before anything is stored.
    let raw = c.raw("PUT", "/bad.bin", &all, b"+5\r\nhello\r\n0\r\n\r\n");
    assert_eq!(
        exchange(c.addr, &raw, false, false).code(),
        (400, "InvalidRequest".into())
    );
    assert_eq!(emu.keys(DEST_BUCKET), ["chunked.bin"]);
}

#[test]
fn ranged_gets() {
    let emu = start(Config::default());
    let data = generate(8, 1000);
    emu.put_object(DEST_BUCKET, "r", data.clone());
    let c = Client::new(&emu, DEST_BUCKET);
    let get = |range: &str| c.send("GET", "r", &[], &[("Range", range)], b"");
    let r = get("bytes=10-19");
    assert_eq!(r.status, 206);
    assert_eq!(r.body, &data[10..20]);
    assert_eq!(r.header("Content-Range"), Some("bytes 10-19/1000"));
    assert_eq!(get("bytes=990-").body, &data[990..]);
    assert_eq!(get("bytes=-5").body, &data[995..]);
    assert_eq!(
        get("bytes=900-5000").header("Content-Range"),
        Some("bytes 900-999/1000")
    );
    assert_eq!(get("bytes=1000-").code(), (416, "InvalidRange".into()));
    let r = get("bytes=0-1,5-6");
    assert_eq!((r.status, r.body.len()), (200, 1000));
    let head = c.send("HEAD", "r", &[], &[("Range", "bytes=0-99")], b"");
    assert_eq!(
        (head.status, head.header("Content-Length")),
        (206, Some("100"))
    );
}

#[test]
fn every_host_form_reaches_its_bucket() {
    let emu = start(Config::default());
    emu.put_object(DEST_BUCKET, "h", b"host".to_vec());
    let c = Client::new(&emu, DEST_BUCKET);
    let get = |host: &str| {
        let auth = c.authorization("GET", "/h", &[], &[("Host", host)]);
        let raw = c.raw(
            "GET",
            "/h",
            &[("Host", host), ("Authorization", &auth)],
            b"",
        );
        exchange(c.addr, &raw, false, false)
    };
    for host in [
        format!("{DEST_BUCKET}.cos.{REGION}.myqcloud.com"),
        format!("{DEST_BUCKET}.cos.{REGION}.tencentcos.cn"),
        format!("{DEST_BUCKET}.cos-internal.{REGION}.tencentcos.cn"),
        format!("{DEST_BUCKET}.cos.accelerate.myqcloud.com"),
        format!("{DEST_BUCKET}.cos.{REGION}.myqcloud.com:9000"),
    ] {
        let r = get(&host);
        assert_eq!((r.status, r.body.as_slice()), (200, &b"host"[..]), "{host}");
    }
    assert_eq!(
        get(&format!("{DEST_BUCKET}.cos.ap-beijing.myqcloud.com")).code(),
        (404, "NoSuchBucket".into())
    );
    assert_eq!(get("localhost").code(), (400, "InvalidURI".into()));
}

// 7 ---------------------------------------------------------------------

#[test]
fn wire_parsing_is_as_strict_as_cos() {
    let emu = start(Config::default());
    let c = Client::new(&emu, DEST_BUCKET);
    let host = c.host();
    let signed = |method: &str, path: &str, target: &str, extra: &[(&str, &str)]| {
        let mut headers = vec![("Host", host.as_str())];
        headers.extend_from_slice(extra);
        let auth = c.authorization(method, path, &[], &headers);
        headers.push(("Authorization", &auth));
        exchange(c.addr, &c.raw(method, target, &headers, b""), false, false)
    };
    // `%+A` is no escape (a sign is not a hex digit).
    assert_eq!(
        signed("GET", "/\n", "/%+A", &[]).code(),
        (400, "InvalidRequest".into())
    );
    // A Content-Length is digits only.
    assert_eq!(
        signed("PUT", "/z", "/z", &[("Content-Length", "+0")]).code(),
        (400, "InvalidRequest".into())
    );
    assert!(emu.keys(DEST_BUCKET).is_empty());
    // A raw `+` in the path is a space: a client that signed a plus and
    // forgot `%2B` fails here as on COS, and the server's FormatString
    // shows the space.
    let r = signed("PUT", "/a+b", "/a+b", &[("Content-Length", "0")]);
    assert_eq!(r.code(), (403, "SignatureDoesNotMatch".into()));
    assert!(
        r.field("FormatString")
            .unwrap()
            .starts_with("put\\n/a b\\n")
    );
    let r = signed("PUT", "/a b", "/a+b", &[("Content-Length", "0")]);
    assert_eq!(r.status, 200);
    let r = signed("PUT", "/a+b", "/a%2Bb", &[("Content-Length", "0")]);
    assert_eq!(r.status, 200);
    assert_eq!(emu.keys(DEST_BUCKET), ["a b", "a+b"]);
}

// 8 ---------------------------------------------------------------------

#[test]
fn more_than_64_headers_do_not_change_the_verdict() {
    let emu = start(Config::default());
    let c = Client::new(&emu, DEST_BUCKET);
    // 70 unsigned headers beside the signed ones.
    let host = c.host();
    let headers = [("Host", host.as_str()), ("Content-Length", "2")];
    let auth = c.authorization("PUT", "/many", &[], &headers);
    let names: Vec<String> = (0..70).map(|i| format!("X-Custom-{i}")).collect();
    let mut all = headers.to_vec();
    all.extend(names.iter().map(|n| (n.as_str(), "a(b) c")));
    all.push(("Authorization", &auth));
    let r = exchange(c.addr, &c.raw("PUT", "/many", &all, b"ok"), false, false);
    assert_eq!(r.status, 200, "{}", r.text());
    // 70 signed x-cos-meta-* headers (as the Node SDK sends such).
    let metas: Vec<(String, String)> = (0..70)
        .map(|i| (format!("x-cos-meta-m{i:02}"), format!("v{i}")))
        .collect();
    let extra: Vec<(&str, &str)> = metas
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let r = c.send("PUT", "metas", &[], &extra, b"ok");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(c.get("metas").header("x-cos-meta-m69"), Some("v69"));
}

// Explanations ----------------------------------------------------------

#[test]
fn a_mismatch_answers_with_the_servers_texts() {
    let emu = start(Config::default());
    let mut c = Client::new(&emu, DEST_BUCKET);
    c.secret_key = "notTheSecretKey".into();
    let r = c.send(
        "PUT",
        "dir/k ü",
        &[("x-a", "1 2")],
        &[("x-cos-meta-a", "b")],
        b"hi",
    );
    assert_eq!(r.code(), (403, "SignatureDoesNotMatch".into()));
    // The server's texts are the client's own (same request, other key).
    let host = c.host();
    let params = [("x-a", "1 2")];
    let headers = [
        ("Host", host.as_str()),
        ("Content-Length", "2"),
        ("x-cos-meta-a", "b"),
    ];
    let req = CanonicalRequest::new("PUT", "/dir/k ü", &params, &headers);
    let (mut http, mut sts) = (String::new(), String::new());
    req.http_string(Selection::Exact)
        .and_then(|t| Ok(t.write_to(&mut http)?))
        .unwrap();
    let kt = KeyTime::new(c.start, c.end).unwrap();
    req.string_to_sign(Selection::Exact, kt)
        .and_then(|t| Ok(t.write_to(&mut sts)?))
        .unwrap();
    let shown = |s: &str| s.replace('\n', "\\n");
    assert_eq!(r.field("FormatString"), Some(shown(&http)));
    assert_eq!(r.field("StringToSign"), Some(shown(&sts)));
    assert_eq!(r.field("Resource"), Some(format!("{host}/dir/k ü")));
    assert!(r.field("RequestId").is_some() && r.field("TraceId").is_some());
    // And the crate's explain reads it: the texts agree, so the key is wrong.
    let Ok(Response::Error(body)) = Response::<1024, 8192>::parse(&r.body) else {
        panic!("an Error document: {}", r.text());
    };
    let m = tencent_cos_core::explain(&body, &req, Selection::Exact, kt).unwrap();
    assert!(m.http_string_compared && m.string_to_sign_compared);
    assert_eq!(m.difference, None, "{m}");
}

#[test]
fn strict_refuses_what_cos_lets_through() {
    for (policy, status) in [(Policy::Cos, 200), (Policy::Strict, 403)] {
        let emu = start(Config {
            policy,
            ..Config::default()
        });
        let c = Client::new(&emu, DEST_BUCKET);
        // Host sent but not signed.
        let host = c.host();
        let auth = c.authorization("GET", "/x", &[], &[]);
        emu.put_object(DEST_BUCKET, "x", b"x".to_vec());
        let raw = c.raw(
            "GET",
            "/x",
            &[("Host", &host), ("Authorization", &auth)],
            b"",
        );
        let r = exchange(c.addr, &raw, false, false);
        assert_eq!(r.status, status, "{policy:?}: {}", r.text());
        if status == 403 {
            assert_eq!(r.field("Code").as_deref(), Some("AccessDenied"));
            assert!(r.field("Message").unwrap().contains("\"host\""));
        }
    }
}

#[test]
fn objects_under_a_directory_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("cos-emulator-it-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config = Config {
        dir: Some(dir.clone()),
        ..Config::default()
    };
    let data = generate(9, 100_000);
    {
        let emu = start(config.clone());
        let c = Client::new(&emu, DEST_BUCKET);
        assert_eq!(
            c.send("PUT", "p/q r", &[], &[("Content-Type", "a/b")], &data)
                .status,
            200
        );
    }
    let emu = start(config);
    let r = Client::new(&emu, DEST_BUCKET).get("p/q r");
    assert_eq!((r.status, r.header("Content-Type")), (200, Some("a/b")));
    assert_eq!(r.body, data);
    std::fs::remove_dir_all(&dir).unwrap();
}
