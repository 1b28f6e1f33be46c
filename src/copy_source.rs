// The documentation of this module is on [`CopySource`]: the module is private.

use core::fmt;

use crate::bytes::{rsplit_once, split_once};
use crate::encode::{hex_val, percent_decode, put_encoded_keep_slash};
use crate::sink::{Emit, OutputError, Sink};

/// The longest bucket name (the part before `-APPID`): 50 characters, the
/// bound of COS's bucket naming rules.
pub const MAX_BUCKET_NAME_LEN: usize = 50;

/// The longest APPID accepted. APPIDs are system-assigned digit strings (10
/// digits today, e.g. `1250000000`); 20 digits leaves room without letting
/// an arbitrary string through.
pub const MAX_APPID_LEN: usize = 20;

/// The longest region: a region is one DNS label, at most 63 characters.
pub const MAX_REGION_LEN: usize = 63;

/// Why a copy source was refused, or could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum CopySourceError {
    /// The value starts with `http://` or `https://`; the header takes the
    /// bare host.
    SchemeNotAllowed,
    /// No `/` separates the host from the key (or a `?` comes first).
    MissingSlash,
    /// The bucket name (before `-APPID`) is empty, longer than
    /// [`MAX_BUCKET_NAME_LEN`], holds a byte other than `a-z 0-9 -`, or
    /// starts or ends with `-`.
    InvalidBucketName,
    /// The `-APPID` suffix is missing, empty, not all digits, or longer
    /// than [`MAX_APPID_LEN`].
    InvalidAppId,
    /// The label after the bucket is not `cos`, `cos-internal`, `cosv6` or
    /// `cos-cdc`.
    UnknownHostKind,
    /// The host has no region between the host kind and the domain.
    MissingRegion,
    /// The region holds a byte other than `a-z 0-9 -`, starts or ends with
    /// `-`, or is longer than [`MAX_REGION_LEN`].
    InvalidRegion,
    /// The host does not end in `myqcloud.com` or `tencentcos.cn`.
    UnknownDomain,
    /// The key is empty (after dropping one leading `/`).
    EmptyKey,
    /// The encoded key holds a byte that is not visible ASCII (a space, a
    /// control byte or non-ASCII text must be percent-encoded). `at` is the
    /// byte offset in the header value.
    InvalidKeyByte {
        /// Offset of the byte in the header value.
        at: usize,
    },
    /// A `%` in the encoded key is not followed by two hex digits. `at` is
    /// the offset of the `%` in the header value.
    BadPercentEscape {
        /// Offset of the `%` in the header value.
        at: usize,
    },
    /// A query follows the key that is not `versionId=...`.
    UnsupportedQuery,
    /// The version id is empty or holds a byte outside
    /// `A-Z a-z 0-9 - _ . ~ + / =`.
    InvalidVersionId,
    /// The decoded key is not UTF-8.
    KeyNotUtf8,
    /// The caller's buffer cannot hold the decoded key.
    BufferTooSmall {
        /// The decoded key's length in bytes.
        needed: usize,
    },
}

impl fmt::Display for CopySourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SchemeNotAllowed => f.write_str("copy source must not start with http:// or https://"),
            Self::MissingSlash => f.write_str("copy source has no '/' between host and key"),
            Self::InvalidBucketName => f.write_str(
                "bucket name must be 1-50 of a-z, 0-9, '-', not starting or ending with '-'",
            ),
            Self::InvalidAppId => f.write_str("bucket must end in '-' and an APPID of 1-20 digits"),
            Self::UnknownHostKind => {
                f.write_str("host kind must be cos, cos-internal, cosv6 or cos-cdc")
            }
            Self::MissingRegion => f.write_str("copy source host has no region"),
            Self::InvalidRegion => f.write_str(
                "region must be 1-63 of a-z, 0-9, '-', not starting or ending with '-'",
            ),
            Self::UnknownDomain => {
                f.write_str("copy source host must end in myqcloud.com or tencentcos.cn")
            }
            Self::EmptyKey => f.write_str("copy source key is empty"),
            Self::InvalidKeyByte { at } => {
                write!(f, "copy source key has an unencoded byte at offset {at}")
            }
            Self::BadPercentEscape { at } => {
                write!(f, "bad percent escape in copy source key at offset {at}")
            }
            Self::UnsupportedQuery => f.write_str("copy source query must be versionId=..."),
            Self::InvalidVersionId => f.write_str(
                "versionId must be non-empty and only A-Z, a-z, 0-9, '-', '_', '.', '~', '+', '/', '='",
            ),
            Self::KeyNotUtf8 => f.write_str("decoded copy source key is not UTF-8"),
            Self::BufferTooSmall { needed } => {
                write!(f, "buffer too small for the decoded key: {needed} bytes needed")
            }
        }
    }
}

impl core::error::Error for CopySourceError {}

/// The domain a COS host ends in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Domain {
    /// `myqcloud.com`, the default.
    MyQcloud,
    /// `tencentcos.cn`.
    TencentCos,
}

impl Domain {
    const ALL: [Self; 2] = [Self::MyQcloud, Self::TencentCos];

    /// The domain as it appears in a host.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::MyQcloud => "myqcloud.com",
            Self::TencentCos => "tencentcos.cn",
        }
    }

    /// The domain named exactly `s` (lowercase), if any.
    #[must_use]
    pub fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The first label of a COS host after the bucket: which endpoint kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum HostKind {
    /// `cos`, the public endpoint and the default.
    Cos,
    /// `cos-internal`, the private-network endpoint.
    CosInternal,
    /// `cosv6`, the IPv6 endpoint.
    CosV6,
    /// `cos-cdc`, a CDC (on-premises) cluster endpoint.
    CosCdc,
}

impl HostKind {
    const ALL: [Self; 4] = [Self::Cos, Self::CosInternal, Self::CosV6, Self::CosCdc];

    /// The label as it appears in a host.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Cos => "cos",
            Self::CosInternal => "cos-internal",
            Self::CosV6 => "cosv6",
            Self::CosCdc => "cos-cdc",
        }
    }

    /// The host kind labelled exactly `s` (lowercase), if any.
    #[must_use]
    pub fn from_label(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for HostKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The key, in the form it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
enum Key<'a> {
    /// An object key, leading `/` already dropped; written encoded.
    Raw(&'a str),
    /// A key as found on the wire (validated); written verbatim.
    Encoded(&'a str),
}

/// An `x-cos-copy-source` value: bucket, endpoint, key and optional
/// version, all borrowed. The format is described below.
///
/// There is no `PartialEq`: a built and a parsed source can name the same
/// object in different spellings (`%2A` vs `*`); compare the parts, or the
/// written values, instead.
///
/// The `x-cos-copy-source` header value: which object UploadPartCopy reads.
///
/// ```text
/// copy-source  = bucket-appid "." host-kind "." region "." domain "/" key [ "?versionId=" version-id ]
/// bucket-appid = name "-" appid            ; examplebucket-1250000000
/// host-kind    = "cos" / "cos-internal" / "cosv6" / "cos-cdc"
/// domain       = "myqcloud.com" / "tencentcos.cn"
/// ```
///
/// A [`CopySource`] is built from its parts, or parsed from a header value
/// into parts borrowed from it. Either way it writes a header value, and a
/// parsed value writes back byte for byte what was parsed.
///
/// # The key
///
/// Built from parts, the key is the object key as stored (not encoded).
/// One leading `/` is dropped (only one: `//a` is the key `/a`), then the key
/// is percent-encoded exactly once: every byte outside `A-Z a-z 0-9 - _ . ~ /`
/// becomes `%XX` with uppercase hex. So a space is `%20`, `+` is `%2B`
/// (COS would read a raw `+` as a space), `*` is `%2A`, `%` is `%25`, a `?`
/// is `%3F` (so the `?` of `?versionId=` is never ambiguous), and CJK text
/// is its UTF-8 bytes, escaped. This is what the Python SDK sends. An empty
/// key is refused. Dot segments (`a/../b`) are sent as they are: unlike the
/// request line, a header value is not rewritten by HTTP stacks.
///
/// Parsed, the key is kept as it was on the wire and written back verbatim,
/// so a value the Node SDK sends (which passes the caller's string through,
/// e.g. a literal `*`) survives a round trip unchanged.
/// [`CopySource::decode_key`] turns it back into the object key.
///
/// # The version
///
/// The version id is appended as `?versionId=<id>` without encoding, as the
/// Python SDK does. Since it is not encoded it is checked instead: it must be
/// non-empty and made of `A-Z a-z 0-9 - _ . ~ + / =` only (COS version ids
/// are base64-like, e.g. `MTg0NDUxNTc1NjIzMTQ1MDAwODg`). `&`, `?`, `#`, `%`,
/// whitespace and control bytes are refused. A `+` travels as it is: pass
/// the id exactly as COS returned it.
///
/// # Example
///
/// ```
/// use tencent_cos_core::{CopySource, Domain, HostKind, Output};
///
/// let src = CopySource::new("sourcebucket-1250000000", "ap-guangzhou", "/源文件/report + final~*.txt")?
///     .with_version_id("MTg0NDUxNTc1NjIzMTQ1MDAwODg")?;
/// let mut buf = [0u8; 160];
/// let value = src.to_slice(&mut buf)?;
/// assert_eq!(
///     value,
///     "sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com/\
///      %E6%BA%90%E6%96%87%E4%BB%B6/report%20%2B%20final~%2A.txt\
///      ?versionId=MTg0NDUxNTc1NjIzMTQ1MDAwODg"
/// );
/// assert_eq!(src.len(), value.len());
///
/// // Parse it back: the parts borrow from `value`.
/// let parsed = CopySource::parse(value)?;
/// assert_eq!(parsed.bucket(), "sourcebucket-1250000000");
/// assert_eq!(parsed.appid(), "1250000000");
/// assert_eq!((parsed.host_kind(), parsed.domain()), (HostKind::Cos, Domain::MyQcloud));
/// let mut key = [0u8; 64];
/// assert_eq!(parsed.decode_key(&mut key)?, "源文件/report + final~*.txt");
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CopySource<'a> {
    bucket: &'a str,
    region: &'a str,
    host_kind: HostKind,
    domain: Domain,
    key: Key<'a>,
    version_id: Option<&'a str>,
}

impl<'a> CopySource<'a> {
    /// A source on the default endpoint (`cos`, `myqcloud.com`).
    ///
    /// `bucket` is `<name>-<APPID>` (e.g. `examplebucket-1250000000`),
    /// `region` e.g. `ap-guangzhou`, `key` the object key as stored, not
    /// encoded; one leading `/` is dropped.
    pub fn new(bucket: &'a str, region: &'a str, key: &'a str) -> Result<Self, CopySourceError> {
        check_bucket(bucket)?;
        check_region(region)?;
        let key = key.strip_prefix('/').unwrap_or(key);
        if key.is_empty() {
            return Err(CopySourceError::EmptyKey);
        }
        Ok(Self {
            bucket,
            region,
            host_kind: HostKind::Cos,
            domain: Domain::MyQcloud,
            key: Key::Raw(key),
            version_id: None,
        })
    }

    /// The same source on another endpoint.
    #[must_use]
    pub const fn with_host(mut self, host_kind: HostKind, domain: Domain) -> Self {
        self.host_kind = host_kind;
        self.domain = domain;
        self
    }

    /// The same source, naming version `id` (appended unencoded; see the
    /// module docs for the characters accepted).
    pub fn with_version_id(mut self, id: &'a str) -> Result<Self, CopySourceError> {
        check_version_id(id)?;
        self.version_id = Some(id);
        Ok(self)
    }

    /// Parses a header value. The parts borrow from `value`; the key stays
    /// encoded as it was (see [`decode_key`](Self::decode_key)), and the
    /// source writes back exactly `value`.
    ///
    /// The host is matched exactly (lowercase). The key runs from the first
    /// `/` to the first `?`; it must be non-empty, visible ASCII, with every
    /// `%` starting a two-hex-digit escape. What follows the `?` must be
    /// `versionId=` and a valid id.
    pub fn parse(value: &'a str) -> Result<Self, CopySourceError> {
        if has_http_scheme(value) {
            return Err(CopySourceError::SchemeNotAllowed);
        }
        let (host, path) = match value.find(['/', '?']) {
            Some(i) if value.as_bytes().get(i) == Some(&b'/') => (
                value.get(..i).unwrap_or(""),
                value.get(i.saturating_add(1)..).unwrap_or(""),
            ),
            _ => return Err(CopySourceError::MissingSlash),
        };
        let (bucket, rest) = split_once(host, b'.').unwrap_or((host, ""));
        check_bucket(bucket)?;
        let (kind, rest) = split_once(rest, b'.').unwrap_or((rest, ""));
        let host_kind = HostKind::from_label(kind).ok_or(CopySourceError::UnknownHostKind)?;
        let (region, domain) = split_domain(rest)?;
        check_region(region)?;

        let (key, query) = match split_once(path, b'?') {
            Some((k, q)) => (k, Some(q)),
            None => (path, None),
        };
        if key.is_empty() {
            return Err(CopySourceError::EmptyKey);
        }
        check_encoded_key(key, host.len().saturating_add(1))?;
        let version_id = match query {
            None => None,
            Some(q) => {
                let id = q
                    .strip_prefix("versionId=")
                    .ok_or(CopySourceError::UnsupportedQuery)?;
                check_version_id(id)?;
                Some(id)
            }
        };
        Ok(Self {
            bucket,
            region,
            host_kind,
            domain,
            key: Key::Encoded(key),
            version_id,
        })
    }

    /// The bucket with its APPID, e.g. `examplebucket-1250000000`.
    #[must_use]
    pub fn bucket(&self) -> &'a str {
        self.bucket
    }

    /// The bucket name without the APPID, e.g. `examplebucket`.
    #[must_use]
    pub fn bucket_name(&self) -> &'a str {
        rsplit_once(self.bucket, b'-').map_or(self.bucket, |(n, _)| n)
    }

    /// The APPID, e.g. `1250000000`.
    #[must_use]
    pub fn appid(&self) -> &'a str {
        rsplit_once(self.bucket, b'-').map_or("", |(_, a)| a)
    }

    /// The region, e.g. `ap-guangzhou`.
    #[must_use]
    pub fn region(&self) -> &'a str {
        self.region
    }

    /// The endpoint kind.
    #[must_use]
    pub fn host_kind(&self) -> HostKind {
        self.host_kind
    }

    /// The domain.
    #[must_use]
    pub fn domain(&self) -> Domain {
        self.domain
    }

    /// The version id, if one is named.
    #[must_use]
    pub fn version_id(&self) -> Option<&'a str> {
        self.version_id
    }

    /// For a source built from parts: the object key (leading `/`
    /// dropped). `None` for a parsed source.
    #[must_use]
    pub fn raw_key(&self) -> Option<&'a str> {
        match self.key {
            Key::Raw(k) => Some(k),
            Key::Encoded(_) => None,
        }
    }

    /// For a parsed source: the key as it was on the wire. `None` for a
    /// source built from parts.
    #[must_use]
    pub fn encoded_key(&self) -> Option<&'a str> {
        match self.key {
            Key::Raw(_) => None,
            Key::Encoded(k) => Some(k),
        }
    }

    /// The length in bytes of the decoded key: what
    /// [`decode_key`](Self::decode_key) needs.
    #[must_use]
    pub fn decoded_key_len(&self) -> usize {
        match self.key {
            Key::Raw(k) => k.len(),
            Key::Encoded(k) => {
                let escapes = crate::bytes::count(k.bytes().filter(|&b| b == b'%'));
                k.len().saturating_sub(escapes.saturating_mul(2))
            }
        }
    }

    /// Writes the object key into `buf` (escapes decoded, `+` kept as `+`)
    /// and returns it.
    pub fn decode_key<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str, CopySourceError> {
        let needed = self.decoded_key_len();
        let out = buf
            .get_mut(..needed)
            .ok_or(CopySourceError::BufferTooSmall { needed })?;
        let n = match self.key {
            Key::Raw(k) => {
                for (d, s) in out.iter_mut().zip(k.bytes()) {
                    *d = s;
                }
                k.len()
            }
            // `parse` checked the escapes, so a bad one cannot show here.
            Key::Encoded(k) => percent_decode(k.as_bytes(), out).map_err(|at| match at {
                usize::MAX => CopySourceError::BufferTooSmall { needed },
                at => CopySourceError::BadPercentEscape { at },
            })?,
        };
        let out: &'b [u8] = out;
        core::str::from_utf8(out.get(..n).unwrap_or_default())
            .map_err(|_| CopySourceError::KeyNotUtf8)
    }
}

/// The header value is an [`Output`](crate::Output).
impl Emit for CopySource<'_> {
    fn emit(&self, out: &mut dyn Sink) -> Result<(), OutputError> {
        out.put(self.bucket.as_bytes())?;
        out.put(b".")?;
        out.put(self.host_kind.as_str().as_bytes())?;
        out.put(b".")?;
        out.put(self.region.as_bytes())?;
        out.put(b".")?;
        out.put(self.domain.as_str().as_bytes())?;
        out.put(b"/")?;
        match self.key {
            Key::Raw(k) => put_encoded_keep_slash(out, k.as_bytes())?,
            Key::Encoded(k) => out.put(k.as_bytes())?,
        }
        if let Some(id) = self.version_id {
            out.put(b"?versionId=")?;
            out.put(id.as_bytes())?;
        }
        Ok(())
    }
}

crate::sink::output!(CopySource<'_>);

fn has_http_scheme(value: &str) -> bool {
    ["http://", "https://"].into_iter().any(|scheme| {
        value
            .get(..scheme.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(scheme))
    })
}

/// `a-z 0-9 -`, 1..=max long, no `-` at either end.
fn is_label(s: &str, max: usize) -> bool {
    (1..=max).contains(&s.len())
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

pub(crate) fn check_bucket(bucket: &str) -> Result<(), CopySourceError> {
    let (name, appid) = rsplit_once(bucket, b'-').ok_or(CopySourceError::InvalidAppId)?;
    if !is_label(name, MAX_BUCKET_NAME_LEN) {
        return Err(CopySourceError::InvalidBucketName);
    }
    if !(1..=MAX_APPID_LEN).contains(&appid.len()) || !appid.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CopySourceError::InvalidAppId);
    }
    Ok(())
}

pub(crate) fn check_region(region: &str) -> Result<(), CopySourceError> {
    if region.is_empty() {
        Err(CopySourceError::MissingRegion)
    } else if is_label(region, MAX_REGION_LEN) {
        Ok(())
    } else {
        Err(CopySourceError::InvalidRegion)
    }
}

/// Splits `region "." domain` at a known domain.
fn split_domain(rest: &str) -> Result<(&str, Domain), CopySourceError> {
    for domain in Domain::ALL {
        if rest == domain.as_str() {
            return Err(CopySourceError::MissingRegion);
        }
        if let Some(region) = rest
            .strip_suffix(domain.as_str())
            .and_then(|r| r.strip_suffix('.'))
        {
            return Ok((region, domain));
        }
    }
    Err(CopySourceError::UnknownDomain)
}

/// Checks an on-the-wire key starting at offset `base` of the value.
fn check_encoded_key(key: &str, base: usize) -> Result<(), CopySourceError> {
    let bytes = key.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let at = base.saturating_add(i);
        if b == b'%' {
            let hex = |j: usize| bytes.get(j).copied().and_then(hex_val);
            if hex(i.saturating_add(1)).is_none() || hex(i.saturating_add(2)).is_none() {
                return Err(CopySourceError::BadPercentEscape { at });
            }
            i = i.saturating_add(3);
        } else if b.is_ascii_graphic() {
            i = i.saturating_add(1);
        } else {
            return Err(CopySourceError::InvalidKeyByte { at });
        }
    }
    Ok(())
}

fn check_version_id(id: &str) -> Result<(), CopySourceError> {
    let ok = |b: u8| b.is_ascii_alphanumeric() || b"-_.~+/=".contains(&b);
    if !id.is_empty() && id.bytes().all(ok) {
        Ok(())
    } else {
        Err(CopySourceError::InvalidVersionId)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::{self, Output};
    use proptest::prelude::*;

    const PY_VALUE: &str = "sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com/\
        %E6%BA%90%E6%96%87%E4%BB%B6/report%20%2B%20final~%2A.txt\
        ?versionId=MTg0NDUxNTc1NjIzMTQ1MDAwODg";
    const NODE_VALUE: &str = "sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com/\
        %E6%BA%90%E6%96%87%E4%BB%B6/report%20%2B%20final~*.txt\
        ?versionId=MTg0NDUxNTc1NjIzMTQ1MDAwODg";
    const RAW_KEY: &str = "源文件/report + final~*.txt";
    const VERSION: &str = "MTg0NDUxNTc1NjIzMTQ1MDAwODg";

    fn show(src: &CopySource<'_>) -> String {
        let mut s = String::new();
        src.write_to(&mut s).unwrap();
        s
    }

    fn decoded(src: &CopySource<'_>) -> String {
        let mut buf = vec![0u8; src.decoded_key_len()];
        src.decode_key(&mut buf).unwrap().to_string()
    }

    /// The key encoding written the obvious way.
    fn reference_encode(key: &str) -> String {
        key.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    }

    #[test]
    fn builds_the_python_sdk_value() {
        let src = CopySource::new("sourcebucket-1250000000", "ap-guangzhou", RAW_KEY)
            .unwrap()
            .with_version_id(VERSION)
            .unwrap();
        assert_eq!(show(&src), PY_VALUE);
        assert_eq!(src.to_string(), PY_VALUE);
        assert_eq!(src.len(), PY_VALUE.len());
        let mut buf = [0u8; 200];
        assert_eq!(src.to_slice(&mut buf).unwrap(), PY_VALUE);
        let mut small = [0u8; 10];
        assert_eq!(
            src.to_slice(&mut small),
            Err(OutputError::BufferTooSmall {
                needed: PY_VALUE.len()
            })
        );
        // A leading slash is dropped, once.
        let lead =
            CopySource::new("sourcebucket-1250000000", "ap-guangzhou", "/plain.bin").unwrap();
        assert_eq!(
            lead.to_string(),
            "sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com/plain.bin"
        );
        assert_eq!(lead.raw_key(), Some("plain.bin"));
        let two = CopySource::new("b-1", "r", "//a").unwrap();
        assert_eq!(two.to_string(), "b-1.cos.r.myqcloud.com//a");
    }

    #[test]
    fn encodes_reserved_bytes_once() {
        let src = CopySource::new("b-1", "r", "a?b%c d+e&f=g#h/i:j").unwrap();
        assert_eq!(
            src.to_string(),
            "b-1.cos.r.myqcloud.com/a%3Fb%25c%20d%2Be%26f%3Dg%23h/i%3Aj"
        );
        let src = CopySource::new("b-1", "r", "example-腾讯云.jpg")
            .unwrap()
            .with_host(HostKind::CosInternal, Domain::TencentCos);
        assert_eq!(
            src.to_string(),
            "b-1.cos-internal.r.tencentcos.cn/example-%E8%85%BE%E8%AE%AF%E4%BA%91.jpg"
        );
    }

    #[test]
    fn endpoints_format_and_parse() {
        for kind in HostKind::ALL {
            for domain in Domain::ALL {
                let src = CopySource::new("examplebucket-1250000000", "ap-beijing-1", "k")
                    .unwrap()
                    .with_host(kind, domain);
                let text = src.to_string();
                assert_eq!(
                    text,
                    format!("examplebucket-1250000000.{kind}.ap-beijing-1.{domain}/k")
                );
                let back = CopySource::parse(&text).unwrap();
                assert_eq!((back.host_kind(), back.domain()), (kind, domain));
                assert_eq!(back.region(), "ap-beijing-1");
            }
        }
        assert_eq!(HostKind::from_label("cosv6"), Some(HostKind::CosV6));
        assert_eq!(HostKind::from_label("COS"), None);
        assert_eq!(Domain::from_name("tencentcos.cn"), Some(Domain::TencentCos));
        assert_eq!(Domain::from_name("qcloud.com"), None);
    }

    #[test]
    fn parses_the_node_sdk_value_verbatim() {
        let src = CopySource::parse(NODE_VALUE).unwrap();
        assert_eq!(src.to_string(), NODE_VALUE);
        assert_eq!(src.len(), NODE_VALUE.len());
        assert_eq!(
            src.encoded_key(),
            Some("%E6%BA%90%E6%96%87%E4%BB%B6/report%20%2B%20final~*.txt")
        );
        assert_eq!(src.raw_key(), None);
        assert_eq!(decoded(&src), RAW_KEY);
        assert_eq!(src.version_id(), Some(VERSION));
        assert_eq!(src.bucket(), "sourcebucket-1250000000");
        assert_eq!(src.bucket_name(), "sourcebucket");
        assert_eq!(src.appid(), "1250000000");
        assert_eq!(src.region(), "ap-guangzhou");
        // Rebuilt from its decoded key, it takes the Python SDK's spelling.
        let rebuilt = CopySource::new(src.bucket(), src.region(), RAW_KEY)
            .unwrap()
            .with_version_id(VERSION)
            .unwrap();
        assert_eq!(rebuilt.to_string(), PY_VALUE);
    }

    #[test]
    fn the_vectors_round_trip() {
        let vectors: serde_json::Value =
            serde_json::from_str(include_str!("../tests/data/signature-vectors.json")).unwrap();
        let mut seen = 0;
        for v in vectors.as_array().unwrap() {
            let name = v["name"].as_str().unwrap();
            if !["upc_", "python_full_", "node_full_"]
                .iter()
                .any(|p| name.starts_with(p))
            {
                continue;
            }
            let Some(value) = v["signed_headers"]["x-cos-copy-source"].as_str() else {
                continue;
            };
            seen += 1;
            let parsed = CopySource::parse(value).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(parsed.to_string(), value, "{name}");
            assert_eq!(parsed.bucket(), "sourcebucket-1250000000", "{name}");
            assert_eq!(parsed.region(), "ap-guangzhou", "{name}");
            // The Python SDK's spelling is the one `new` produces.
            if !name.starts_with("node_") {
                let key = decoded(&parsed);
                let mut built = CopySource::new(parsed.bucket(), parsed.region(), &key).unwrap();
                if let Some(id) = parsed.version_id() {
                    built = built.with_version_id(id).unwrap();
                }
                assert_eq!(built.to_string(), value, "{name}");
            }
        }
        assert_eq!(seen, 8);
    }

    #[test]
    fn decode_key_reports_its_errors() {
        let src = CopySource::parse("b-1.cos.r.myqcloud.com/a%20b").unwrap();
        assert_eq!(src.decoded_key_len(), 3);
        let mut small = [0u8; 2];
        assert_eq!(
            src.decode_key(&mut small),
            Err(CopySourceError::BufferTooSmall { needed: 3 })
        );
        let mut exact = [0u8; 3];
        assert_eq!(src.decode_key(&mut exact), Ok("a b"));

        let bad = CopySource::parse("b-1.cos.r.myqcloud.com/a%FFb+").unwrap();
        assert_eq!(bad.to_string(), "b-1.cos.r.myqcloud.com/a%FFb+");
        let mut buf = [0u8; 8];
        assert_eq!(bad.decode_key(&mut buf), Err(CopySourceError::KeyNotUtf8));

        let raw = CopySource::new("b-1", "r", "/ü").unwrap();
        assert_eq!(
            raw.decode_key(&mut [0u8; 1]),
            Err(CopySourceError::BufferTooSmall { needed: 2 })
        );
        assert_eq!(raw.decode_key(&mut buf), Ok("ü"));
    }

    #[test]
    fn every_parse_error() {
        use CopySourceError::*;
        let cases: &[(&str, CopySourceError)] = &[
            ("https://b-1.cos.r.myqcloud.com/k", SchemeNotAllowed),
            ("HTTP://b-1.cos.r.myqcloud.com/k", SchemeNotAllowed),
            ("b-1.cos.r.myqcloud.com", MissingSlash),
            ("b-1.cos.r.myqcloud.com?versionId=a/b", MissingSlash),
            ("Bucket-1.cos.r.myqcloud.com/k", InvalidBucketName),
            ("-1.cos.r.myqcloud.com/k", InvalidBucketName),
            ("b--1.cos.r.myqcloud.com/k", InvalidBucketName),
            ("-b-1.cos.r.myqcloud.com/k", InvalidBucketName),
            ("b_x-1.cos.r.myqcloud.com/k", InvalidBucketName),
            (
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-1.cos.r.myqcloud.com/k",
                InvalidBucketName,
            ),
            ("bucket.cos.r.myqcloud.com/k", InvalidAppId),
            ("b-x1.cos.r.myqcloud.com/k", InvalidAppId),
            ("b-.cos.r.myqcloud.com/k", InvalidAppId),
            ("b-123456789012345678901.cos.r.myqcloud.com/k", InvalidAppId),
            ("b-1.cdn.r.myqcloud.com/k", UnknownHostKind),
            ("b-1.COS.r.myqcloud.com/k", UnknownHostKind),
            ("b-1/k", UnknownHostKind),
            ("b-1.cos.myqcloud.com/k", MissingRegion),
            ("b-1.cos..myqcloud.com/k", MissingRegion),
            ("b-1.cos.ap_gz.myqcloud.com/k", InvalidRegion),
            ("b-1.cos.a.b.myqcloud.com/k", InvalidRegion),
            ("b-1.cos.-r.myqcloud.com/k", InvalidRegion),
            ("b-1.cos.r.example.com/k", UnknownDomain),
            ("b-1.cos.r.myqcloud.com.evil.com/k", UnknownDomain),
            ("b-1.cos.r.MYQCLOUD.COM/k", UnknownDomain),
            ("b-1.cos.r.myqcloud.com/", EmptyKey),
            ("b-1.cos.r.myqcloud.com/?versionId=x", EmptyKey),
            ("b-1.cos.r.myqcloud.com/a b", InvalidKeyByte { at: 24 }),
            ("b-1.cos.r.myqcloud.com/aü", InvalidKeyByte { at: 24 }),
            ("b-1.cos.r.myqcloud.com/a\n", InvalidKeyByte { at: 24 }),
            ("b-1.cos.r.myqcloud.com/a%2", BadPercentEscape { at: 24 }),
            ("b-1.cos.r.myqcloud.com/%zz", BadPercentEscape { at: 23 }),
            ("b-1.cos.r.myqcloud.com/a%%41", BadPercentEscape { at: 24 }),
            ("b-1.cos.r.myqcloud.com/k?versionid=x", UnsupportedQuery),
            ("b-1.cos.r.myqcloud.com/k?uploads", UnsupportedQuery),
            ("b-1.cos.r.myqcloud.com/k?versionId=", InvalidVersionId),
            ("b-1.cos.r.myqcloud.com/k?versionId=a&b=c", InvalidVersionId),
            ("b-1.cos.r.myqcloud.com/k?versionId=a?b", InvalidVersionId),
            ("b-1.cos.r.myqcloud.com/k?versionId=a%3D", InvalidVersionId),
            ("b-1.cos.r.myqcloud.com/k?versionId=a b", InvalidVersionId),
        ];
        for &(value, want) in cases {
            assert_eq!(
                CopySource::parse(value).map(|s| s.to_string()),
                Err(want),
                "{value:?}"
            );
        }
        // Every variant has a message.
        for (_, e) in cases {
            assert!(!e.to_string().is_empty());
        }
        assert_eq!(
            BadPercentEscape { at: 24 }.to_string(),
            "bad percent escape in copy source key at offset 24"
        );
    }

    #[test]
    fn every_build_error() {
        use CopySourceError::*;
        assert_eq!(CopySource::new("b-1", "r", "").map(|_| ()), Err(EmptyKey));
        assert_eq!(CopySource::new("b-1", "r", "/").map(|_| ()), Err(EmptyKey));
        assert_eq!(
            CopySource::new("b", "r", "k").map(|_| ()),
            Err(InvalidAppId)
        );
        assert_eq!(
            CopySource::new("b.c-1", "r", "k").map(|_| ()),
            Err(InvalidBucketName)
        );
        assert_eq!(
            CopySource::new("b-1", "", "k").map(|_| ()),
            Err(MissingRegion)
        );
        assert_eq!(
            CopySource::new("b-1", "ap-", "k").map(|_| ()),
            Err(InvalidRegion)
        );
        let r64 = "r".repeat(64);
        assert_eq!(
            CopySource::new("b-1", &r64, "k").map(|_| ()),
            Err(InvalidRegion)
        );
        let src = CopySource::new("b-1", "r", "k").unwrap();
        for id in ["", "a#b", "a\tb", "ü", "a%20"] {
            assert_eq!(
                src.with_version_id(id).map(|_| ()),
                Err(InvalidVersionId),
                "{id:?}"
            );
        }
        assert!(src.with_version_id("AZaz09-_.~+/=").is_ok());
        // Bounds are inclusive.
        let name50 = format!("{}-{}", "a".repeat(50), "1".repeat(20));
        assert!(CopySource::new(&name50, &"r".repeat(63), "k").is_ok());
    }

    #[test]
    fn keep_slash_encoder_matches_the_reference() {
        for key in ["a/b c", "/", "//x//", "%/+/*/?", "腾讯/云", "\u{0}\u{7f}"] {
            let mut buf = [0u8; 64];
            let got = sink::to_slice::<OutputError>(&mut buf, |s| {
                put_encoded_keep_slash(s, key.as_bytes())
            })
            .unwrap();
            assert_eq!(got, reference_encode(key), "{key:?}");
        }
    }

    fn bucket_strategy() -> impl Strategy<Value = String> {
        ("[a-z0-9]([a-z0-9-]{0,48}[a-z0-9])?", "[0-9]{1,20}")
            .prop_map(|(name, appid)| format!("{name}-{appid}"))
    }

    fn region_strategy() -> impl Strategy<Value = String> {
        "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?".prop_map(|s| s)
    }

    fn key_strategy() -> impl Strategy<Value = String> {
        let ch = prop_oneof![
            3 => any::<char>(),
            1 => prop::sample::select(vec!['/', '+', '%', '?', ' ', '*', '~', '&', '#', '='])
        ];
        // Leading slashes are rare in random text: add up to three.
        (0..4usize, prop::collection::vec(ch, 1..40))
            .prop_map(|(slashes, cs)| "/".repeat(slashes) + &cs.into_iter().collect::<String>())
            .prop_filter("non-empty after one leading slash", |k| {
                !k.strip_prefix('/').unwrap_or(k).is_empty()
            })
    }

    fn endpoint_strategy() -> impl Strategy<Value = (HostKind, Domain)> {
        (
            prop::sample::select(HostKind::ALL.to_vec()),
            prop::sample::select(Domain::ALL.to_vec()),
        )
    }

    proptest! {
        #[test]
        fn build_format_parse_format(
            bucket in bucket_strategy(),
            region in region_strategy(),
            key in key_strategy(),
            (kind, domain) in endpoint_strategy(),
            version in proptest::option::of("[A-Za-z0-9._~+/=-]{1,40}"),
        ) {
            let mut src = CopySource::new(&bucket, &region, &key).unwrap().with_host(kind, domain);
            if let Some(v) = &version {
                src = src.with_version_id(v).unwrap();
            }
            let text = show(&src);
            prop_assert_eq!(src.len(), text.len());
            let mut buf = vec![0u8; text.len()];
            prop_assert_eq!(src.to_slice(&mut buf).unwrap(), text.as_str());

            let stripped = key.strip_prefix('/').unwrap_or(&key);
            let mut want = format!("{bucket}.{kind}.{region}.{domain}/{}", reference_encode(stripped));
            if let Some(v) = &version {
                want.push_str("?versionId=");
                want.push_str(v);
            }
            prop_assert_eq!(&text, &want);

            let back = CopySource::parse(&text).unwrap();
            prop_assert_eq!(show(&back), text.clone());
            prop_assert_eq!(back.bucket(), bucket.as_str());
            prop_assert_eq!(back.region(), region.as_str());
            prop_assert_eq!(back.host_kind(), kind);
            prop_assert_eq!(back.domain(), domain);
            prop_assert_eq!(back.version_id(), version.as_deref());
            prop_assert_eq!(back.decoded_key_len(), stripped.len());
            prop_assert_eq!(decoded(&back), stripped);
        }

        #[test]
        fn parse_accepts_only_what_it_writes_back(
            value in prop_oneof![
                any::<String>(),
                (bucket_strategy(), region_strategy(), "[ -~]{0,30}", endpoint_strategy())
                    .prop_map(|(b, r, rest, (k, d))| format!("{b}.{k}.{r}.{d}/{rest}")),
            ]
        ) {
            if let Ok(src) = CopySource::parse(&value) {
                prop_assert_eq!(show(&src), value.clone());
                prop_assert_eq!(src.len(), value.len());
                let mut buf = vec![0u8; src.decoded_key_len()];
                match src.decode_key(&mut buf) {
                    Ok(_) | Err(CopySourceError::KeyNotUtf8) => {}
                    Err(e) => prop_assert!(false, "decode_key: {e}"),
                }
            }
        }
    }
}
