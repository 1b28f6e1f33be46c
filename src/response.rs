// The documentation of this module is on [`Response`]: the module is private.

use crate::redact::Masked;
use crate::xml::{Event, Tokenizer, XmlError, XmlErrorKind, is_xml_ws};
use core::fmt;
use heapless::String;
use heapless::string::StringView;

/// A field of one of the documents, named by its XML element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Field {
    /// `ETag` (copy and Complete results).
    ETag,
    /// `LastModified` (copy result).
    LastModified,
    /// `Code` (error).
    Code,
    /// `Message` (error).
    Message,
    /// `Resource` (error).
    Resource,
    /// `RequestId` (error).
    RequestId,
    /// `TraceId` (error).
    TraceId,
    /// `StringToSign` (error, `SignatureDoesNotMatch` only).
    StringToSign,
    /// `FormatString` (error, `SignatureDoesNotMatch` only).
    FormatString,
    /// `Location` (Complete result).
    Location,
    /// `Bucket` (Initiate and Complete results).
    Bucket,
    /// `Key` (Initiate and Complete results).
    Key,
    /// `UploadId` (Initiate result).
    UploadId,
}

impl Field {
    /// The element name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ETag => "ETag",
            Self::LastModified => "LastModified",
            Self::Code => "Code",
            Self::Message => "Message",
            Self::Resource => "Resource",
            Self::RequestId => "RequestId",
            Self::TraceId => "TraceId",
            Self::StringToSign => "StringToSign",
            Self::FormatString => "FormatString",
            Self::Location => "Location",
            Self::Bucket => "Bucket",
            Self::Key => "Key",
            Self::UploadId => "UploadId",
        }
    }

    /// Every field, in declaration order.
    pub const ALL: [Field; 13] = [
        Self::ETag,
        Self::LastModified,
        Self::Code,
        Self::Message,
        Self::Resource,
        Self::RequestId,
        Self::TraceId,
        Self::StringToSign,
        Self::FormatString,
        Self::Location,
        Self::Bucket,
        Self::Key,
        Self::UploadId,
    ];

    /// Whether the protocol needs this value whole (`ETag`, `UploadId`: a
    /// cut one would corrupt the requests that send it back), so that one
    /// longer than its capacity is [`ResponseError::ValueTooLong`] instead
    /// of cut.
    #[must_use]
    pub const fn needs_whole_value(self) -> bool {
        matches!(self, Self::ETag | Self::UploadId)
    }

    const fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// The fields of a document whose values were longer than their capacity
/// and were kept cut: a set of [`Field`]s, two bytes.
///
/// A cut value is the longest prefix of the whole (trimmed) value that
/// fits, at a character boundary, with its trailing whitespace dropped.
///
/// ```
/// use tencent_cos_core::{Field, Response};
///
/// let body = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>";
/// let Response::Error(e) = Response::<14>::parse(body)? else { unreachable!() };
/// assert_eq!(e.message.as_deref(), Some("Please reduce"));
/// assert!(e.cut.contains(Field::Message) && !e.cut.contains(Field::Code));
/// assert_eq!(e.cut.iter().collect::<Vec<_>>(), [Field::Message]);
/// # Ok::<(), tencent_cos_core::ResponseError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct CutFields(u16);

impl CutFields {
    /// No value cut.
    pub const NONE: Self = Self(0);

    /// Whether `field`'s value was cut.
    #[must_use]
    pub const fn contains(self, field: Field) -> bool {
        self.0 & field.bit() != 0
    }

    /// Whether no value was cut.
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// This set with `field` added.
    #[must_use]
    pub const fn with(self, field: Field) -> Self {
        Self(self.0 | field.bit())
    }

    /// The fields cut, in [`Field::ALL`]'s order.
    pub fn iter(self) -> impl Iterator<Item = Field> {
        Field::ALL.into_iter().filter(move |f| self.contains(*f))
    }
}

impl fmt::Debug for CutFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which document a body is, by its root element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum DocumentKind {
    /// `<CopyPartResult>`: an UploadPartCopy succeeded.
    CopyPartResult,
    /// `<Error>`: any request failed (also on a `200`).
    Error,
    /// `<InitiateMultipartUploadResult>`.
    InitiateMultipartUploadResult,
    /// `<CompleteMultipartUploadResult>`.
    CompleteMultipartUploadResult,
}

impl DocumentKind {
    /// The root element's name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::CopyPartResult => "CopyPartResult",
            Self::Error => "Error",
            Self::InitiateMultipartUploadResult => "InitiateMultipartUploadResult",
            Self::CompleteMultipartUploadResult => "CompleteMultipartUploadResult",
        }
    }

    /// The document whose root element's name is one that `is` accepts.
    fn from_root(mut is: impl FnMut(&str) -> bool) -> Option<Self> {
        [
            Self::CopyPartResult,
            Self::Error,
            Self::InitiateMultipartUploadResult,
            Self::CompleteMultipartUploadResult,
        ]
        .into_iter()
        .find(|k| is(k.as_str()))
    }

    const fn fields(self) -> &'static [Field] {
        match self {
            Self::CopyPartResult => &[Field::ETag, Field::LastModified],
            Self::Error => &[
                Field::Code,
                Field::Message,
                Field::Resource,
                Field::RequestId,
                Field::TraceId,
                Field::StringToSign,
                Field::FormatString,
            ],
            Self::InitiateMultipartUploadResult => &[Field::Bucket, Field::Key, Field::UploadId],
            Self::CompleteMultipartUploadResult => {
                &[Field::Location, Field::Bucket, Field::Key, Field::ETag]
            }
        }
    }
}

impl fmt::Display for DocumentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a body could not be read as one of the documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ResponseError {
    /// The body is not well-formed XML, or ended before its root closed
    /// ([`XmlErrorKind::Incomplete`]).
    Xml(XmlError),
    /// The root element is none of the four documents.
    UnknownRoot,
    /// A value the protocol needs whole (an `ETag`, an `UploadId`: see
    /// [`Field::needs_whole_value`]) is longer than the capacity chosen for
    /// it. Any other value is cut instead (see [`CutFields`]).
    ValueTooLong {
        /// The field.
        field: Field,
    },
    /// A field appears twice.
    DuplicateField {
        /// The field.
        field: Field,
    },
    /// A field holds an element instead of text.
    NestedElement {
        /// The field.
        field: Field,
    },
    /// A required field is absent or empty.
    MissingField {
        /// The field.
        field: Field,
    },
}

impl ResponseError {
    /// Whether the body simply ended too early (more input might have
    /// completed it).
    #[must_use]
    pub fn is_incomplete(&self) -> bool {
        matches!(self, Self::Xml(e) if e.kind == XmlErrorKind::Incomplete)
    }
}

impl From<XmlError> for ResponseError {
    fn from(e: XmlError) -> Self {
        Self::Xml(e)
    }
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Xml(e) => fmt::Display::fmt(e, f),
            Self::UnknownRoot => f.write_str("unknown root element"),
            Self::ValueTooLong { field } => write!(f, "{field} is longer than its capacity"),
            Self::DuplicateField { field } => write!(f, "{field} appears twice"),
            Self::NestedElement { field } => write!(f, "{field} contains an element"),
            Self::MissingField { field } => write!(f, "{field} is missing or empty"),
        }
    }
}

impl core::error::Error for ResponseError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Xml(e) => Some(e),
            _ => None,
        }
    }
}

/// The answer to an UploadPartCopy that succeeded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
// On bare metal each document is laid out as declared, `cut` first: it is
// then at the same offset in all four, and the reader writes it without
// a match on the kind (the `Response` is `repr(u8)` there).
#[cfg_attr(cos_compact, repr(C))]
pub struct CopyPartResult<const N: usize> {
    /// The values kept cut (only `LastModified` can be).
    pub cut: CutFields,
    /// The part's ETag, quotes kept (`"ba82..."`): CompleteMultipartUpload
    /// sends it back as is. Never cut.
    pub etag: String<N>,
    /// When the part was written, as sent (`2017-09-04T04:45:45`, or with
    /// `Z` or milliseconds).
    pub last_modified: Option<String<N>>,
}

impl<const N: usize> CopyPartResult<N> {
    /// Whether `field`'s value was cut to fit its capacity.
    #[must_use]
    pub const fn is_cut(&self, field: Field) -> bool {
        self.cut.contains(field)
    }
}

/// An `Error` document.
///
/// `Debug` masks the secret values the server echoes in `StringToSign` and
/// `FormatString` (the security token, SSE-C keys, `authorization`,
/// `q-signature`), as [`explain`](crate::explain()) does; defmt shows the
/// length of those two only.
#[derive(Clone, PartialEq, Eq, Default)]
#[cfg_attr(cos_compact, repr(C))]
pub struct CosErrorBody<const N: usize, const D: usize = N> {
    /// The values kept cut.
    pub cut: CutFields,
    /// The error code (see [`CosErrorCode`](crate::CosErrorCode)). Kept
    /// whole whenever `N` is at least
    /// [`MAX_CODE_LEN`](crate::cos_error::MAX_CODE_LEN); cut (and then read
    /// as [`CosErrorCode::Cut`](crate::CosErrorCode::Cut)) below that.
    pub code: Option<String<N>>,
    /// The human-readable message.
    pub message: Option<String<N>>,
    /// The bucket or object the request was about.
    pub resource: Option<String<N>>,
    /// The request's id, for support.
    pub request_id: Option<String<N>>,
    /// The error's trace id, for support.
    pub trace_id: Option<String<N>>,
    /// The server's StringToSign (`SignatureDoesNotMatch` only).
    pub string_to_sign: Option<String<D>>,
    /// The server's HttpString, named `FormatString` (`SignatureDoesNotMatch`
    /// only).
    pub format_string: Option<String<D>>,
}

impl<const N: usize, const D: usize> CosErrorBody<N, D> {
    /// Whether `field`'s value was cut to fit its capacity.
    #[must_use]
    pub const fn is_cut(&self, field: Field) -> bool {
        self.cut.contains(field)
    }
}

impl<const N: usize, const D: usize> fmt::Debug for CosErrorBody<N, D> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn masked<const D: usize>(v: &Option<String<D>>) -> Option<Masked<'_>> {
            v.as_deref().map(Masked::canonical)
        }
        f.debug_struct("CosErrorBody")
            .field("code", &self.code)
            .field("message", &self.message)
            .field("resource", &self.resource)
            .field("request_id", &self.request_id)
            .field("trace_id", &self.trace_id)
            .field("string_to_sign", &masked(&self.string_to_sign))
            .field("format_string", &masked(&self.format_string))
            .field("cut", &self.cut)
            .finish()
    }
}

#[cfg(feature = "defmt")]
#[cfg_attr(docsrs, doc(cfg(feature = "defmt")))]
impl<const N: usize, const D: usize> defmt::Format for CosErrorBody<N, D> {
    fn format(&self, f: defmt::Formatter<'_>) {
        let len = |v: &Option<String<D>>| v.as_ref().map(|v| v.len());
        defmt::write!(
            f,
            "CosErrorBody {{ code: {}, message: {}, resource: {}, request_id: {}, trace_id: {}, \
             string_to_sign: {} bytes, format_string: {} bytes, cut: {} }}",
            self.code,
            self.message,
            self.resource,
            self.request_id,
            self.trace_id,
            len(&self.string_to_sign),
            len(&self.format_string),
            self.cut
        )
    }
}

/// The answer to InitiateMultipartUpload.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(cos_compact, repr(C))]
pub struct InitiateMultipartUploadResult<const N: usize> {
    /// The values kept cut (`Bucket`, `Key`).
    pub cut: CutFields,
    /// The destination bucket (`examplebucket-1250000000`).
    pub bucket: Option<String<N>>,
    /// The destination key.
    pub key: Option<String<N>>,
    /// The upload's id, needed by every later request. Never cut.
    pub upload_id: String<N>,
}

impl<const N: usize> InitiateMultipartUploadResult<N> {
    /// Whether `field`'s value was cut to fit its capacity.
    #[must_use]
    pub const fn is_cut(&self, field: Field) -> bool {
        self.cut.contains(field)
    }
}

/// The answer to CompleteMultipartUpload that succeeded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[cfg_attr(cos_compact, repr(C))]
pub struct CompleteMultipartUploadResult<const N: usize> {
    /// The values kept cut (`Location`, `Bucket`, `Key`).
    pub cut: CutFields,
    /// The object's URL.
    pub location: Option<String<N>>,
    /// The bucket.
    pub bucket: Option<String<N>>,
    /// The key.
    pub key: Option<String<N>>,
    /// The object's ETag, quotes kept (`"aa25...-3"`). Never cut.
    pub etag: String<N>,
}

impl<const N: usize> CompleteMultipartUploadResult<N> {
    /// Whether `field`'s value was cut to fit its capacity.
    #[must_use]
    pub const fn is_cut(&self, field: Field) -> bool {
        self.cut.contains(field)
    }
}

/// One of the documents, with values of capacity `N` (and `D` for the
/// diagnostic fields of an error).
///
/// The XML documents COS answers a multipart copy with, read as they
/// arrive.
///
/// [`ResponseReader`] sits on the [`xml`](crate::xml) tokenizer: feed it
/// the body in chunks as they come off the socket, then call
/// [`finish`](ResponseReader::finish) to get a [`Response`]: one of
/// [`CopyPartResult`], [`CosErrorBody`], [`InitiateMultipartUploadResult`]
/// or [`CompleteMultipartUploadResult`], told apart by the root element
/// (a `200 OK` can carry an `Error` document).
///
/// # Values
///
/// Each field is stored in a `heapless::String<N>` whose capacity `N`
/// the caller chooses; the two diagnostic fields of an error
/// (`StringToSign`, `FormatString`, as long as the request's canonical
/// form) have their own capacity `D`, `N` unless given. With `D = 0` the
/// diagnostic fields are not kept at all: they are skipped like unknown
/// elements (an explicit choice for small targets that do not run
/// [`explain`](crate::explain())).
///
/// Values are entity-decoded and the XML whitespace (space, tab, CR, LF)
/// around them is trimmed; whitespace inside is kept as sent. Trailing
/// whitespace is written tentatively and dropped when the element closes,
/// so nothing is buffered outside the value's own storage.
///
/// # A value longer than its capacity
///
/// An answer is never lost to a small capacity. A value the protocol
/// needs whole, an `ETag` or an `UploadId` (a cut one would corrupt the
/// requests that send it back), is [`ResponseError::ValueTooLong`]. Every
/// other value (an error's `Code`, `Message`, `Resource`, `RequestId`,
/// `TraceId`, `StringToSign`, `FormatString`; `LastModified`; `Bucket`,
/// `Key`, `Location`) is kept cut: the longest prefix of the trimmed value
/// that fits, ending at a character boundary, its trailing whitespace
/// dropped. Each document says which of its values were cut in its `cut`
/// field, a [`CutFields`] set (two bytes): [`CutFields::contains`],
/// `is_cut(field)` on the documents and on [`Response`], and
/// [`Response::cut_fields`].
///
/// A cut `Code` is read by [`CosError`](crate::CosError) as
/// [`CosErrorCode::Cut`](crate::CosErrorCode::Cut), never as a named code
/// (a cut `InvalidPartOrder` would read `InvalidPart`), and whether to
/// retry then rests on the HTTP status; `N` of at least
/// [`MAX_CODE_LEN`](crate::cos_error::MAX_CODE_LEN) (46) keeps every known
/// code whole. [`explain`](crate::explain()) compares a cut server text
/// as far as it goes.
///
/// # Tolerated and rejected
///
/// Everything the tokenizer tolerates (BOM, keep-alive spaces, declaration,
/// comments, attributes, namespaces: names are matched without their
/// prefix). Unknown child elements and their subtrees are skipped, and so
/// is text directly inside the root. Rejected: an unknown root
/// ([`ResponseError::UnknownRoot`]), a known field given twice
/// ([`ResponseError::DuplicateField`]: two ETags are ambiguous, so there
/// is no "last wins"), an element inside a known field
/// ([`ResponseError::NestedElement`]), and a result whose required field
/// (the `ETag` of a copy or Complete result, the `UploadId` of an
/// Initiate result) is missing or empty ([`ResponseError::MissingField`]).
///
/// # Example
///
/// ```
/// use tencent_cos_core::Response;
///
/// // A whole body at once (`ResponseReader` takes it in pieces).
/// let body = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult>\n\
///     <Bucket>examplebucket-1250000000</Bucket><Key>dest/big-file.bin</Key>\n\
///     <UploadId>1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361</UploadId>\n\
///     </InitiateMultipartUploadResult>";
/// match Response::<128>::parse(body)? {
///     Response::Initiate(result) => assert_eq!(result.upload_id, "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361"),
///     other => panic!("{other:?}"),
/// }
/// # Ok::<(), Box<dyn core::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
// On bare metal the tag is a plain byte, the variant's index (in
// `DocumentKind`'s order), not a niche in the error's first field: the
// builder's matches on it are about 180 bytes smaller. Hosts keep the
// default layout (their whole-body parse is faster with it).
#[cfg_attr(cos_compact, repr(u8))]
pub enum Response<const N: usize, const D: usize = N> {
    /// `<CopyPartResult>`.
    CopyPart(CopyPartResult<N>),
    /// `<Error>`.
    Error(CosErrorBody<N, D>),
    /// `<InitiateMultipartUploadResult>`.
    Initiate(InitiateMultipartUploadResult<N>),
    /// `<CompleteMultipartUploadResult>`.
    Complete(CompleteMultipartUploadResult<N>),
}

impl<const N: usize, const D: usize> Response<N, D> {
    /// Which document this is.
    #[must_use]
    pub fn kind(&self) -> DocumentKind {
        match self {
            Self::CopyPart(_) => DocumentKind::CopyPartResult,
            Self::Error(_) => DocumentKind::Error,
            Self::Initiate(_) => DocumentKind::InitiateMultipartUploadResult,
            Self::Complete(_) => DocumentKind::CompleteMultipartUploadResult,
        }
    }

    /// The values kept cut to fit their capacity.
    #[must_use]
    pub const fn cut_fields(&self) -> CutFields {
        match self {
            Self::CopyPart(d) => d.cut,
            Self::Error(d) => d.cut,
            Self::Initiate(d) => d.cut,
            Self::Complete(d) => d.cut,
        }
    }

    /// Whether `field`'s value was cut to fit its capacity.
    #[must_use]
    pub const fn is_cut(&self, field: Field) -> bool {
        self.cut_fields().contains(field)
    }

    fn cut_mut(&mut self) -> &mut CutFields {
        match self {
            Self::CopyPart(d) => &mut d.cut,
            Self::Error(d) => &mut d.cut,
            Self::Initiate(d) => &mut d.cut,
            Self::Complete(d) => &mut d.cut,
        }
    }

    /// Reads a whole body at once: [`ResponseReader::feed`] then
    /// [`ResponseReader::finish`].
    pub fn parse(body: &[u8]) -> Result<Self, ResponseError> {
        let mut r = ResponseReader::new();
        r.feed(body)?;
        r.finish()
    }
}

/// The storage of `field` in the document, made present if it is optional.
#[cfg_attr(not(cos_compact), inline(always))]
fn slot<const N: usize, const D: usize>(
    doc: &mut Option<Response<N, D>>,
    field: Field,
) -> Option<&mut StringView> {
    // Where the value is, found first; made present after, once per kind
    // of storage.
    enum At<'a, const N: usize, const D: usize> {
        Whole(&'a mut String<N>),
        Optional(&'a mut Option<String<N>>),
        Diagnostic(&'a mut Option<String<D>>),
    }
    let at = match (doc, field) {
        (Some(Response::CopyPart(d)), Field::ETag) => At::Whole(&mut d.etag),
        (Some(Response::CopyPart(d)), Field::LastModified) => At::Optional(&mut d.last_modified),
        (Some(Response::Error(d)), Field::Code) => At::Optional(&mut d.code),
        (Some(Response::Error(d)), Field::Message) => At::Optional(&mut d.message),
        (Some(Response::Error(d)), Field::Resource) => At::Optional(&mut d.resource),
        (Some(Response::Error(d)), Field::RequestId) => At::Optional(&mut d.request_id),
        (Some(Response::Error(d)), Field::TraceId) => At::Optional(&mut d.trace_id),
        (Some(Response::Error(d)), Field::StringToSign) => At::Diagnostic(&mut d.string_to_sign),
        (Some(Response::Error(d)), Field::FormatString) => At::Diagnostic(&mut d.format_string),
        (Some(Response::Initiate(d)), Field::Bucket) => At::Optional(&mut d.bucket),
        (Some(Response::Initiate(d)), Field::Key) => At::Optional(&mut d.key),
        (Some(Response::Initiate(d)), Field::UploadId) => At::Whole(&mut d.upload_id),
        (Some(Response::Complete(d)), Field::Location) => At::Optional(&mut d.location),
        (Some(Response::Complete(d)), Field::Bucket) => At::Optional(&mut d.bucket),
        (Some(Response::Complete(d)), Field::Key) => At::Optional(&mut d.key),
        (Some(Response::Complete(d)), Field::ETag) => At::Whole(&mut d.etag),
        _ => return None,
    };
    Some(match at {
        At::Whole(s) => s.as_mut_view(),
        At::Optional(o) => o.get_or_insert_with(String::new).as_mut_view(),
        At::Diagnostic(o) => o.get_or_insert_with(String::new).as_mut_view(),
    })
}

/// Where a field's value goes, after its trimming state.
#[derive(Debug, Clone, Copy, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
struct Trim {
    /// A non-whitespace character has been stored.
    started: bool,
    /// Length of the value up to its last non-whitespace character.
    kept: usize,
    /// Nothing more fits (whitespace did not, or the value was cut): any
    /// further text means the value is cut there.
    overflow: bool,
}

impl Trim {
    /// Appends a piece of a value, dropping leading whitespace and holding
    /// whitespace back from the count of what is kept.
    ///
    /// `Err(())` when the value does not fit: what fits of it is kept, cut
    /// at a character boundary (the longest prefix of the trimmed value
    /// that fits, its trailing whitespace dropped by [`close`](Self::close)),
    /// and any later text is dropped, each piece of it answering `Err(())`
    /// again. Whitespace that does not fit is no cut unless text follows.
    fn append(&mut self, piece: &str, dst: &mut StringView) -> Result<(), ()> {
        // Leading whitespace is dropped until the value starts.
        let skip = match self.started {
            true => 0,
            false => crate::bytes::count(piece.bytes().take_while(|&b| is_xml_ws(b))),
        };
        let piece = piece.get(skip..).unwrap_or_default();
        // What does not fit: all of it after an overflow, or what is left
        // past the longest prefix that fits, to a character boundary.
        let rest = if self.overflow {
            piece
        } else {
            // (No arithmetic here can wrap: a length is at most its
            // capacity, and 0 is a character boundary.)
            let before = dst.len();
            let mut end = dst.capacity().wrapping_sub(before).min(piece.len());
            while !piece.is_char_boundary(end) {
                end = end.wrapping_sub(1);
            }
            let (head, rest) = piece.split_at_checked(end).unwrap_or_default();
            crate::bytes::push_str(dst, head)?;
            if let Some(last) = head.bytes().rposition(|b| !is_xml_ws(b)) {
                // Trailing whitespace is held back from what is kept.
                self.started = true;
                self.kept = before.wrapping_add(last).wrapping_add(1);
            }
            rest
        };
        if rest.is_empty() {
            return Ok(());
        }
        self.overflow = true;
        match rest.bytes().any(|b| !is_xml_ws(b)) {
            true => Err(()),
            false => Ok(()),
        }
    }

    /// Drops the trailing whitespace (`kept` ends a character: the last
    /// one that is not whitespace).
    fn close(&self, dst: &mut StringView) {
        if dst.as_bytes().get(self.kept).is_some_and(u8::is_ascii) {
            dst.truncate(self.kept);
        }
    }
}

/// Everything but the tokenizer, so that the tokenizer's callback can
/// borrow it.
#[derive(Debug, Clone)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
struct Builder<const N: usize, const D: usize> {
    /// The document, once its root has opened.
    doc: Option<Response<N, D>>,
    depth: usize,
    field: Option<Field>,
    seen: u16,
    /// The values cut so far (written into the document when its root
    /// closes).
    cut: CutFields,
    trim: Trim,
}

impl<const N: usize, const D: usize> Builder<N, D> {
    const fn new() -> Self {
        Self {
            doc: None,
            depth: 0,
            field: None,
            seen: 0,
            cut: CutFields::NONE,
            trim: Trim {
                started: false,
                kept: 0,
                overflow: false,
            },
        }
    }

    fn kind(&self) -> Option<DocumentKind> {
        self.doc.as_ref().map(Response::kind)
    }

    /// The storage of `field`, made present if it is optional.
    fn slot(&mut self, field: Field) -> Option<&mut StringView> {
        slot(&mut self.doc, field)
    }

    /// The root element opened, naming this document.
    fn open_root(&mut self, kind: DocumentKind) {
        self.doc = Some(match kind {
            DocumentKind::CopyPartResult => Response::CopyPart(Default::default()),
            DocumentKind::Error => Response::Error(Default::default()),
            DocumentKind::InitiateMultipartUploadResult => Response::Initiate(Default::default()),
            DocumentKind::CompleteMultipartUploadResult => Response::Complete(Default::default()),
        });
    }

    /// A child of the root opened, naming this field of the document
    /// (`None`: not one): the field to fill from now on, if it is kept.
    fn open_field(&mut self, field: Option<Field>) -> Result<(), ResponseError> {
        let field =
            field.filter(|f| D > 0 || !matches!(f, Field::StringToSign | Field::FormatString));
        if let Some(f) = field {
            if self.seen & f.bit() != 0 {
                return Err(ResponseError::DuplicateField { field: f });
            }
            self.seen |= f.bit();
            self.trim = Trim::default();
            // Makes an optional field present, even if empty.
            let _ = self.slot(f);
        }
        self.field = field;
        Ok(())
    }

    /// An element opened, its local name (without its prefix; empty if
    /// too long to be shown) the one `is` accepts: the name is compared,
    /// whatever form the caller has it in.
    fn start(&mut self, is: impl Fn(&str) -> bool) -> Result<(), ResponseError> {
        self.depth = self.depth.saturating_add(1);
        match self.depth {
            1 => self.open_root(DocumentKind::from_root(is).ok_or(ResponseError::UnknownRoot)?),
            2 => {
                let kind = self.kind().ok_or(ResponseError::UnknownRoot)?;
                let mut fields = kind.fields().iter().copied();
                let field = fields.find(|f| is(f.as_str()));
                self.open_field(field)?;
            }
            _ => {
                if let Some(field) = self.field {
                    return Err(ResponseError::NestedElement { field });
                }
            }
        }
        Ok(())
    }

    /// The innermost element closed.
    fn end(&mut self) {
        if self.depth == 2 {
            if let Some(f) = self.field.take() {
                let trim = self.trim;
                if let Some(dst) = self.slot(f) {
                    trim.close(dst);
                }
            }
        }
        // The root closed: the document is whole, its cut marks with it.
        if let (1, Some(doc)) = (self.depth, &mut self.doc) {
            *doc.cut_mut() = self.cut;
        }
        self.depth = self.depth.saturating_sub(1);
    }

    fn on_event(&mut self, event: Event<'_>) -> Result<(), ResponseError> {
        match event {
            Event::Start(name) => {
                let local = name.local().unwrap_or_default();
                self.start(|n| n == local)?
            }
            Event::End(_) => self.end(),
            Event::Text(piece) => {
                if let (2, Some(field)) = (self.depth, self.field) {
                    // The trimming state in place (a copy of it written
                    // back after each piece stalls on the store).
                    if let Some(dst) = slot(&mut self.doc, field) {
                        if self.trim.append(piece, dst).is_err() {
                            self.cut(field)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// `field`'s value did not fit: marked as cut, or an error if the
    /// protocol needs it whole.
    fn cut(&mut self, field: Field) -> Result<(), ResponseError> {
        if field.needs_whole_value() {
            return Err(ResponseError::ValueTooLong { field });
        }
        self.cut = self.cut.with(field);
        Ok(())
    }

    // Inlined on hosts: the reader and its document are moved out once,
    // not copied through each call.
    #[cfg_attr(not(cos_compact), inline)]
    fn finish(self) -> Result<Response<N, D>, ResponseError> {
        self.check()?;
        #[cfg(cos_compact)]
        return self.doc.ok_or(ResponseError::UnknownRoot);
        // On hosts, rebuilt variant by variant: only the document read is
        // copied, not the size of the largest.
        #[cfg(not(cos_compact))]
        match self.doc {
            Some(Response::CopyPart(d)) => Ok(Response::CopyPart(d)),
            Some(Response::Error(d)) => Ok(Response::Error(d)),
            Some(Response::Initiate(d)) => Ok(Response::Initiate(d)),
            Some(Response::Complete(d)) => Ok(Response::Complete(d)),
            None => Err(ResponseError::UnknownRoot),
        }
    }

    /// Whether the document can be finished: its root was read, and the
    /// one field it cannot do without is there.
    fn check(&self) -> Result<(), ResponseError> {
        let (value, field) = match self.doc.as_ref().ok_or(ResponseError::UnknownRoot)? {
            Response::CopyPart(d) => (&d.etag, Field::ETag),
            Response::Initiate(d) => (&d.upload_id, Field::UploadId),
            Response::Complete(d) => (&d.etag, Field::ETag),
            Response::Error(_) => return Ok(()),
        };
        if value.is_empty() {
            return Err(ResponseError::MissingField { field });
        }
        Ok(())
    }
}

/// Reads a COS response body fed in chunks of any size.
///
/// Its size is fixed: the tokenizer (under 256 bytes) plus the largest
/// document (`N` bytes per field, `D` for the two diagnostic fields).
/// `Debug` and defmt mask secrets as [`CosErrorBody`]'s do.
///
/// ```
/// use tencent_cos_core::{Response, ResponseReader};
///
/// let mut reader = ResponseReader::<64>::new();
/// for chunk in [&b"  <CopyPartResult><ETag>&quot;ba82"[..], b"&quot;</ETag></CopyPa", b"rtResult>"] {
///     reader.feed(chunk)?;
/// }
/// match reader.finish()? {
///     Response::CopyPart(part) => assert_eq!(part.etag, "\"ba82\""),
///     other => panic!("{other:?}"),
/// }
/// # Ok::<(), tencent_cos_core::ResponseError>(())
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ResponseReader<const N: usize, const D: usize = N> {
    xml: Tokenizer,
    builder: Builder<N, D>,
    failed: Option<ResponseError>,
}

impl<const N: usize, const D: usize> Default for ResponseReader<N, D> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize, const D: usize> ResponseReader<N, D> {
    /// A reader at the start of a body.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            xml: Tokenizer::new(),
            builder: Builder::new(),
            failed: None,
        }
    }

    /// Takes the next piece of the body. After an error, every later call
    /// returns it again.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), ResponseError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let builder = &mut self.builder;
        let r = self.xml.feed(chunk, &mut |e| builder.on_event(e));
        if let Err(e) = r {
            self.failed = Some(e);
        }
        r
    }

    /// Whether the root element has closed: the body is complete if it
    /// ends here.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.failed.is_none() && self.xml.is_complete()
    }

    /// Call once the body has ended: the document, or why there is none
    /// (a body that ended early is [`XmlErrorKind::Incomplete`]).
    #[cfg_attr(not(cos_compact), inline)]
    pub fn finish(self) -> Result<Response<N, D>, ResponseError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        self.xml.finish()?;
        self.builder.finish()
    }

    /// [`finish`](Self::finish) of a reader that stays where it is (the
    /// embedded-io adapter's, in the caller's buffer): only the document
    /// is moved out, not the reader with it. The reader is spent.
    #[cfg(feature = "embedded-io")]
    pub(crate) fn finish_in_place(&mut self) -> Result<Response<N, D>, ResponseError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        self.xml.finish()?;
        self.builder.check()?;
        self.builder.doc.take().ok_or(ResponseError::UnknownRoot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s<const N: usize>(v: &str) -> String<N> {
        String::try_from(v).unwrap()
    }

    #[test]
    fn trimming_keeps_inner_whitespace() {
        let cases = [
            ("<Error><Code>  a b\t\n c \r\n</Code></Error>", "a b\t\n c"),
            ("<Error><Code>\n\t</Code></Error>", ""),
            ("<Error><Code>&#32;x&#32;</Code></Error>", "x"),
            ("<Error><Code>x<!-- c --> <!-- d -->y</Code></Error>", "x y"),
            ("<Error><Code> <![CDATA[ a ]]> </Code></Error>", "a"),
        ];
        for (doc, want) in cases {
            let Response::Error(e) = Response::<16>::parse(doc.as_bytes()).unwrap() else {
                panic!()
            };
            assert_eq!(e.code.as_deref(), Some(want), "{doc:?}");
        }
    }

    fn error<const N: usize, const D: usize>(doc: &[u8]) -> CosErrorBody<N, D> {
        match Response::<N, D>::parse(doc) {
            Ok(Response::Error(e)) => e,
            other => panic!("{other:?}"),
        }
    }

    /// The code read with capacity `N`, marked as cut.
    fn code<const N: usize>(doc: &[u8]) -> String<8> {
        let e = error::<N, N>(doc);
        assert!(e.is_cut(Field::Code));
        s(&e.code.unwrap())
    }

    /// The message read with capacity `N`, marked as cut.
    fn message<const N: usize>(doc: &[u8]) -> String<8> {
        let e = error::<N, N>(doc);
        assert_eq!(e.cut.iter().collect::<Vec<_>>(), [Field::Message]);
        s(&e.message.unwrap())
    }

    #[test]
    fn capacity_is_exact() {
        let doc = b"<Error><Code>  abcd   </Code></Error>";
        let e = error::<4, 4>(doc);
        assert_eq!((e.code, e.cut), (Some(s("abcd")), CutFields::NONE));
        // One byte short: cut and marked.
        let e = error::<3, 3>(doc);
        assert_eq!(e.code, Some(s("abc")));
        assert_eq!(e.cut, CutFields::NONE.with(Field::Code));
        assert!(e.is_cut(Field::Code) && !e.is_cut(Field::Message));
        // Whitespace at the cut is trimmed from what is kept.
        let doc = b"<Error><Code>ab  cd</Code></Error>";
        assert_eq!(code::<5>(doc), "ab  c");
        assert_eq!(code::<4>(doc), "ab");
        assert_eq!(code::<3>(doc), "ab");
        assert_eq!(code::<1>(doc), "a");
        assert_eq!(code::<0>(doc), "");
        // Inner whitespace that does not fit is a cut only if text follows.
        let doc = b"<Error><Code>ab      </Code></Error>";
        assert_eq!(
            Response::<3>::parse(doc).unwrap(),
            Response::Error(CosErrorBody {
                code: Some(s("ab")),
                ..Default::default()
            })
        );
    }

    #[test]
    fn cut_at_a_character_boundary() {
        // "é" is two bytes, "€" three: a value is never cut inside one.
        let doc = "<Error><Message> aé€b </Message></Error>".as_bytes();
        assert_eq!(message::<0>(doc), "");
        assert_eq!(message::<1>(doc), "a");
        assert_eq!(message::<2>(doc), "a");
        assert_eq!(message::<3>(doc), "aé");
        assert_eq!(message::<5>(doc), "aé");
        assert_eq!(message::<6>(doc), "aé€");
        let e = error::<7, 7>(doc);
        assert_eq!(
            (e.message.as_deref(), e.cut),
            (Some("aé€b"), CutFields::NONE)
        );
    }

    #[test]
    fn values_needed_whole_are_errors() {
        for (doc, field) in [
            (
                &b"<CopyPartResult><ETag>\"0123456789\"</ETag></CopyPartResult>"[..],
                Field::ETag,
            ),
            (
                b"<CompleteMultipartUploadResult><ETag>0123456789</ETag></CompleteMultipartUploadResult>",
                Field::ETag,
            ),
            (
                b"<InitiateMultipartUploadResult><UploadId>0123456789</UploadId></InitiateMultipartUploadResult>",
                Field::UploadId,
            ),
        ] {
            assert_eq!(
                Response::<8>::parse(doc),
                Err(ResponseError::ValueTooLong { field })
            );
            assert!(Response::<12>::parse(doc).is_ok());
        }
        // The optional fields beside them are cut.
        let doc = b"<InitiateMultipartUploadResult><Bucket>examplebucket-1250000000</Bucket>\
            <Key>dir/a.bin</Key><UploadId>u1</UploadId></InitiateMultipartUploadResult>";
        let Response::Initiate(r) = Response::<8>::parse(doc).unwrap() else {
            panic!()
        };
        assert_eq!(
            (r.bucket.as_deref(), r.key.as_deref(), r.upload_id.as_str()),
            (Some("exampleb"), Some("dir/a.bi"), "u1")
        );
        assert_eq!(
            r.cut.iter().collect::<Vec<_>>(),
            [Field::Bucket, Field::Key]
        );
        let doc = b"<CompleteMultipartUploadResult><Location>http://b.cos.example.com/k</Location>\
            <Bucket>b</Bucket><Key>k</Key><ETag>\"e-2\"</ETag></CompleteMultipartUploadResult>";
        let Response::Complete(r) = Response::<8>::parse(doc).unwrap() else {
            panic!()
        };
        assert_eq!(r.location.as_deref(), Some("http://b"));
        assert_eq!(r.cut.iter().collect::<Vec<_>>(), [Field::Location]);
        let doc = b"<CopyPartResult><ETag>e</ETag><LastModified>2017-09-04T04:45:45.000Z</LastModified></CopyPartResult>";
        let r = Response::<8>::parse(doc).unwrap();
        assert!(r.is_cut(Field::LastModified) && !r.is_cut(Field::ETag));
        let Response::CopyPart(r) = r else { panic!() };
        assert_eq!(r.last_modified.as_deref(), Some("2017-09-"));
    }

    #[test]
    fn diagnostics_can_be_skipped_or_sized() {
        let doc = b"<Error><Code>SignatureDoesNotMatch</Code>\
            <StringToSign>sha1\\n1;2\\nabc\\n</StringToSign></Error>";
        let e = error::<32, 0>(doc);
        assert_eq!(e.code.as_deref(), Some("SignatureDoesNotMatch"));
        assert_eq!((e.string_to_sign, e.cut), (None, CutFields::NONE));
        let e = error::<32, 8>(doc);
        assert_eq!(e.string_to_sign.as_deref(), Some("sha1\\n1;"));
        assert_eq!(e.cut, CutFields::NONE.with(Field::StringToSign));
        let e = error::<32, 20>(doc);
        assert_eq!(e.string_to_sign.as_deref(), Some("sha1\\n1;2\\nabc\\n"));
        assert!(e.cut.is_empty());
    }

    #[test]
    fn structure_errors() {
        let cases: &[(&[u8], ResponseError)] = &[
            (b"<Other/>", ResponseError::UnknownRoot),
            (
                b"<CopyPartResult><ETag>a</ETag><ETag>b</ETag></CopyPartResult>",
                ResponseError::DuplicateField { field: Field::ETag },
            ),
            (
                b"<CopyPartResult><ETag>a<b/></ETag></CopyPartResult>",
                ResponseError::NestedElement { field: Field::ETag },
            ),
            (
                b"<CopyPartResult><LastModified>x</LastModified></CopyPartResult>",
                ResponseError::MissingField { field: Field::ETag },
            ),
            (
                b"<CopyPartResult><ETag/></CopyPartResult>",
                ResponseError::MissingField { field: Field::ETag },
            ),
            (
                b"<InitiateMultipartUploadResult><UploadId> </UploadId></InitiateMultipartUploadResult>",
                ResponseError::MissingField {
                    field: Field::UploadId,
                },
            ),
            (
                b"<CompleteMultipartUploadResult><Key>k</Key></CompleteMultipartUploadResult>",
                ResponseError::MissingField { field: Field::ETag },
            ),
        ];
        for (doc, want) in cases {
            assert_eq!(Response::<16>::parse(doc).unwrap_err(), *want);
        }
        // Unknown fields of another document are just unknown here.
        let r = Response::<16>::parse(
            b"<CopyPartResult><UploadId>u</UploadId><ETag>e</ETag></CopyPartResult>",
        );
        assert_eq!(
            r.unwrap(),
            Response::CopyPart(CopyPartResult {
                etag: s("e"),
                last_modified: None,
                cut: CutFields::NONE,
            })
        );
    }

    /// Found by the `xml` fuzz target: the same body must give the same
    /// error however it is split (here a too-long value comes before an
    /// invalid byte).
    #[test]
    fn the_error_does_not_depend_on_the_split() {
        let body = b"<CopyPartResult><ETag>0123456789abcdefghij\xe2\x82o</ETag></CopyPartResult>";
        let whole = Response::<8>::parse(body);
        assert_eq!(
            whole,
            Err(ResponseError::ValueTooLong { field: Field::ETag })
        );
        for split in 0..=body.len() {
            let mut r = ResponseReader::<8>::new();
            let (a, b) = body.split_at(split);
            let got = r.feed(a).and_then(|()| r.feed(b)).and_then(|()| r.finish());
            assert_eq!(got, whole, "split at {split}");
        }
    }

    #[test]
    fn errors_stick() {
        let mut r = ResponseReader::<16>::new();
        assert_eq!(r.feed(b"<Nope>"), Err(ResponseError::UnknownRoot));
        assert_eq!(r.feed(b"</Nope>"), Err(ResponseError::UnknownRoot));
        assert!(!r.is_complete());
        assert_eq!(r.finish(), Err(ResponseError::UnknownRoot));
        let mut r = ResponseReader::<16>::new();
        r.feed(b"<Error>").unwrap();
        let e = r.finish().unwrap_err();
        assert!(e.is_incomplete(), "{e:?}");
        assert!(!ResponseError::UnknownRoot.is_incomplete());
    }
}
