//! Property tests of the request builders: the head parses back (request
//! line, headers, blank line), the target decodes to the signed path and
//! parameters, the `Authorization` verifies against the request as a
//! server reads it, the scratch error names the exact length; a
//! `CompleteBody` parses back with the crate's tokenizer into its parts.

#[path = "support/server.rs"]
mod server;

use proptest::prelude::*;
use server::Head;
use tencent_cos_core::Output;
use tencent_cos_core::xml::{Event, Tokenizer, XmlError};
use tencent_cos_core::{
    AbortMultipartUpload, Authorization, ByteRange, CanonicalRequest, CompleteBody,
    CompleteMultipartUpload, CopyCondition, CopySource, Credentials, ETag, Host,
    InitiateMultipartUpload, KeyTime, OutputError, RequestError, SignedRequest, Signer, SigningKey,
    UploadPartCopy, VerifyPolicy,
};

const ID: &str = "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q";
const SK: &str = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz";

/// Everything a server would check.
fn check(r: &SignedRequest<'_>, key: Signer<'_>) -> Result<(), TestCaseError> {
    let mut head = String::new();
    r.head().write_to(&mut head).unwrap();
    prop_assert_eq!(r.head().len(), head.len());
    let Head {
        method,
        path,
        params,
        headers,
    } = Head::parse(&head);
    prop_assert_eq!(method.as_str(), r.method().as_str());
    prop_assert_eq!(&path, &format!("/{}", r.key()));
    let params: Vec<(&str, &str)> = params
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    prop_assert_eq!(params.as_slice(), r.params());
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    prop_assert_eq!(headers.as_slice(), r.headers());
    let (auth, rest) = headers.split_last().unwrap();
    prop_assert_eq!(auth.0, "Authorization");
    let a = Authorization::parse(auth.1).unwrap();
    prop_assert_eq!(a.header_names().count(), rest.len());
    let request = CanonicalRequest::new(&method, &path, &params, rest);
    let kt = key.key().key_time();
    prop_assert_eq!(
        a.verify(&request, SK, kt.start(), &VerifyPolicy::STRICT),
        Ok(())
    );
    prop_assert_eq!(r.header("x-cos-security-token"), key.security_token());
    Ok(())
}

/// The scratch contract: an empty one names the length, which is enough,
/// and one byte less is not.
fn scratch_is_exact(
    sign: impl Fn(&mut [u8]) -> Result<(), RequestError>,
) -> Result<(), TestCaseError> {
    let Err(RequestError::Output(OutputError::BufferTooSmall { needed })) = sign(&mut []) else {
        return Err(TestCaseError::fail("an empty scratch was enough"));
    };
    prop_assert_eq!(sign(&mut vec![0u8; needed]), Ok(()));
    prop_assert_eq!(
        sign(&mut vec![0u8; needed - 1]),
        Err(RequestError::Output(OutputError::BufferTooSmall { needed }))
    );
    Ok(())
}

fn object_key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9/._-]{1,40}",
        "\\PC{1,40}",
        "(\\.{1,3}/|[a-z+ ]{1,3}/){1,6}\\.{0,2}",
    ]
    .prop_filter("a key that can be sent", |k| {
        let k = k.strip_prefix('/').unwrap_or(k);
        !k.is_empty() && k != "." && k != ".."
    })
}

fn host() -> impl Strategy<Value = (bool, String)> {
    prop_oneof![
        Just((true, "examplebucket-1250000000".to_string())),
        "[a-z0-9.-]{1,20}(:[0-9]{1,5})?".prop_map(|h| (false, h)),
    ]
}

fn credentials(token: &Option<String>) -> Credentials<'_> {
    match token {
        Some(t) => Credentials::with_token(ID, SK, t).unwrap(),
        None => Credentials::new(ID, SK).unwrap(),
    }
}

fn to_host((bucket, h): &(bool, String)) -> Host<'_> {
    if *bucket {
        Host::bucket(h, "ap-guangzhou")
    } else {
        Host::Custom(h)
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn upload_part_copy_reads_back_and_verifies(
        host in host(),
        key in object_key(),
        part in 1u16..=10_000,
        upload in "[!-~]{1,80}",
        source_key in "\\PC{1,60}",
        range in proptest::option::of((0u64..1 << 40, 0u64..1 << 40)),
        shape in 0u8..7,
        since in 0u64..=253_402_300_799,
        token in proptest::option::of("[!-~]{1,40}"),
        start in 0u64..1 << 40,
    ) {
        let Ok(source) = CopySource::new("sourcebucket-1250000000", "ap-guangzhou", &source_key) else {
            return Ok(());
        };
        let creds = credentials(&token);
        let signing_key = SigningKey::new(&creds, KeyTime::new(start, start + 3600).unwrap());
        let signing = signing_key.signer(creds.security_token()).unwrap();
        let etag = ETag::new("\"ba82b57cfdfda8bd17ad4e5879ebb4fe\"").unwrap();
        let condition = match shape {
            0 => CopyCondition::None,
            1 => CopyCondition::ModifiedSince(since),
            2 => CopyCondition::UnmodifiedSince(since),
            3 => CopyCondition::Match(etag),
            4 => CopyCondition::NoneMatch(etag),
            5 => CopyCondition::NoneMatchModifiedSince { etag, since },
            _ => CopyCondition::MatchUnmodifiedSince { etag, since },
        };
        let mut action = UploadPartCopy::new(to_host(&host), &key, part, &upload, source)
            .with_condition(condition);
        if let Some((a, b)) = range {
            action = action.with_range(ByteRange::new(a.min(b), a.max(b)).unwrap());
        }
        let mut scratch = vec![0u8; 8192];
        let r = action.sign(signing, &mut scratch).unwrap();
        check(&r, signing)?;
        let source_text = source.to_string();
        prop_assert_eq!(r.header("x-cos-copy-source"), Some(source_text.as_str()));
        let sent: Vec<(&str, &str)> = r.headers().to_vec();
        prop_assert_eq!(CopyCondition::from_headers(&sent), Ok(condition));
        if let Some(range) = action.range {
            prop_assert_eq!(ByteRange::parse(r.header("x-cos-copy-source-range").unwrap()), Ok(range));
        }
        scratch_is_exact(|s| action.sign(signing, s).map(|_| ()))?;
    }

    #[test]
    fn initiate_abort_complete_read_back_and_verify(
        host in host(),
        key in object_key(),
        upload in "[!-~]{1,80}",
        content_type in proptest::option::of("[ \t]{0,2}[!-~][ -~]{0,20}"),
        length in 0usize..1 << 30,
        token in proptest::option::of("[!-~]{1,40}"),
    ) {
        let creds = credentials(&token);
        let signing_key = SigningKey::new(&creds, KeyTime::new(1, 2).unwrap());
        let signing = signing_key.signer(creds.security_token()).unwrap();
        let mut scratch = vec![0u8; 8192];

        let mut initiate = InitiateMultipartUpload::new(to_host(&host), &key);
        initiate.content_type = content_type.as_deref();
        let r = initiate.sign(signing, &mut scratch).unwrap();
        check(&r, signing)?;
        prop_assert_eq!(r.params(), [("uploads", "")]);
        prop_assert_eq!(
            r.header("content-type"),
            content_type.as_deref().map(|c| c.trim_matches([' ', '\t']))
        );
        scratch_is_exact(|s| initiate.sign(signing, s).map(|_| ()))?;

        let abort = AbortMultipartUpload::new(to_host(&host), &key, &upload);
        let r = abort.sign(signing, &mut scratch).unwrap();
        check(&r, signing)?;
        prop_assert_eq!(r.params(), [("uploadId", upload.as_str())]);
        scratch_is_exact(|s| abort.sign(signing, s).map(|_| ()))?;

        let complete = CompleteMultipartUpload::new(to_host(&host), &key, &upload, length);
        let r = complete.sign(signing, &mut scratch).unwrap();
        check(&r, signing)?;
        let length_text = length.to_string();
        prop_assert_eq!(r.header("Content-Length"), Some(length_text.as_str()));
        scratch_is_exact(|s| complete.sign(signing, s).map(|_| ()))?;
    }

    #[test]
    fn complete_body_parses_back_into_its_parts(
        parts in prop::collection::btree_map(
            1u16..=10_000,
            "\\PC{1,40}".prop_filter("XML text", |e| !e.contains(['\u{FFFE}', '\u{FFFF}'])),
            1..20,
        ),
    ) {
        let parts: Vec<(u16, &str)> = parts.iter().map(|(n, e)| (*n, e.as_str())).collect();
        let body = CompleteBody::new(parts.iter().copied()).unwrap();
        let mut text = String::new();
        body.write_to(&mut text).unwrap();
        prop_assert_eq!(body.len(), text.len());
        let mut buf = vec![0u8; text.len()];
        prop_assert_eq!(body.to_slice(&mut buf), Ok(text.as_str()));

        // Read back: (PartNumber, ETag) per Part, in order.
        let mut got: Vec<(String, String)> = Vec::new();
        let mut field = String::new();
        let mut t = Tokenizer::new();
        t.feed(text.as_bytes(), &mut |e| {
            match e {
                Event::Start(n) => {
                    field = n.as_str().unwrap().to_string();
                    if field == "Part" {
                        got.push((String::new(), String::new()));
                    }
                }
                Event::Text(s) => {
                    let last = got.last_mut().unwrap();
                    match field.as_str() {
                        "PartNumber" => last.0.push_str(s),
                        "ETag" => last.1.push_str(s),
                        other => panic!("text in {other}"),
                    }
                }
                Event::End(_) => field.clear(),
            }
            Ok::<_, XmlError>(())
        })
        .unwrap();
        prop_assert_eq!(t.finish(), Ok(()));
        let want: Vec<(String, String)> =
            parts.iter().map(|(n, e)| (n.to_string(), e.to_string())).collect();
        prop_assert_eq!(got, want);
    }
}
