//! One length-then-write contract for every output (issue 17 item 4): for
//! each, `len()` is the exact length, `to_slice` into a buffer of that
//! length gives the text `write_to` and `Display` give, and one byte less
//! is `BufferTooSmall` with `needed == len()`.

use tencent_cos_core::{
    ByteRange, CanonicalRequest, CompleteBody, CopySource, Credentials, Host, KeyTime, Output,
    OutputError, Selection, SigningKey, UploadPartCopy,
};

const ID: &str = "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q";
const SK: &str = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz";

/// Checks the contract on `output` and returns its text.
fn contract(output: &(impl Output + std::fmt::Display)) -> String {
    let mut written = String::new();
    output.write_to(&mut written).unwrap();
    assert_eq!(output.len(), written.len());
    assert_eq!(output.is_empty(), written.is_empty());
    assert_eq!(output.to_string(), written);
    let mut buf = vec![0u8; output.len()];
    assert_eq!(output.to_slice(&mut buf), Ok(written.as_str()));
    if let Some(short) = output.len().checked_sub(1) {
        let mut buf = vec![0u8; short];
        assert_eq!(
            output.to_slice(&mut buf),
            Err(OutputError::BufferTooSmall {
                needed: output.len()
            })
        );
    }
    written
}

#[test]
fn every_output_keeps_the_contract() {
    let range = ByteRange::new(0, 8_388_607).unwrap();
    assert_eq!(contract(&range.value()), "bytes=0-8388607");

    let host = Host::bucket("examplebucket-1250000000", "ap-guangzhou");
    assert_eq!(
        contract(&host),
        "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com"
    );

    let source = CopySource::new("sourcebucket-1250000000", "ap-guangzhou", "a b.bin").unwrap();
    assert_eq!(
        contract(&source),
        "sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com/a%20b.bin"
    );

    let parts = [(1, "\"e1\""), (2, "\"e2\"")];
    let body = CompleteBody::new(parts.iter().copied()).unwrap();
    assert_eq!(
        contract(&body),
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"e1\"</ETag></Part>\
         <Part><PartNumber>2</PartNumber><ETag>\"e2\"</ETag></Part></CompleteMultipartUpload>"
    );

    let kt = KeyTime::new(1_700_000_000, 1_700_003_600).unwrap();
    let creds = Credentials::new(ID, SK).unwrap();
    let key = SigningKey::new(&creds, kt);
    let headers = [(
        "Host",
        "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
    )];
    let req = CanonicalRequest::new("get", "/a b", &[("uploads", "")], &headers);
    let http = contract(&req.http_string(Selection::Exact).unwrap());
    assert_eq!(
        http,
        "get\n/a b\nuploads=\nhost=examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com\n"
    );
    let sts = contract(&req.string_to_sign(Selection::Exact, kt).unwrap());
    assert!(sts.starts_with("sha1\n1700000000;1700003600\n"));
    assert_eq!(sts.len(), "sha1\n1700000000;1700003600\n".len() + 41);

    let signed = key.sign(&req, Selection::Exact).unwrap();
    let authorization = contract(&signed.authorization());
    assert_eq!(authorization, signed.to_string());
    let mut buf = [0u8; 512];
    assert_eq!(
        signed.authorization_to_slice(&mut buf),
        Ok(authorization.as_str())
    );
    assert!(authorization.ends_with(&format!("&q-signature={}", signed.signature().as_str())));
    let query = contract(&signed.presigned_query());
    assert!(query.starts_with("q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q&q-sign-time=1700000000%3B1700003600&"));

    let upc = UploadPartCopy::new(host, "dest.bin", 1, "UPLOADID", source).with_range(range);
    let mut scratch = [0u8; 1024];
    let r = upc.sign(&key, &mut scratch).unwrap();
    assert_eq!(
        contract(&r.target()),
        "/dest.bin?partNumber=1&uploadId=UPLOADID"
    );
    let head = contract(&r.head());
    assert!(head.starts_with("PUT /dest.bin?partNumber=1&uploadId=UPLOADID HTTP/1.1\r\n"));
    assert!(head.contains("\r\nx-cos-copy-source-range: bytes=0-8388607\r\n"));
    assert!(head.ends_with("\r\n\r\n"));
}
