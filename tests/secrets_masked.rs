//! Secrets never printed (issue 15 §2): `Debug` (`{:?}` and `{:#?}`) of
//! every type that holds a secret or server-echoed canonical text, built
//! from inputs that carry the real secret values, shows none of them:
//! not the security token, the SSE-C key or its MD5, an `Authorization`
//! value's signature, nor a `q-signature`.

use std::fmt::Debug;
use tencent_cos_core::Output;
use tencent_cos_core::{
    CanonicalRequest, CopySource, Credentials, Host, KeyTime, Response, ResponseReader, Selection,
    SigningKey, SourceCustomerKey, UploadPartCopy, explain,
};

const SECRET_ID: &str = "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q";
const SECRET_KEY: &str = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz";
const TOKEN: &str = "Wl7MgYpvZJDD5PrG0S6gXvmjBNQaxR0aeXZtcmNhXrO1dUVCtpMBRLPPtkJ4Hr3tOuQ1";
/// An SSE-C key (base64 of 32 bytes) and its MD5 (base64 of 16 bytes).
const SSE_KEY: &str = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
const SSE_MD5: &str = "ZWY3YjM0NGE3NmZhN2ZhZQ==";
const HOST: &str = "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com";
/// A signature as it would appear in a presigned URL's `q-signature`.
const Q_SIGNATURE: &str = "c97446ad4e77ed2d6113e295d9abc0a0756607d2";

/// `{:?}` and `{:#?}` of `value` contain none of `secrets`; returns the
/// compact form for further checks.
fn masked<T: Debug>(value: &T, secrets: &[&str]) -> String {
    let (plain, pretty) = (format!("{value:?}"), format!("{value:#?}"));
    for shown in [&plain, &pretty] {
        for secret in secrets {
            assert!(!shown.contains(secret), "{secret:?} shown in {shown}");
        }
    }
    plain
}

/// The HttpString of a copy made with temporary credentials and an
/// SSE-C source, as COS echoes it in `FormatString` (`\n` as two
/// characters); a presigned-style query carrying `q-signature` and the
/// token as params.
fn echoed_http_string() -> String {
    let params = [
        ("partNumber", "1"),
        ("q-signature", Q_SIGNATURE),
        (
            "uploadId",
            "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361",
        ),
        ("x-cos-security-token", TOKEN),
    ];
    let headers = [
        ("Host", HOST),
        (
            "x-cos-copy-source-server-side-encryption-customer-algorithm",
            "AES256",
        ),
        (
            "x-cos-copy-source-server-side-encryption-customer-key",
            SSE_KEY,
        ),
        (
            "x-cos-copy-source-server-side-encryption-customer-key-MD5",
            SSE_MD5,
        ),
        ("x-cos-security-token", TOKEN),
        ("x-cos-server-side-encryption-customer-key", SSE_KEY),
    ];
    let request = CanonicalRequest::new("PUT", "/dest.bin", &params, &headers);
    let mut http = String::new();
    request
        .http_string(Selection::Exact)
        .and_then(|t| Ok(t.write_to(&mut http)?))
        .unwrap();
    for secret in [TOKEN, Q_SIGNATURE] {
        assert!(http.contains(secret));
    }
    http.replace('\n', "\\n")
}

fn signature_error_body() -> String {
    let http = echoed_http_string();
    // The base64 values are percent-encoded in the canonical form.
    let key_encoded = SSE_KEY.replace('=', "%3D");
    let md5_encoded = SSE_MD5.replace('=', "%3D");
    assert!(http.contains(&key_encoded) && http.contains(&md5_encoded));
    format!(
        "<?xml version='1.0' encoding='utf-8' ?>\n<Error>\n\
         \t<Code>SignatureDoesNotMatch</Code>\n\
         \t<Message>The Signature you specified is invalid.</Message>\n\
         \t<StringToSign>sha1\\n1700000000;1700003600\\nc7503b64eefd8e4e4e35c8cdc1a23fbcc7f23b51\\n</StringToSign>\n\
         \t<FormatString>{}</FormatString>\n\
         \t<RequestId>NjU0ZWI5ZjNf</RequestId>\n</Error>",
        http.replace('&', "&amp;")
    )
}

/// Every secret as it may appear in a canonical text: raw, and
/// percent-encoded (the base64 `=`).
fn canonical_secrets() -> Vec<String> {
    vec![
        TOKEN.into(),
        Q_SIGNATURE.into(),
        SSE_KEY.replace('=', "%3D"),
        SSE_MD5.replace('=', "%3D"),
        // Any long run of them.
        TOKEN[..16].into(),
        SSE_KEY[..16].into(),
        SSE_MD5[..12].into(),
    ]
}

#[test]
fn error_bodies_mask_the_echoed_secrets() {
    let body = signature_error_body();
    let secrets = canonical_secrets();
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let response = Response::<256, 2048>::parse(body.as_bytes()).unwrap();
    let Response::Error(error) = &response else {
        panic!()
    };
    // The values are all there, unmasked, for the caller and `explain`.
    let format_string = error.format_string.as_deref().unwrap();
    assert!(format_string.contains(TOKEN) && format_string.contains(Q_SIGNATURE));

    let shown = masked(error, &secrets);
    // Masked in place, one `*` a byte; the names and other pairs shown.
    assert!(shown.contains(&format!("x-cos-security-token={}", "*".repeat(TOKEN.len()))));
    assert!(shown.contains(&format!("q-signature={}", "*".repeat(Q_SIGNATURE.len()))));
    assert!(shown.contains("x-cos-server-side-encryption-customer-key=***"));
    assert!(shown.contains("x-cos-copy-source-server-side-encryption-customer-key-md5=***"));
    assert!(shown.contains("x-cos-copy-source-server-side-encryption-customer-algorithm=AES256"));
    assert!(shown.contains("partnumber=1"));
    assert!(shown.contains("c7503b64eefd8e4e4e35c8cdc1a23fbcc7f23b51"));
    masked(&response, &secrets);

    // A reader, part way through the FormatString (inside the token) and
    // at the end.
    let at = body.find(TOKEN).unwrap() + 10;
    let mut reader = ResponseReader::<256, 2048>::new();
    reader.feed(&body.as_bytes()[..at]).unwrap();
    let shown = masked(&reader, &secrets);
    assert!(!shown.contains(&TOKEN[..10]), "{shown}");
    reader.feed(&body.as_bytes()[at..]).unwrap();
    masked(&reader, &secrets);
    assert_eq!(reader.finish().unwrap(), response);

    // Cut to a small capacity, still masked.
    let small = Response::<64, 300>::parse(body.as_bytes()).unwrap();
    masked(&small, &secrets);
}

#[test]
fn explain_reports_mask_the_secrets() {
    let secrets = canonical_secrets();
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let headers = [
        ("Host", HOST),
        (
            "x-cos-copy-source-server-side-encryption-customer-key",
            SSE_KEY,
        ),
        (
            "x-cos-copy-source-server-side-encryption-customer-key-MD5",
            SSE_MD5,
        ),
        ("x-cos-security-token", TOKEN),
    ];
    let params = [("q-signature", Q_SIGNATURE)];
    let request = CanonicalRequest::new("PUT", "/dest.bin", &params, &headers);
    let mut http = String::new();
    request
        .http_string(Selection::Exact)
        .and_then(|t| Ok(t.write_to(&mut http)?))
        .unwrap();
    let kt = KeyTime::new(1_700_000_000, 1_700_003_600).unwrap();
    // The server saw each secret with one byte changed: the difference
    // falls inside it, and both windows hold it.
    for secret in [TOKEN, Q_SIGNATURE, SSE_KEY, SSE_MD5] {
        let encoded = secret.replace('=', "%3D");
        let at = http.find(&encoded).unwrap() + 8;
        let mut server = http.clone().into_bytes();
        server[at] = if server[at] == b'A' { b'B' } else { b'A' };
        let server = String::from_utf8(server).unwrap();
        let body = format!(
            "<Error><Code>SignatureDoesNotMatch</Code><FormatString>{}</FormatString></Error>",
            server.replace('&', "&amp;").replace('\n', "\\n")
        );
        let Response::Error(error) = Response::<64, 1024>::parse(body.as_bytes()).unwrap() else {
            panic!()
        };
        let m = explain(&error, &request, Selection::Exact, kt).unwrap();
        let d = m.difference.unwrap();
        assert_eq!(d.offset, at, "{secret}");
        for window in [d.local, d.server] {
            masked(&window, &secrets);
            assert!(window.after().starts_with(b"***"), "{window}");
        }
        let shown = masked(&d, &secrets);
        assert!(shown.contains("Window(\""), "{shown}");
        masked(&m, &secrets);
        let display = m.to_string();
        for s in &secrets {
            assert!(!display.contains(s), "{display}");
        }
    }
}

#[test]
fn signed_requests_and_signatures_mask_their_secrets() {
    let creds = Credentials::with_token(SECRET_ID, SECRET_KEY, TOKEN).unwrap();
    let key = SigningKey::new(&creds, KeyTime::new(1_700_000_000, 1_700_003_600).unwrap());
    let source = CopySource::new(
        "sourcebucket-1250000000",
        "ap-guangzhou",
        "source/big-file.bin",
    )
    .unwrap();
    let customer_key = SourceCustomerKey {
        key: SSE_KEY,
        key_md5: SSE_MD5,
    };
    let copy = UploadPartCopy::new(
        Host::bucket("examplebucket-1250000000", "ap-guangzhou"),
        "dest.bin",
        1,
        "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361",
        source,
    )
    .with_source_customer_key(customer_key);
    let mut scratch = [0u8; 2048];
    let signer = key.with_token(TOKEN).unwrap();
    let signed = copy.sign(signer, &mut scratch).unwrap();
    let authorization = signed.header("Authorization").unwrap();
    let signature = authorization.rsplit("q-signature=").next().unwrap();
    assert_eq!(signature.len(), 40);
    assert_eq!(signed.header("x-cos-security-token"), Some(TOKEN));
    let key_md5 = signed
        .header("x-cos-copy-source-server-side-encryption-customer-key-MD5")
        .unwrap();
    assert_eq!(key_md5, SSE_MD5);
    let secrets = [TOKEN, SSE_KEY, SSE_MD5, signature, SECRET_KEY];

    let shown = masked(&signed, &secrets);
    // The Authorization is shown but for its signature.
    assert!(shown.contains(&format!("q-ak={SECRET_ID}")), "{shown}");
    assert!(
        shown.contains(&format!("q-signature={}", "*".repeat(40))),
        "{shown}"
    );
    assert!(shown.contains("x-cos-copy-source-server-side-encryption-customer-algorithm"));
    masked(&copy, &secrets);
    masked(&customer_key, &secrets);
    masked(&creds, &secrets);
    masked(&key, &[TOKEN, SECRET_KEY, key.sign_key()]);
    masked(&signer, &[TOKEN, SECRET_KEY, key.sign_key()]);

    // A signature of the crate's own signer, and what holds it.
    let headers = [
        ("Host", HOST),
        ("Authorization", authorization),
        ("x-cos-security-token", TOKEN),
        ("x-cos-server-side-encryption-customer-key", SSE_KEY),
        ("x-cos-server-side-encryption-customer-key-md5", SSE_MD5),
    ];
    let params = [("q-signature", signature)];
    let request = CanonicalRequest::new("PUT", "/dest.bin", &params, &headers);
    masked(&request, &secrets);
    let signed = signer.sign(&request, Selection::Exact).unwrap();
    let own = signed.signature().as_str().to_string();
    assert_eq!(
        signed.to_string().rsplit("q-signature=").next(),
        Some(own.as_str())
    );
    let shown = masked(signed.signature(), &[&own]);
    assert_eq!(shown, "Signature(<redacted>)");
    let shown = masked(&signed, &[&own, TOKEN, SECRET_KEY]);
    assert!(shown.contains(SECRET_ID), "{shown}");
}

/// The public XML tokenizer reads request documents too (a gateway's, an
/// emulator's): its events show element names, and a text piece by its
/// length only.
#[test]
fn xml_events_mask_their_text() {
    use tencent_cos_core::xml::{Event, Tokenizer, XmlError};
    let doc = format!("<Secret><Token>{TOKEN}</Token></Secret>");
    let mut shown = Vec::new();
    let mut t = Tokenizer::new();
    t.feed(doc.as_bytes(), &mut |e: Event<'_>| {
        shown.push(masked(&e, &[TOKEN]));
        Ok::<(), XmlError>(())
    })
    .unwrap();
    t.finish().unwrap();
    assert_eq!(
        shown,
        [
            "Start(Name { text: Some(\"Secret\"), len: 6 })".to_string(),
            "Start(Name { text: Some(\"Token\"), len: 5 })".to_string(),
            format!("Text(<{} bytes>)", TOKEN.len()),
            "End(Name { text: Some(\"Token\"), len: 5 })".to_string(),
            "End(Name { text: Some(\"Secret\"), len: 6 })".to_string(),
        ]
    );
}
