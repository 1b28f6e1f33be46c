//! The actions: which one a request is, and how each is answered.

use crate::http::Request;
use crate::reply::{Body, Failure, Reply, fail, internal};
use crate::store::{Object, Part, Upload};
use crate::verify::is_auth_param;
use crate::xml::{Doc, hex, http_date, iso8601, md5, parse_complete_body, quoted_md5, url_encode};
use crate::{Fault, MAX_PART, MIN_PART, Op, Shared, host, lock};
use std::collections::BTreeMap;
use std::sync::{Arc, mpsc};
use std::thread;
use tencent_cos_core::{ByteRange, CopyCondition, CopySource};

/// Parameters that modify an action rather than name one.
const MODIFIERS: [&str; 14] = [
    "response-content-type",
    "response-content-language",
    "response-expires",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "encoding-type",
    "max-parts",
    "part-number-marker",
    "prefix",
    "delimiter",
    "key-marker",
    "upload-id-marker",
    "max-uploads",
];

/// The object headers stored with an object and given back by GET/HEAD.
fn is_object_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    matches!(
        n.as_str(),
        "content-type"
            | "content-disposition"
            | "content-encoding"
            | "content-language"
            | "cache-control"
            | "expires"
    ) || n.starts_with("x-cos-meta-")
}

fn object_headers(req: &Request) -> Vec<(String, String)> {
    req.headers
        .iter()
        .filter(|(n, _)| is_object_header(n))
        .cloned()
        .collect()
}

const OWNER: &str = "qcs::cam::uin/100000000001:uin/100000000001";

fn no_such_upload() -> Failure {
    fail(404, "NoSuchUpload", "The specified upload does not exist.")
}

fn no_such_key() -> Failure {
    fail(404, "NoSuchKey", "The specified key does not exist.")
}

fn too_large() -> Failure {
    fail(
        400,
        "EntityTooLarge",
        "Your proposed upload exceeds the maximum allowed object size.",
    )
}

fn invalid(m: String) -> Failure {
    fail(400, "InvalidArgument", m)
}

/// Standard base64 of `bytes` (for comparing `Content-MD5`).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for group in bytes.chunks(3) {
        let n = group
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= group.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Checks `Content-MD5`, if sent, against the body.
fn check_md5(req: &Request) -> Result<(), Failure> {
    match req.header("content-md5") {
        Some(v) if v != base64(&md5(&req.body)) => Err(fail(
            400,
            "BadDigest",
            "The Content-MD5 you specified did not match what was received.",
        )),
        _ => Ok(()),
    }
}

/// A part number: 1..=10000, no leading zero.
fn part_number(req: &Request) -> Result<u16, Failure> {
    let number = req.param("partNumber").unwrap_or_default();
    match number.parse() {
        Ok(n @ 1..=10_000) if !number.starts_with('0') => Ok(n),
        _ => Err(invalid(
            "Part number must be an integer between 1 and 10000, inclusive".into(),
        )),
    }
}

/// What a `Range` header asks of an object of `size` bytes.
#[derive(Debug, PartialEq, Eq)]
enum Wanted {
    Whole,
    Bytes(u64, u64),
    Unsatisfiable,
}

/// `bytes=a-b`, `bytes=a-`, `bytes=-n`; anything else (several ranges, a
/// malformed value) is ignored, as HTTP allows.
fn wanted(range: Option<&str>, size: u64) -> Wanted {
    let Some(spec) = range.and_then(|r| r.trim().strip_prefix("bytes=")) else {
        return Wanted::Whole;
    };
    let number = |s: &str| {
        (!s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    let Some((a, b)) = spec.split_once('-') else {
        return Wanted::Whole;
    };
    match (a.is_empty(), number(a), number(b)) {
        (false, Some(first), last) => {
            if !b.is_empty() && last.is_none() || last.is_some_and(|l| l < first) {
                Wanted::Whole
            } else if first >= size {
                Wanted::Unsatisfiable
            } else {
                Wanted::Bytes(first, last.map_or(size - 1, |l| l.min(size - 1)))
            }
        }
        (true, _, Some(n)) if n == 0 || size == 0 => Wanted::Unsatisfiable,
        (true, _, Some(n)) => Wanted::Bytes(size.saturating_sub(n), size - 1),
        _ => Wanted::Whole,
    }
}

/// A copy's source: the object, its bytes, its bucket and key.
struct Source {
    object: Object,
    data: Arc<Vec<u8>>,
    bucket: String,
    key: String,
}

impl Shared {
    /// Which action `req` is, from its method, path and parameters (the
    /// authorization's own parameters and the modifiers aside).
    pub(crate) fn op(&self, req: &Request) -> Option<Op> {
        let subs: Vec<&str> = req
            .params
            .iter()
            .map(|(n, _)| n.as_str())
            .filter(|n| !is_auth_param(n) && !MODIFIERS.contains(n))
            .collect();
        let only = |names: &[&str]| {
            names.iter().all(|n| subs.contains(n)) && subs.iter().all(|s| names.contains(s))
        };
        let copy = req.header("x-cos-copy-source").is_some();
        let bucket = req.path == "/";
        Some(match req.method.as_str() {
            "GET" if bucket && only(&["uploads"]) => Op::ListUploads,
            _ if bucket => return None,
            "POST" if only(&["uploads"]) => Op::Initiate,
            "POST" if only(&["uploadId"]) => Op::Complete,
            "PUT" if only(&["partNumber", "uploadId"]) && copy => Op::PartCopy,
            "PUT" if only(&["partNumber", "uploadId"]) => Op::UploadPart,
            "PUT" if subs.is_empty() && copy => Op::CopyObject,
            "PUT" if subs.is_empty() => Op::PutObject,
            "GET" if only(&["uploadId"]) => Op::ListParts,
            "GET" if subs.is_empty() => Op::GetObject,
            "HEAD" if subs.is_empty() => Op::HeadObject,
            "DELETE" if only(&["uploadId"]) => Op::Abort,
            "DELETE" if subs.is_empty() => Op::DeleteObject,
            _ => return None,
        })
    }

    pub(crate) fn handle(
        &self,
        req: &Request,
        now: u64,
        fault: Option<&Fault>,
    ) -> Result<Reply, Failure> {
        let host = req.header("host").unwrap_or_default();
        let (bucket, region) = host::bucket_of(host)
            .ok_or_else(|| fail(400, "InvalidURI", "The Host names no COS bucket."))?;
        let known = lock(&self.store).buckets.get(&bucket).cloned();
        if known.is_none() || region.is_some() && known != region {
            return Err(fail(
                404,
                "NoSuchBucket",
                "The specified bucket does not exist.",
            ));
        }
        self.authenticate(req, now)?;
        if req.headers.iter().any(|(n, _)| {
            n.to_ascii_lowercase()
                .starts_with("x-cos-server-side-encryption")
        }) {
            return Err(fail(501, "NotImplemented", "SSE is not emulated."));
        }
        let key = req.path.strip_prefix('/').unwrap_or(&req.path);
        let Some(op) = self.op(req) else {
            return Err(fail(
                501,
                "NotImplemented",
                format!(
                    "{} {}?{} is not emulated.",
                    req.method, req.path, req.raw_query
                ),
            ));
        };
        let bucket = bucket.as_str();
        match op {
            Op::Initiate => Ok(self.initiate(req, bucket, key, now)),
            Op::PartCopy => self.part_copy(req, (bucket, key), now),
            Op::UploadPart => self.upload_part(req, (bucket, key), now),
            Op::Complete => self.complete(req, host, bucket, key, now, fault),
            Op::Abort => self.abort(req, bucket, key),
            Op::ListParts => self.list_parts(req, bucket, key),
            Op::ListUploads => Ok(self.list_uploads(req, bucket)),
            Op::PutObject => self.put(req, bucket, key, now),
            Op::CopyObject => self.copy_object(req, bucket, key, now),
            Op::GetObject | Op::HeadObject => self.get(req, bucket, key),
            Op::DeleteObject => self.delete(bucket, key),
        }
    }

    fn initiate(&self, req: &Request, bucket: &str, key: &str, now: u64) -> Reply {
        let mut store = lock(&self.store);
        store.next_upload += 1;
        let n = store.next_upload;
        let id = format!(
            "{now}{}",
            hex(&md5(format!("{bucket}/{key}/{n}/{now}").as_bytes()))
        );
        store.uploads.insert(
            id.clone(),
            Upload {
                bucket: bucket.into(),
                key: key.into(),
                initiated: now,
                headers: object_headers(req),
                parts: BTreeMap::new(),
            },
        );
        let mut doc = Doc::new("InitiateMultipartUploadResult");
        doc.field(1, "Bucket", bucket)
            .field(1, "Key", key)
            .field(1, "UploadId", &id);
        Reply::new(200, Body::Xml(doc.finish()))
    }

    /// The upload `req` names, checked against bucket and key.
    fn upload_id<'r>(&self, req: &'r Request, bucket: &str, key: &str) -> Result<&'r str, Failure> {
        let id = req.param("uploadId").unwrap_or_default();
        match lock(&self.store).uploads.get(id) {
            Some(u) if u.bucket == bucket && u.key == key => Ok(id),
            _ => Err(no_such_upload()),
        }
    }

    /// Stores a part of upload `id`.
    fn store_part(
        &self,
        id: &str,
        number: u16,
        data: Vec<u8>,
        now: u64,
    ) -> Result<String, Failure> {
        let digest = md5(&data);
        let etag = quoted_md5(&digest);
        let mut store = lock(&self.store);
        let upload = store.uploads.get_mut(id).ok_or_else(no_such_upload)?;
        upload.parts.insert(
            number,
            Part {
                data,
                md5: digest,
                etag: etag.clone(),
                last_modified: now,
            },
        );
        Ok(etag)
    }

    /// The part number and upload of an UploadPart or UploadPartCopy.
    fn part_of<'r>(
        &self,
        req: &'r Request,
        bucket: &str,
        key: &str,
    ) -> Result<(u16, &'r str), Failure> {
        Ok((part_number(req)?, self.upload_id(req, bucket, key)?))
    }

    fn upload_part(&self, req: &Request, at: (&str, &str), now: u64) -> Result<Reply, Failure> {
        let (number, id) = self.part_of(req, at.0, at.1)?;
        check_md5(req)?;
        if req.body.len() as u64 > MAX_PART {
            return Err(too_large());
        }
        let etag = self.store_part(id, number, req.body.clone(), now)?;
        Ok(Reply::new(200, Body::Empty).header("ETag", etag))
    }

    /// Reads `x-cos-copy-source` and finds the object, then evaluates the
    /// copy conditions against it (412 if they do not hold).
    fn copy_source(&self, req: &Request) -> Result<Source, Failure> {
        let value = req.header("x-cos-copy-source").unwrap_or_default();
        let source =
            CopySource::parse(value).map_err(|e| invalid(format!("x-cos-copy-source: {e}")))?;
        if source.version_id().is_some() {
            return Err(fail(501, "NotImplemented", "Versioning is not emulated."));
        }
        let mut key = vec![0u8; source.decoded_key_len()];
        let key = source
            .decode_key(&mut key)
            .map_err(|e| invalid(format!("x-cos-copy-source: {e}")))?
            .to_owned();
        let bucket = source.bucket().to_owned();
        let (object, data) = {
            let store = lock(&self.store);
            if store.buckets.get(&bucket).map(String::as_str) != Some(source.region()) {
                return Err(fail(
                    404,
                    "NoSuchBucket",
                    "The source bucket does not exist.",
                ));
            }
            let object = store.get(&bucket, &key).ok_or_else(no_such_key)?;
            let data = store.read(&object).map_err(|e| internal(&e))?;
            (object, data)
        };
        let pairs: Vec<(&str, &str)> = req
            .headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        let condition = CopyCondition::from_headers(&pairs).map_err(|e| invalid(e.to_string()))?;
        if !condition.allows(&object.etag, object.last_modified) {
            return Err(fail(
                412,
                "PreconditionFailed",
                "At least one of the pre-conditions you specified did not hold.",
            ));
        }
        Ok(Source {
            object,
            data,
            bucket,
            key,
        })
    }

    fn part_copy(&self, req: &Request, at: (&str, &str), now: u64) -> Result<Reply, Failure> {
        let (number, id) = self.part_of(req, at.0, at.1)?;
        let source = self.copy_source(req)?;
        let size = source.object.size;
        // An empty range header is sent by SDKs that have no range: absent.
        let (first, last) = match req.header("x-cos-copy-source-range") {
            Some(v) if !v.is_empty() => {
                let r = ByteRange::parse(v)
                    .map_err(|e| invalid(format!("x-cos-copy-source-range: {e}")))?;
                (r.first(), r.last())
            }
            _ if size == 0 => return Err(invalid("The source object is empty.".into())),
            _ => (0, size - 1),
        };
        if last >= size {
            return Err(invalid(format!(
                "The copy source range bytes={first}-{last} is not within the object's {size} bytes."
            )));
        }
        if last - first + 1 > MAX_PART {
            return Err(too_large());
        }
        let data = source.data[first as usize..=last as usize].to_vec();
        let etag = self.store_part(id, number, data, now)?;
        let mut doc = Doc::new("CopyPartResult");
        doc.field(1, "ETag", &etag)
            .field(1, "LastModified", &iso8601(now));
        Ok(Reply::new(200, Body::Xml(doc.finish())).header("x-cos-copy-source-version-id", "null"))
    }

    fn complete(
        &self,
        req: &Request,
        host: &str,
        bucket: &str,
        key: &str,
        now: u64,
        fault: Option<&Fault>,
    ) -> Result<Reply, Failure> {
        let id = self.upload_id(req, bucket, key)?.to_owned();
        let listed = parse_complete_body(&req.body)?;
        if listed.windows(2).any(|w| w[0].0 >= w[1].0) {
            return Err(fail(
                400,
                "InvalidPartOrder",
                "The list of parts was not in ascending order.",
            ));
        }
        let (parts, headers) = {
            let mut store = lock(&self.store);
            let upload = store.uploads.get(&id).ok_or_else(no_such_upload)?;
            for (i, (number, etag)) in listed.iter().enumerate() {
                let part = upload
                    .parts
                    .get(number)
                    .filter(|p| p.etag.trim_matches('"') == etag.trim_matches('"'));
                let Some(part) = part else {
                    return Err(fail(
                        400,
                        "InvalidPart",
                        format!("Part {number} was not uploaded or its ETag differs."),
                    ));
                };
                if i + 1 < listed.len() && (part.data.len() as u64) < MIN_PART {
                    return Err(fail(
                        400,
                        "EntityTooSmall",
                        format!(
                            "Part {number} is {} bytes: every part but the last must be at least {MIN_PART}.",
                            part.data.len()
                        ),
                    ));
                }
            }
            let mut upload = store.uploads.remove(&id).ok_or_else(no_such_upload)?;
            let parts: Vec<Part> = listed
                .iter()
                .filter_map(|(n, _)| upload.parts.remove(n))
                .collect();
            (parts, upload.headers)
        };
        // Merge on the side, as COS does, while the answer waits (and
        // sends spaces if the merge is slow).
        let delay = match fault {
            Some(Fault::SlowMerge(d)) => Some(*d),
            _ => None,
        };
        let (tx, rx) = mpsc::channel();
        let store = Arc::clone(&self.store);
        let location = format!("http://{host}/{key}");
        let (bucket, key) = (bucket.to_owned(), key.to_owned());
        thread::spawn(move || {
            if let Some(d) = delay {
                thread::sleep(d);
            }
            let mut data = Vec::with_capacity(parts.iter().map(|p| p.data.len()).sum());
            let mut digests = Vec::with_capacity(parts.len() * 16);
            for p in &parts {
                data.extend_from_slice(&p.data);
                digests.extend_from_slice(&p.md5);
            }
            drop(parts);
            let etag = format!("\"{}-{}\"", hex(&md5(&digests)), digests.len() / 16);
            let stored = lock(&store).put(&bucket, &key, data, headers, Some(etag), now);
            let xml = match stored {
                Ok(object) => {
                    let mut doc = Doc::new("CompleteMultipartUploadResult");
                    doc.field(1, "Location", &location)
                        .field(1, "Bucket", &bucket)
                        .field(1, "Key", &key)
                        .field(1, "ETag", &object.etag);
                    doc.finish()
                }
                Err(e) => {
                    // An error after the 200 went out: in the body, as COS.
                    let mut doc = Doc::new("Error");
                    doc.field(1, "Code", "InternalError").field(
                        1,
                        "Message",
                        &format!("storage error: {e}"),
                    );
                    doc.finish()
                }
            };
            let _ = tx.send(xml);
        });
        Ok(Reply::new(200, Body::Merging(rx)))
    }

    fn abort(&self, req: &Request, bucket: &str, key: &str) -> Result<Reply, Failure> {
        let id = self.upload_id(req, bucket, key)?;
        lock(&self.store).uploads.remove(id);
        Ok(Reply::new(204, Body::Empty))
    }

    fn list_parts(&self, req: &Request, bucket: &str, key: &str) -> Result<Reply, Failure> {
        let id = self.upload_id(req, bucket, key)?;
        let count = |name: &str, default: u64| match req.param(name) {
            None => Ok(default),
            Some(v) => v
                .parse::<u64>()
                .map_err(|_| invalid(format!("{name} must be a number."))),
        };
        let max = count("max-parts", 1000)?.min(1000);
        let marker = count("part-number-marker", 0)?;
        let url = req.param("encoding-type") == Some("url");
        let store = lock(&self.store);
        let upload = store.uploads.get(id).ok_or_else(no_such_upload)?;
        let after: Vec<(&u16, &Part)> = upload
            .parts
            .iter()
            .filter(|(n, _)| u64::from(**n) > marker)
            .collect();
        let shown = &after[..after.len().min(max as usize)];
        let truncated = shown.len() < after.len();
        let next = shown.last().map_or(marker, |(n, _)| u64::from(**n));
        let mut doc = Doc::new("ListPartsResult");
        doc.field(1, "Bucket", bucket);
        if url {
            doc.field(1, "EncodingType", "url");
        }
        doc.field(
            1,
            "Key",
            &if url { url_encode(key) } else { key.to_owned() },
        )
        .field(1, "UploadId", id);
        for who in ["Initiator", "Owner"] {
            doc.tag(1, who, true)
                .field(2, "ID", OWNER)
                .field(2, "DisplayName", "100000000001")
                .tag(1, who, false);
        }
        doc.field(1, "StorageClass", "STANDARD")
            .field(1, "PartNumberMarker", &marker.to_string())
            .field(1, "NextPartNumberMarker", &next.to_string())
            .field(1, "MaxParts", &max.to_string())
            .field(1, "IsTruncated", if truncated { "true" } else { "false" });
        for (n, p) in shown {
            doc.tag(1, "Part", true)
                .field(2, "PartNumber", &n.to_string())
                .field(2, "LastModified", &iso8601(p.last_modified))
                .field(2, "ETag", &p.etag)
                .field(2, "Size", &p.data.len().to_string())
                .tag(1, "Part", false);
        }
        Ok(Reply::new(200, Body::Xml(doc.finish())))
    }

    fn list_uploads(&self, req: &Request, bucket: &str) -> Reply {
        let p = |n: &str| req.param(n).unwrap_or_default();
        let (prefix, delimiter) = (p("prefix"), p("delimiter"));
        let (key_marker, id_marker) = (p("key-marker"), p("upload-id-marker"));
        let max = req
            .param("max-uploads")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(1000)
            .min(1000);
        let url = req.param("encoding-type") == Some("url");
        let shown_key = |k: &str| if url { url_encode(k) } else { k.to_owned() };
        let store = lock(&self.store);
        let mut uploads: Vec<(&String, &Upload)> = store
            .uploads
            .iter()
            .filter(|(id, u)| {
                u.bucket == bucket
                    && u.key.starts_with(prefix)
                    && (key_marker.is_empty()
                        || u.key.as_str() > key_marker
                        || (u.key == key_marker
                            && !id_marker.is_empty()
                            && id.as_str() > id_marker))
            })
            .collect();
        uploads.sort_by(|a, b| (&a.1.key, a.0).cmp(&(&b.1.key, b.0)));
        // Entries in order: an upload, or a common prefix (once).
        let mut entries: Vec<Result<(&String, &Upload), String>> = Vec::new();
        for (id, u) in uploads {
            let rest = &u.key[prefix.len()..];
            match rest.find(delimiter).filter(|_| !delimiter.is_empty()) {
                Some(i) => {
                    let common = format!("{prefix}{}", &rest[..i + delimiter.len()]);
                    if !entries.iter().any(|e| e.as_ref().err() == Some(&common)) {
                        entries.push(Err(common));
                    }
                }
                None => entries.push(Ok((id, u))),
            }
        }
        let truncated = entries.len() > max;
        entries.truncate(max);
        let (next_key, next_id) = match entries.last() {
            Some(Ok((id, u))) if truncated => (u.key.clone(), (*id).clone()),
            Some(Err(common)) if truncated => (common.clone(), String::new()),
            _ => (String::new(), String::new()),
        };
        let mut doc = Doc::new("ListMultipartUploadsResult");
        doc.field(1, "Bucket", bucket);
        if url {
            doc.field(1, "EncodingType", "url");
        }
        doc.field(1, "KeyMarker", &shown_key(key_marker))
            .field(1, "UploadIdMarker", id_marker)
            .field(1, "NextKeyMarker", &shown_key(&next_key))
            .field(1, "NextUploadIdMarker", &next_id)
            .field(1, "MaxUploads", &max.to_string())
            .field(1, "IsTruncated", if truncated { "true" } else { "false" })
            .field(1, "Prefix", &shown_key(prefix));
        if !delimiter.is_empty() {
            doc.field(1, "Delimiter", &shown_key(delimiter));
        }
        for entry in &entries {
            match entry {
                Ok((id, u)) => {
                    doc.tag(1, "Upload", true)
                        .field(2, "Key", &shown_key(&u.key))
                        .field(2, "UploadId", id)
                        .field(2, "StorageClass", "STANDARD");
                    for who in ["Initiator", "Owner"] {
                        doc.tag(2, who, true)
                            .field(3, "ID", OWNER)
                            .field(3, "DisplayName", "100000000001")
                            .tag(2, who, false);
                    }
                    doc.field(2, "Initiated", &iso8601(u.initiated))
                        .tag(1, "Upload", false);
                }
                Err(common) => {
                    doc.tag(1, "CommonPrefixes", true)
                        .field(2, "Prefix", &shown_key(common))
                        .tag(1, "CommonPrefixes", false);
                }
            }
        }
        Reply::new(200, Body::Xml(doc.finish()))
    }

    fn put(&self, req: &Request, bucket: &str, key: &str, now: u64) -> Result<Reply, Failure> {
        check_md5(req)?;
        let object = lock(&self.store)
            .put(
                bucket,
                key,
                req.body.clone(),
                object_headers(req),
                None,
                now,
            )
            .map_err(|e| internal(&e))?;
        Ok(Reply::new(200, Body::Empty).header("ETag", object.etag))
    }

    fn copy_object(
        &self,
        req: &Request,
        bucket: &str,
        key: &str,
        now: u64,
    ) -> Result<Reply, Failure> {
        let source = self.copy_source(req)?;
        if req
            .header("x-cos-copy-source-range")
            .is_some_and(|v| !v.is_empty())
        {
            return Err(invalid(
                "x-cos-copy-source-range is for UploadPartCopy only.".into(),
            ));
        }
        if source.object.size > MAX_PART {
            return Err(fail(
                400,
                "EntityTooLarge",
                "PUT Object - Copy copies at most 5 GB: use a multipart copy.",
            ));
        }
        let replaced = match req.header("x-cos-metadata-directive") {
            None => false,
            Some(d) if d.eq_ignore_ascii_case("copy") => false,
            Some(d) if d.eq_ignore_ascii_case("replaced") => true,
            Some(d) => return Err(invalid(format!("x-cos-metadata-directive: {d:?}"))),
        };
        if !replaced && source.bucket == bucket && source.key == key {
            return Err(fail(
                400,
                "InvalidRequest",
                "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata.",
            ));
        }
        let headers = if replaced {
            object_headers(req)
        } else {
            source.object.headers.clone()
        };
        let object = lock(&self.store)
            .put(bucket, key, source.data.to_vec(), headers, None, now)
            .map_err(|e| internal(&e))?;
        let mut doc = Doc::new("CopyObjectResult");
        doc.field(1, "ETag", &object.etag)
            .field(1, "LastModified", &iso8601(now));
        Ok(Reply::new(200, Body::Xml(doc.finish())))
    }

    fn get(&self, req: &Request, bucket: &str, key: &str) -> Result<Reply, Failure> {
        let (object, data) = {
            let store = lock(&self.store);
            let object = store.get(bucket, key).ok_or_else(no_such_key)?;
            let data = store.read(&object).map_err(|e| internal(&e))?;
            (object, data)
        };
        let size = object.size;
        let (status, range) = match wanted(req.header("range"), size) {
            Wanted::Whole => (200, 0..data.len()),
            Wanted::Bytes(first, last) => (206, first as usize..last as usize + 1),
            Wanted::Unsatisfiable => {
                return Err(fail(
                    416,
                    "InvalidRange",
                    "The requested range is not satisfiable.",
                ));
            }
        };
        let mut reply = Reply::new(status, Body::Empty)
            .header("ETag", object.etag.clone())
            .header("Last-Modified", http_date(object.last_modified))
            .header("Accept-Ranges", "bytes");
        if status == 206 {
            reply = reply.header(
                "Content-Range",
                format!("bytes {}-{}/{size}", range.start, range.end - 1),
            );
        }
        let mut headers = object.headers.clone();
        if !headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-type"))
        {
            headers.push(("Content-Type".into(), "application/octet-stream".into()));
        }
        // `response-*` parameters replace the stored headers.
        for (param, name) in [
            ("response-content-type", "Content-Type"),
            ("response-content-language", "Content-Language"),
            ("response-expires", "Expires"),
            ("response-cache-control", "Cache-Control"),
            ("response-content-disposition", "Content-Disposition"),
            ("response-content-encoding", "Content-Encoding"),
        ] {
            if let Some(v) = req.param(param) {
                headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
                headers.push((name.to_owned(), v.to_owned()));
            }
        }
        reply.headers.extend(headers);
        reply.body = if req.method == "HEAD" {
            Body::HeadOf(range.len() as u64)
        } else {
            Body::Data(data, range)
        };
        Ok(reply)
    }

    fn delete(&self, bucket: &str, key: &str) -> Result<Reply, Failure> {
        lock(&self.store)
            .delete(bucket, key)
            .map_err(|e| internal(&e))?;
        Ok(Reply::new(204, Body::Empty))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_of_md5s() {
        assert_eq!(base64(&md5(b"hello")), "XUFAKrxLKna5cZ2REBfFkg==");
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"ab"), "YWI=");
    }

    #[test]
    fn ranges() {
        let w = |r: &str, size| wanted(Some(r), size);
        assert_eq!(w("bytes=0-9", 100), Wanted::Bytes(0, 9));
        assert_eq!(w("bytes=90-200", 100), Wanted::Bytes(90, 99));
        assert_eq!(w("bytes=90-", 100), Wanted::Bytes(90, 99));
        assert_eq!(w("bytes=-10", 100), Wanted::Bytes(90, 99));
        assert_eq!(w("bytes=-200", 100), Wanted::Bytes(0, 99));
        assert_eq!(w("bytes=100-", 100), Wanted::Unsatisfiable);
        assert_eq!(w("bytes=-0", 100), Wanted::Unsatisfiable);
        assert_eq!(w("bytes=0-", 0), Wanted::Unsatisfiable);
        for ignored in [
            "bytes=5-1",
            "bytes=0-1,4-5",
            "items=0-1",
            "bytes=+1-2",
            "bytes=-",
        ] {
            assert_eq!(w(ignored, 100), Wanted::Whole, "{ignored}");
        }
        assert_eq!(wanted(None, 100), Wanted::Whole);
    }
}
