//! What the copy machine tells its caller: notices as it goes, the final
//! outcome, and its typed errors.

use super::Request;
use crate::cos_error::CosErrorCode;
use crate::response::ResponseError;
use crate::sink::OutputError;
use crate::{CopySourceError, RequestError};
use core::fmt;

/// A short text kept from an answer (an error code, a request id): up to
/// 48 bytes; a longer value is cut at a character boundary and marked,
/// never dropped.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ShortText {
    buf: [u8; 48],
    len: u8,
    cut: bool,
}

impl ShortText {
    /// No text.
    pub const EMPTY: Self = Self {
        buf: [0; 48],
        len: 0,
        cut: false,
    };

    /// Keeps `s`, cut to 48 bytes if longer.
    #[must_use]
    pub fn new(s: &str) -> Self {
        let mut len = s.len().min(48);
        while !s.is_char_boundary(len) {
            len = len.saturating_sub(1);
        }
        let mut t = Self::EMPTY;
        crate::bytes::copy(&mut t.buf, s.as_bytes().get(..len).unwrap_or_default());
        t.len = u8::try_from(len).unwrap_or(0);
        t.cut = len < s.len();
        t
    }

    /// The text kept.
    #[must_use]
    pub fn as_str(&self) -> &str {
        let kept = self.buf.get(..usize::from(self.len)).unwrap_or_default();
        core::str::from_utf8(kept).unwrap_or_default()
    }

    /// Whether the value was longer than what is kept.
    #[must_use]
    pub const fn is_cut(&self) -> bool {
        self.cut
    }

    /// Whether there is no text.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl fmt::Debug for ShortText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)?;
        if self.cut {
            f.write_str("…")?;
        }
        Ok(())
    }
}

impl fmt::Display for ShortText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())?;
        if self.cut {
            f.write_str("…")?;
        }
        Ok(())
    }
}

#[cfg(feature = "defmt")]
#[cfg_attr(docsrs, doc(cfg(feature = "defmt")))]
impl defmt::Format for ShortText {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{=str}", self.as_str());
        if self.cut {
            defmt::write!(f, "…");
        }
    }
}

/// Why an answer could not be used, though it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum AnswerError {
    /// A success status with a body that is not a document.
    Unreadable(ResponseError),
    /// A success status with no document, or another one than expected.
    UnexpectedDocument,
    /// A part's ETag is not a quoted 32-digit hex MD5 (the only shape a
    /// part record holds).
    PartETag,
    /// The upload id is empty, holds whitespace or control bytes, or is
    /// longer than [`UPLOAD_ID_CAP`](super::UPLOAD_ID_CAP).
    UploadId,
    /// The source's HEAD gave no ETag, an invalid one, or one longer than
    /// [`SOURCE_ETAG_CAP`](super::SOURCE_ETAG_CAP).
    SourceETag,
    /// The source's size (its HEAD's `Content-Length`) is not the plan's
    /// (`None`: no valid `Content-Length`).
    SourceSize {
        /// The size found.
        found: Option<u64>,
    },
    /// The destination's HEAD gave no ETag.
    DestinationETag,
}

impl fmt::Display for AnswerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unreadable(e) => write!(f, "unreadable body: {e}"),
            Self::UnexpectedDocument => f.write_str("not the document expected"),
            Self::PartETag => f.write_str("part ETag is not a quoted hex MD5"),
            Self::UploadId => f.write_str("upload id is empty, invalid or too long"),
            Self::SourceETag => f.write_str("source ETag is missing, invalid or too long"),
            Self::SourceSize { found: Some(n) } => {
                write!(f, "source is {n} bytes, not the size planned")
            }
            Self::SourceSize { found: None } => f.write_str("source size is unknown"),
            Self::DestinationETag => f.write_str("destination HEAD has no ETag"),
        }
    }
}

impl core::error::Error for AnswerError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Unreadable(e) => Some(e),
            _ => None,
        }
    }
}

/// Why one request did not succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Cause {
    /// COS (or something in front of it) answered with an error: an
    /// `Error` document on any status, or an error status.
    Service {
        /// The HTTP status.
        status: u16,
        /// The `Code` of the `Error` document; empty without one.
        code: ShortText,
    },
    /// The exchange failed before a whole answer arrived.
    Transport {
        /// Every byte of the request was written.
        request_sent: bool,
        /// Some of an answer arrived.
        answer_started: bool,
    },
    /// The answer arrived but cannot be used.
    Answer(AnswerError),
}

impl Cause {
    /// The COS error code, if an `Error` document gave one.
    #[must_use]
    pub fn code(&self) -> Option<CosErrorCode<'_>> {
        match self {
            Self::Service { code, .. } if !code.is_empty() => {
                Some(CosErrorCode::parse(code.as_str()))
            }
            _ => None,
        }
    }

    /// The HTTP status, if an answer gave one.
    #[must_use]
    pub const fn status(&self) -> Option<u16> {
        match self {
            Self::Service { status, .. } => Some(*status),
            _ => None,
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Service { status, code } if code.is_empty() => write!(f, "HTTP {status}"),
            Self::Service { status, code } => write!(f, "COS error {code} (HTTP {status})"),
            Self::Transport {
                request_sent,
                answer_started,
            } => f.write_str(match (request_sent, answer_started) {
                (_, true) => "the answer was cut short",
                (true, false) => "no answer",
                (false, false) => "the request could not be sent",
            }),
            Self::Answer(e) => fmt::Display::fmt(e, f),
        }
    }
}

/// The failure that ended a copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Failure {
    /// The request that failed.
    pub request: Request,
    /// How many times it was sent.
    pub attempts: u8,
    /// Why its last attempt failed.
    pub cause: Cause,
    /// `x-cos-request-id` (or the `Error` document's `RequestId`) of the
    /// last answer; empty without one.
    pub request_id: ShortText,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.request, self.cause)?;
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        if !self.request_id.is_empty() {
            write!(f, " [request {}]", self.request_id)?;
        }
        Ok(())
    }
}

impl core::error::Error for Failure {}

/// What became of the upload after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum AbortOutcome {
    /// No upload had been started: nothing to abort.
    NotNeeded,
    /// AbortMultipartUpload succeeded: nothing is left behind.
    Aborted,
    /// COS knows no such upload any more (`NoSuchUpload`): nothing is left.
    AlreadyGone,
    /// AbortMultipartUpload failed too: the upload
    /// ([`CopyMachine::upload_id`](super::CopyMachine::upload_id)) is left
    /// with its parts until aborted or expired by a lifecycle rule.
    Failed(Cause),
}

/// Why a copy's result is not known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Unknown {
    /// Complete's answer was lost, and the destination's ETag is not the
    /// one this upload makes: an older object, another writer's, or a merge
    /// still running.
    DestinationDiffers,
    /// Complete's answer was lost, and the destination does not exist.
    DestinationMissing,
    /// Complete's answer was lost, and the destination could not be read.
    NoEvidence(Cause),
}

/// How a copy's success is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Confirmation {
    /// CompleteMultipartUpload answered with its result.
    Answer,
    /// Complete's answer was lost; the destination's ETag (HEAD) is the
    /// multipart ETag of this upload's parts.
    DestinationETag,
}

/// The end of a copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Outcome {
    /// The destination holds the copy.
    Copied {
        /// How that is known.
        confirmation: Confirmation,
        /// Whether the object's ETag is the multipart ETag computed from
        /// the parts (always with [`Confirmation::DestinationETag`]).
        etag_matches: bool,
    },
    /// The copy failed.
    Failed {
        /// What ended it.
        failure: Failure,
        /// What became of the upload.
        abort: AbortOutcome,
    },
    /// Complete was sent but its result is not known: never a success.
    /// The upload ([`CopyMachine::upload_id`](super::CopyMachine::upload_id))
    /// is not aborted (a merge may still be running); check the
    /// destination later, or abort it.
    Unknown(Unknown),
}

impl Outcome {
    /// Whether the destination is known to hold the copy.
    #[must_use]
    pub const fn is_copied(&self) -> bool {
        matches!(self, Self::Copied { .. })
    }
}

/// Uploads InitiateMultipartUpload may have created without their id ever
/// arriving. List the destination key's uploads started from `since_ms`
/// on (ListMultipartUploads) and abort the ones that are not this copy's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Orphans {
    /// How many Initiate attempts may have created one.
    pub count: u8,
    /// When the first of them was sent (the caller's `now`, ms).
    pub since_ms: u64,
}

/// What the machine decided about an answer, for the caller to see (log
/// it, move a progress bar). [`CopyMachine::answer`](super::CopyMachine::answer)
/// returns one when there is something to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Notice {
    /// The upload was started ([`CopyMachine::upload_id`](super::CopyMachine::upload_id)).
    Initiated,
    /// A part was copied.
    PartDone {
        /// Its number.
        number: u16,
        /// Its length.
        bytes: u64,
    },
    /// A request failed and will be sent again after `after_ms`. For
    /// InitiateMultipartUpload and CompleteMultipartUpload this is the
    /// notice that a POST is being resent.
    Retrying {
        /// Which.
        request: Request,
        /// The attempt that failed (1-based).
        attempt: u8,
        /// The pause before the next.
        after_ms: u32,
        /// Why it failed.
        cause: Cause,
    },
    /// InitiateMultipartUpload's answer was lost after its request went
    /// out: COS may have created an upload whose id never arrived. Counted
    /// in [`CopyMachine::possible_orphans`](super::CopyMachine::possible_orphans).
    PossibleOrphan {
        /// When that Initiate was sent (ms).
        since_ms: u64,
        /// The pause before Initiate is sent again; `None` when it is not
        /// (attempts exhausted, or the answer said an upload was made but
        /// its id cannot be read).
        resend_after_ms: Option<u32>,
    },
    /// Complete's answer was lost; its result is being looked for in the
    /// destination's ETag (HEAD).
    Verifying,
    /// The copy failed; an AbortMultipartUpload follows if an upload was
    /// started.
    Failed(Failure),
    /// The answer is for a job that is not in flight (answered twice, or
    /// never handed out): ignored.
    NotInFlight,
}

/// Misuse of the machine, or a request that cannot be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum CopyError {
    /// The part storage holds fewer records than the plan has parts.
    PartStorage {
        /// The plan's part count.
        needed: u16,
    },
    /// A request cannot be built (destination host or key, source host),
    /// or the scratch buffer is too small (with the size needed).
    Request(RequestError),
    /// The parsed source's key cannot be decoded for its HEAD.
    SourceKey(CopySourceError),
    /// The output buffer is too small (with the size needed).
    Output(OutputError),
    /// No signing key: [`Poll::NeedKey`](super::Poll::NeedKey) asked for one.
    NoKey,
    /// The job names nothing this machine can send now (a part outside
    /// the plan, a Complete before every part is copied, a request before
    /// its upload id is known).
    NotReady,
}

impl From<RequestError> for CopyError {
    fn from(e: RequestError) -> Self {
        match e {
            RequestError::Output(o) => Self::Output(o),
            e => Self::Request(e),
        }
    }
}

impl From<OutputError> for CopyError {
    fn from(e: OutputError) -> Self {
        Self::Output(e)
    }
}

impl fmt::Display for CopyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::PartStorage { needed } => {
                write!(f, "part storage too small: {needed} records needed")
            }
            Self::Request(e) => write!(f, "request: {e}"),
            Self::SourceKey(e) => write!(f, "source key: {e}"),
            Self::Output(e) => fmt::Display::fmt(e, f),
            Self::NoKey => f.write_str("no signing key"),
            Self::NotReady => f.write_str("the job cannot be sent now"),
        }
    }
}

impl core::error::Error for CopyError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Request(e) => Some(e),
            Self::SourceKey(e) => Some(e),
            Self::Output(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_text_is_cut_and_marked() {
        let t = ShortText::new("SlowDown");
        assert_eq!((t.as_str(), t.is_cut()), ("SlowDown", false));
        let long = "é".repeat(30); // 60 bytes
        let t = ShortText::new(&long);
        assert_eq!(t.as_str(), "é".repeat(24));
        assert!(t.is_cut());
        assert_eq!(format!("{t}"), format!("{}…", "é".repeat(24)));
        let odd = format!("a{}", "é".repeat(30));
        assert_eq!(ShortText::new(&odd).as_str().len(), 47);
        assert!(ShortText::EMPTY.is_empty());
    }

    #[test]
    fn causes_name_their_code() {
        let c = Cause::Service {
            status: 503,
            code: ShortText::new("SlowDown"),
        };
        assert_eq!(c.code(), Some(CosErrorCode::SlowDown));
        assert_eq!(c.status(), Some(503));
        assert_eq!(c.to_string(), "COS error SlowDown (HTTP 503)");
        let bare = Cause::Service {
            status: 502,
            code: ShortText::EMPTY,
        };
        assert_eq!((bare.code(), bare.to_string()), (None, "HTTP 502".into()));
        let f = Failure {
            request: Request::PartCopy(2),
            attempts: 3,
            cause: c,
            request_id: ShortText::new("NTlk"),
        };
        assert_eq!(
            f.to_string(),
            "UploadPartCopy part 2: COS error SlowDown (HTTP 503) (after 3 attempts) [request NTlk]"
        );
    }
}
