//! A whole multipart copy as a state machine: it decides which request
//! to send and what each answer means; the caller moves the bytes and
//! keeps the time.

use crate::raw::{self, tcc_pair, tcc_str};
use crate::request::{self, tcc_copy_source, tcc_host};
use crate::response::{TCC_COS_NONE, tcc_cos_code};
use crate::state::{self, tcc_copy_machine, tcc_response_reader, tcc_signing_key};
use crate::status::{self, Result, tcc_status, tcc_status::*};
use core::ffi::c_char;
use tencent_cos_core::copy::{
    AbortOutcome, Answer, AnswerError, Cause, Confirmation, CopyConfig, CopyMachine, Document,
    Headers, Job, Notice, Outcome, PartSlot, Poll, Request, RetryPolicy, ShortText, Unknown,
};
use tencent_cos_core::{CopyPlan, Output};

/// The most UploadPartCopy requests a `tcc_copy_machine` keeps out at
/// once (`tcc_copy_config.max_in_flight`).
pub const TCC_COPY_MAX_IN_FLIGHT: usize = 8;

/// The bytes of a `tcc_part_slot`.
pub const TCC_PART_SLOT_SIZE: usize = 18;

/// The record a copy keeps of one part (its ETag as 16 raw bytes, its
/// state, its failed attempts): give `tcc_copy_init` an array of at least
/// as many as the copy has parts. Any alignment.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tcc_part_slot {
    /// The opaque bytes.
    pub bytes: [u8; TCC_PART_SLOT_SIZE],
}

const _: () = {
    assert!(size_of::<PartSlot>() == TCC_PART_SLOT_SIZE);
    assert!(size_of::<tcc_part_slot>() == TCC_PART_SLOT_SIZE);
    assert!(align_of::<PartSlot>() == 1 && align_of::<tcc_part_slot>() == 1);
};

/// What a `tcc_copy_machine` holds: the machine (borrowing the caller's
/// strings and part slots, see `tcc_copy_init`) and the jobs it handed
/// out and has not had answered (the handles C gets).
pub(crate) struct Machine {
    machine: CopyMachine<'static, 'static>,
    jobs: [Option<Job>; TCC_COPY_MAX_IN_FLIGHT],
}

/// What to copy where, and how. Fill it with `tcc_copy_config_init`
/// (the defaults), then set the source, the destination and the sizes.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tcc_copy_config {
    /// The object to copy from.
    pub source: tcc_copy_source,
    /// Where the source's HEAD goes; all empty: the source bucket's own
    /// domain.
    pub source_host: tcc_host,
    /// The source's ETag, if known: then no HEAD of the source is sent,
    /// and the caller vouches that `object_size` is the source's. Empty:
    /// HEAD the source first.
    pub source_etag: tcc_str,
    /// The source's SSE-C key (base64, 44 characters); empty for none.
    pub source_customer_key: tcc_str,
    /// MD5 of that key (base64, 24 characters).
    pub source_customer_key_md5: tcc_str,
    /// The destination.
    pub destination: tcc_host,
    /// The destination object key.
    pub key: tcc_str,
    /// The source's size in bytes.
    pub object_size: u64,
    /// The preferred part size (brought into 1 MiB..=5 GiB, and grown if
    /// the object would need more than 10000 parts).
    pub part_size: u64,
    /// The pause after a first failure (ms), doubled after each further
    /// one.
    pub base_delay_ms: u32,
    /// The longest pause (ms).
    pub max_delay_ms: u32,
    /// Ask for a fresh key when the current one has less than this many
    /// seconds left.
    pub key_margin_s: u32,
    /// Entropy for the pauses' jitter (from your RNG); 0: exact pauses.
    pub jitter_seed: u32,
    /// The most UploadPartCopy requests out at once,
    /// 1..=`TCC_COPY_MAX_IN_FLIGHT`.
    pub max_in_flight: u16,
    /// The most times one request is sent (1: no retry).
    pub max_attempts: u8,
}

/// A request of the copy (a `uint32_t`: one of the `TCC_REQUEST_*`
/// values).
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct tcc_request_kind(pub u32);

/// `HEAD` of the source: its size and ETag.
pub const TCC_REQUEST_HEAD_SOURCE: tcc_request_kind = tcc_request_kind(0);
/// InitiateMultipartUpload.
pub const TCC_REQUEST_INITIATE: tcc_request_kind = tcc_request_kind(1);
/// UploadPartCopy of the part `part_number`.
pub const TCC_REQUEST_PART_COPY: tcc_request_kind = tcc_request_kind(2);
/// CompleteMultipartUpload, with its body.
pub const TCC_REQUEST_COMPLETE: tcc_request_kind = tcc_request_kind(3);
/// `HEAD` of the destination, after Complete's answer was lost.
pub const TCC_REQUEST_HEAD_DESTINATION: tcc_request_kind = tcc_request_kind(4);
/// AbortMultipartUpload.
pub const TCC_REQUEST_ABORT: tcc_request_kind = tcc_request_kind(5);

/// The number and part of a request.
fn request_kind(r: Request) -> (tcc_request_kind, u16) {
    match r {
        Request::HeadSource => (TCC_REQUEST_HEAD_SOURCE, 0),
        Request::Initiate => (TCC_REQUEST_INITIATE, 0),
        Request::PartCopy(n) => (TCC_REQUEST_PART_COPY, n),
        Request::Complete => (TCC_REQUEST_COMPLETE, 0),
        Request::HeadDestination => (TCC_REQUEST_HEAD_DESTINATION, 0),
        Request::Abort => (TCC_REQUEST_ABORT, 0),
    }
}

/// One request to send: what `tcc_copy_poll` hands out and
/// `tcc_copy_write_request` and `tcc_copy_answer` take back, unchanged.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tcc_job {
    /// The request.
    pub request: tcc_request_kind,
    /// The part, for `TCC_REQUEST_PART_COPY`; else 0.
    pub part_number: u16,
    /// Which attempt this is (from 1).
    pub attempt: u8,
    /// Which job of the machine's this is.
    pub handle: u8,
}

/// What to do next (a `uint32_t`: one of the `TCC_POLL_*` values).
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct tcc_poll_kind(pub u32);

/// Send `job` (`tcc_copy_write_request`), then give its answer to
/// `tcc_copy_answer`. Poll again for another to send in parallel.
pub const TCC_POLL_SEND: tcc_poll_kind = tcc_poll_kind(0);
/// Give a fresh signing key (`tcc_copy_set_key`): there is none, or it
/// expires within the margin.
pub const TCC_POLL_NEED_KEY: tcc_poll_kind = tcc_poll_kind(1);
/// Nothing to send before `wait_ms` milliseconds have passed (a retry's
/// pause); answers in flight may still arrive.
pub const TCC_POLL_WAIT: tcc_poll_kind = tcc_poll_kind(2);
/// Nothing to send until an answer in flight arrives.
pub const TCC_POLL_AWAIT_ANSWER: tcc_poll_kind = tcc_poll_kind(3);
/// The copy is over: see `tcc_copy_get_outcome`.
pub const TCC_POLL_DONE: tcc_poll_kind = tcc_poll_kind(4);

/// What `tcc_copy_poll` says to do.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tcc_poll {
    /// What to do.
    pub kind: tcc_poll_kind,
    /// For `TCC_POLL_WAIT`: how long (ms).
    pub wait_ms: u32,
    /// For `TCC_POLL_SEND`: the request.
    pub job: tcc_job,
}

/// What happened to a request sent, for `tcc_copy_answer`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tcc_answer {
    /// The answer's headers (at least `ETag`, `Content-Length` and
    /// `x-cos-request-id` when present; names in any case). NULL when
    /// `headers_len` is 0.
    pub headers: *const tcc_pair,
    /// The number of headers.
    pub headers_len: usize,
    /// The body, read to its end by a reader (`tcc_response_reader_finish`
    /// called, whatever it returned); NULL when the answer had no body
    /// (HEAD, 204, `Content-Length: 0`).
    pub body: *const tcc_response_reader,
    /// The HTTP status.
    pub status: u16,
    /// Non-zero: no complete answer (the connection failed, closed or
    /// timed out); then only the two flags below are read.
    pub lost: u32,
    /// With `lost`: non-zero when every byte of the request was written.
    pub request_sent: u32,
    /// With `lost`: non-zero when some of an answer arrived.
    pub answer_started: u32,
}

/// Why a request failed (a `uint32_t`: one of the `TCC_CAUSE_*` values).
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct tcc_cause_kind(pub u32);

/// No failure.
pub const TCC_CAUSE_NONE: tcc_cause_kind = tcc_cause_kind(0);
/// COS (or something in front of it) answered with an error.
pub const TCC_CAUSE_SERVICE: tcc_cause_kind = tcc_cause_kind(1);
/// No complete answer.
pub const TCC_CAUSE_TRANSPORT: tcc_cause_kind = tcc_cause_kind(2);
/// A success whose answer cannot be used (`answer_error`).
pub const TCC_CAUSE_ANSWER: tcc_cause_kind = tcc_cause_kind(3);

/// Why an answer could not be used (a `uint32_t`: one of the
/// `TCC_ANSWER_*` values).
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct tcc_answer_error(pub u32);

/// No answer error.
pub const TCC_ANSWER_NONE: tcc_answer_error = tcc_answer_error(0);
/// A success with a body that is not a document (`read_error` says why).
pub const TCC_ANSWER_UNREADABLE: tcc_answer_error = tcc_answer_error(1);
/// A success with no document, or another one than expected.
pub const TCC_ANSWER_UNEXPECTED_DOCUMENT: tcc_answer_error = tcc_answer_error(2);
/// A part's ETag is not a quoted 32-digit hex MD5.
pub const TCC_ANSWER_PART_ETAG: tcc_answer_error = tcc_answer_error(3);
/// The upload id is empty, invalid or too long.
pub const TCC_ANSWER_UPLOAD_ID: tcc_answer_error = tcc_answer_error(4);
/// The source's HEAD gave no usable ETag.
pub const TCC_ANSWER_SOURCE_ETAG: tcc_answer_error = tcc_answer_error(5);
/// The source's size is not `object_size`.
pub const TCC_ANSWER_SOURCE_SIZE: tcc_answer_error = tcc_answer_error(6);
/// The destination's HEAD gave no ETag.
pub const TCC_ANSWER_DESTINATION_ETAG: tcc_answer_error = tcc_answer_error(7);

/// The bytes of a short text of a report (an error code, a request id).
pub const TCC_SHORT_TEXT_SIZE: usize = 48;

/// A short text kept from an answer: up to `TCC_SHORT_TEXT_SIZE` bytes,
/// cut at a character boundary if longer (`cut` is then 1). Not
/// NUL-terminated.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tcc_short_text {
    /// The bytes; `len` of them are the text.
    pub bytes: [u8; TCC_SHORT_TEXT_SIZE],
    /// The length of the text.
    pub len: u8,
    /// 1 when the value was longer than what is kept.
    pub cut: u8,
}

impl tcc_short_text {
    const EMPTY: Self = Self {
        bytes: [0; TCC_SHORT_TEXT_SIZE],
        len: 0,
        cut: 0,
    };

    fn of(t: &ShortText) -> Self {
        let mut s = Self::EMPTY;
        let mut len = 0u8;
        for (d, b) in s.bytes.iter_mut().zip(t.as_str().bytes()) {
            *d = b;
            len = len.saturating_add(1);
        }
        s.len = len;
        s.cut = u8::from(t.is_cut());
        s
    }
}

/// Why a request failed.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tcc_cause {
    /// What kind of failure.
    pub kind: tcc_cause_kind,
    /// `TCC_CAUSE_SERVICE`: the error code (`TCC_COS_NONE` for a bare
    /// status).
    pub code: tcc_cos_code,
    /// `TCC_CAUSE_ANSWER`: why the answer could not be used.
    pub answer_error: tcc_answer_error,
    /// `TCC_ANSWER_UNREADABLE`: why the body could not be read (a
    /// `tcc_status` value; an `int32_t` so that the struct's layout does
    /// not depend on the compiler's enum size, `-fshort-enums` or not).
    pub read_error: i32,
    /// `TCC_CAUSE_TRANSPORT`: 1 when the whole request was written.
    pub request_sent: u32,
    /// `TCC_CAUSE_TRANSPORT`: 1 when some of an answer arrived.
    pub answer_started: u32,
    /// `TCC_CAUSE_SERVICE`: the code's text.
    pub code_text: tcc_short_text,
    /// `TCC_CAUSE_SERVICE`: the HTTP status.
    pub status: u16,
}

impl tcc_cause {
    const NONE: Self = Self {
        kind: TCC_CAUSE_NONE,
        code: TCC_COS_NONE,
        answer_error: TCC_ANSWER_NONE,
        read_error: TCC_OK as i32,
        request_sent: 0,
        answer_started: 0,
        code_text: tcc_short_text::EMPTY,
        status: 0,
    };

    fn of(c: &Cause) -> Self {
        let mut out = Self::NONE;
        match c {
            Cause::Service { status, code } => {
                out.kind = TCC_CAUSE_SERVICE;
                out.status = *status;
                out.code = c.code().map_or(TCC_COS_NONE, crate::response::cos_code);
                out.code_text = tcc_short_text::of(code);
            }
            Cause::Transport {
                request_sent,
                answer_started,
            } => {
                out.kind = TCC_CAUSE_TRANSPORT;
                out.request_sent = u32::from(*request_sent);
                out.answer_started = u32::from(*answer_started);
            }
            Cause::Answer(e) => {
                out.kind = TCC_CAUSE_ANSWER;
                out.answer_error = match e {
                    AnswerError::Unreadable(r) => {
                        out.read_error = status::response(*r) as i32;
                        TCC_ANSWER_UNREADABLE
                    }
                    AnswerError::UnexpectedDocument => TCC_ANSWER_UNEXPECTED_DOCUMENT,
                    AnswerError::PartETag => TCC_ANSWER_PART_ETAG,
                    AnswerError::UploadId => TCC_ANSWER_UPLOAD_ID,
                    AnswerError::SourceETag => TCC_ANSWER_SOURCE_ETAG,
                    AnswerError::SourceSize { .. } => TCC_ANSWER_SOURCE_SIZE,
                    AnswerError::DestinationETag => TCC_ANSWER_DESTINATION_ETAG,
                    // A check added to the core later: the answer is not
                    // what the request expects.
                    _ => TCC_ANSWER_UNEXPECTED_DOCUMENT,
                };
            }
        }
        out
    }
}

/// What the machine decided about an answer (a `uint32_t`: one of the
/// `TCC_NOTICE_*` values).
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct tcc_notice_kind(pub u32);

/// Nothing to say.
pub const TCC_NOTICE_NONE: tcc_notice_kind = tcc_notice_kind(0);
/// The upload was started (`tcc_copy_get_progress` has its id).
pub const TCC_NOTICE_INITIATED: tcc_notice_kind = tcc_notice_kind(1);
/// Part `part_number` (`bytes` long) was copied.
pub const TCC_NOTICE_PART_DONE: tcc_notice_kind = tcc_notice_kind(2);
/// `request` failed (`cause`) and is sent again, attempt `attempt`, after
/// `after_ms`; for Initiate and Complete, the notice that a POST is
/// resent.
pub const TCC_NOTICE_RETRYING: tcc_notice_kind = tcc_notice_kind(3);
/// An Initiate whose answer was lost may have created an upload (since
/// `since_ms`); resent after `after_ms` if `has_after`.
pub const TCC_NOTICE_POSSIBLE_ORPHAN: tcc_notice_kind = tcc_notice_kind(4);
/// Complete's answer was lost: the destination is checked (a HEAD).
pub const TCC_NOTICE_VERIFYING: tcc_notice_kind = tcc_notice_kind(5);
/// The copy failed (`request`, `attempt` attempts, `cause`); what
/// remains (an Abort) follows.
pub const TCC_NOTICE_FAILED: tcc_notice_kind = tcc_notice_kind(6);

/// What `tcc_copy_answer` decided.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tcc_notice {
    /// What.
    pub kind: tcc_notice_kind,
    /// `RETRYING`, `FAILED`: the request.
    pub request: tcc_request_kind,
    /// `PART_DONE`, and `RETRYING`/`FAILED` of a part: its number.
    pub part_number: u16,
    /// `RETRYING`: the attempt to come; `FAILED`: the attempts made.
    pub attempt: u8,
    /// `RETRYING`, `POSSIBLE_ORPHAN` (if `has_after`): the pause (ms).
    pub after_ms: u32,
    /// `POSSIBLE_ORPHAN`: 1 when the Initiate is sent again.
    pub has_after: u32,
    /// `PART_DONE`: the part's length.
    pub bytes: u64,
    /// `POSSIBLE_ORPHAN`: when the first such Initiate was sent (ms).
    pub since_ms: u64,
    /// `RETRYING`, `FAILED`: why.
    pub cause: tcc_cause,
}

impl tcc_notice {
    fn of(n: Option<Notice>) -> Self {
        let mut out = Self {
            kind: TCC_NOTICE_NONE,
            request: TCC_REQUEST_HEAD_SOURCE,
            part_number: 0,
            attempt: 0,
            after_ms: 0,
            has_after: 0,
            bytes: 0,
            since_ms: 0,
            cause: tcc_cause::NONE,
        };
        let mut request = |r| {
            (out.request, out.part_number) = request_kind(r);
        };
        match n {
            None | Some(Notice::NotInFlight) => {}
            Some(Notice::Initiated) => out.kind = TCC_NOTICE_INITIATED,
            Some(Notice::PartDone { number, bytes }) => {
                out.kind = TCC_NOTICE_PART_DONE;
                (out.part_number, out.bytes) = (number, bytes);
            }
            Some(Notice::Retrying {
                request: r,
                attempt,
                after_ms,
                cause,
            }) => {
                request(r);
                out.kind = TCC_NOTICE_RETRYING;
                (out.attempt, out.after_ms) = (attempt, after_ms);
                out.cause = tcc_cause::of(&cause);
            }
            Some(Notice::PossibleOrphan {
                since_ms,
                resend_after_ms,
            }) => {
                out.kind = TCC_NOTICE_POSSIBLE_ORPHAN;
                out.since_ms = since_ms;
                out.has_after = u32::from(resend_after_ms.is_some());
                out.after_ms = resend_after_ms.unwrap_or(0);
            }
            Some(Notice::Verifying) => out.kind = TCC_NOTICE_VERIFYING,
            Some(Notice::Failed(f)) => {
                request(f.request);
                out.kind = TCC_NOTICE_FAILED;
                out.attempt = f.attempts;
                out.cause = tcc_cause::of(&f.cause);
            }
        }
        out
    }
}

/// How a copy ended (a `uint32_t`: one of the `TCC_COPY_*` values).
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct tcc_copy_result(pub u32);

/// The destination holds the copy.
pub const TCC_COPY_COPIED: tcc_copy_result = tcc_copy_result(1);
/// The copy failed.
pub const TCC_COPY_FAILED: tcc_copy_result = tcc_copy_result(2);
/// Complete was sent but its result is not known: never a success. The
/// upload is not aborted; check the destination later, or abort it.
pub const TCC_COPY_UNKNOWN: tcc_copy_result = tcc_copy_result(3);

/// What became of the upload after a failure, or why a result is unknown
/// (a `uint32_t`: one of the `TCC_END_*` values).
#[repr(transparent)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct tcc_copy_end(pub u32);

/// Copied, confirmed by Complete's answer.
pub const TCC_END_CONFIRMED_BY_ANSWER: tcc_copy_end = tcc_copy_end(0);
/// Copied, confirmed by the destination's ETag after Complete's answer
/// was lost.
pub const TCC_END_CONFIRMED_BY_ETAG: tcc_copy_end = tcc_copy_end(1);
/// Failed before any upload existed: nothing to abort.
pub const TCC_END_ABORT_NOT_NEEDED: tcc_copy_end = tcc_copy_end(2);
/// Failed; the upload was aborted.
pub const TCC_END_ABORTED: tcc_copy_end = tcc_copy_end(3);
/// Failed; COS knew the upload no more.
pub const TCC_END_ALREADY_GONE: tcc_copy_end = tcc_copy_end(4);
/// Failed, and the abort failed too (`abort_cause`): the upload is left.
pub const TCC_END_ABORT_FAILED: tcc_copy_end = tcc_copy_end(5);
/// Unknown: the destination's ETag is not this upload's.
pub const TCC_END_DESTINATION_DIFFERS: tcc_copy_end = tcc_copy_end(6);
/// Unknown: the destination does not exist.
pub const TCC_END_DESTINATION_MISSING: tcc_copy_end = tcc_copy_end(7);
/// Unknown: the destination could not be read (`cause`).
pub const TCC_END_NO_EVIDENCE: tcc_copy_end = tcc_copy_end(8);

/// The end of a copy.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tcc_copy_outcome {
    /// Copied, failed or unknown.
    pub result: tcc_copy_result,
    /// The detail: how the copy is confirmed, what became of the upload,
    /// or why the result is unknown.
    pub end: tcc_copy_end,
    /// Copied: 1 when the object's ETag is the multipart ETag computed
    /// from the parts.
    pub etag_matches: u32,
    /// Failed: the request that failed.
    pub request: tcc_request_kind,
    /// Failed: its part, for a part.
    pub part_number: u16,
    /// Failed: how many times it was sent.
    pub attempts: u8,
    /// Failed: why; unknown with `TCC_END_NO_EVIDENCE`: why.
    pub cause: tcc_cause,
    /// Failed with `TCC_END_ABORT_FAILED`: why the abort failed.
    pub abort_cause: tcc_cause,
    /// Failed: the request id of the failed answer, if any.
    pub request_id: tcc_short_text,
}

impl tcc_copy_outcome {
    fn of(o: &Outcome) -> Self {
        let mut out = Self {
            result: TCC_COPY_COPIED,
            end: TCC_END_CONFIRMED_BY_ANSWER,
            etag_matches: 0,
            request: TCC_REQUEST_HEAD_SOURCE,
            part_number: 0,
            attempts: 0,
            cause: tcc_cause::NONE,
            abort_cause: tcc_cause::NONE,
            request_id: tcc_short_text::EMPTY,
        };
        match o {
            Outcome::Copied {
                confirmation,
                etag_matches,
            } => {
                out.end = match confirmation {
                    Confirmation::Answer => TCC_END_CONFIRMED_BY_ANSWER,
                    Confirmation::DestinationETag => TCC_END_CONFIRMED_BY_ETAG,
                };
                out.etag_matches = u32::from(*etag_matches);
            }
            Outcome::Failed { failure, abort } => {
                out.result = TCC_COPY_FAILED;
                (out.request, out.part_number) = request_kind(failure.request);
                out.attempts = failure.attempts;
                out.cause = tcc_cause::of(&failure.cause);
                out.request_id = tcc_short_text::of(&failure.request_id);
                out.end = match abort {
                    AbortOutcome::NotNeeded => TCC_END_ABORT_NOT_NEEDED,
                    AbortOutcome::Aborted => TCC_END_ABORTED,
                    AbortOutcome::AlreadyGone => TCC_END_ALREADY_GONE,
                    AbortOutcome::Failed(c) => {
                        out.abort_cause = tcc_cause::of(c);
                        TCC_END_ABORT_FAILED
                    }
                };
            }
            Outcome::Unknown(u) => {
                out.result = TCC_COPY_UNKNOWN;
                out.end = match u {
                    Unknown::DestinationDiffers => TCC_END_DESTINATION_DIFFERS,
                    Unknown::DestinationMissing => TCC_END_DESTINATION_MISSING,
                    Unknown::NoEvidence(c) => {
                        out.cause = tcc_cause::of(c);
                        TCC_END_NO_EVIDENCE
                    }
                };
            }
        }
        out
    }
}

/// How far a copy is.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct tcc_copy_progress {
    /// The upload's id once Initiate answered (a view into the machine,
    /// valid until its next call); else NULL, 0.
    pub upload_id: tcc_str,
    /// When the first Initiate that may have created an upload without
    /// its id arriving was sent (ms; with `orphans`).
    pub orphans_since_ms: u64,
    /// The parts of the plan.
    pub part_count: u16,
    /// Parts copied.
    pub parts_done: u16,
    /// Parts out now.
    pub in_flight: u16,
    /// Requests sent again so far.
    pub retries: u16,
    /// How many Initiate attempts may have created an upload without its
    /// id arriving (list the key's uploads since `orphans_since_ms` and
    /// abort those that are not this copy's).
    pub orphans: u8,
}

/// Fills `config` with the defaults: no strings, no sizes, 4 parts in
/// flight, 4 attempts with pauses of 200 ms doubling up to 5 s, a fresh
/// key asked for 60 s before the current one ends, no jitter.
///
/// # Safety
///
/// `config` is NULL or points to a writable `tcc_copy_config`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcc_copy_config_init(config: *mut tcc_copy_config) -> tcc_status {
    status::run(|| {
        // SAFETY: the contract above.
        let out = unsafe { raw::out(config)? };
        let none = tcc_host {
            bucket: tcc_str::EMPTY,
            region: tcc_str::EMPTY,
            endpoint: tcc_str::EMPTY,
        };
        let retry = RetryPolicy::DEFAULT;
        out.set(tcc_copy_config {
            source: tcc_copy_source {
                bucket: tcc_str::EMPTY,
                region: tcc_str::EMPTY,
                key: tcc_str::EMPTY,
                version_id: tcc_str::EMPTY,
            },
            source_host: none,
            source_etag: tcc_str::EMPTY,
            source_customer_key: tcc_str::EMPTY,
            source_customer_key_md5: tcc_str::EMPTY,
            destination: none,
            key: tcc_str::EMPTY,
            object_size: 0,
            part_size: 0,
            base_delay_ms: retry.base_delay_ms,
            max_delay_ms: retry.max_delay_ms,
            key_margin_s: DEFAULT_KEY_MARGIN_S,
            jitter_seed: 0,
            max_in_flight: DEFAULT_IN_FLIGHT,
            max_attempts: retry.max_attempts,
        });
        Ok(())
    })
}

/// `CopyConfig::new`'s parts in flight (checked by a test).
const DEFAULT_IN_FLIGHT: u16 = 4;
/// `CopyConfig::new`'s key margin (checked by a test).
const DEFAULT_KEY_MARGIN_S: u32 = 60;

/// The core's configuration.
///
/// # Safety
///
/// The strings of `c` are readable for their lengths and unchanged for
/// `'a`.
unsafe fn core_config<'a>(c: &tcc_copy_config) -> Result<CopyConfig<'a>> {
    // SAFETY: the caller's contract.
    let (source, destination, key, source_etag, customer) = unsafe {
        (
            request::copy_source(&c.source)?,
            request::host(&c.destination)?,
            raw::text(c.key)?,
            request::etag(c.source_etag)?,
            request::customer_key(c.source_customer_key, c.source_customer_key_md5)?,
        )
    };
    let custom_source_host = [
        c.source_host.bucket,
        c.source_host.region,
        c.source_host.endpoint,
    ]
    .iter()
    .any(|s| s.len != 0);
    let plan = CopyPlan::new(c.object_size, c.part_size).map_err(status::plan)?;
    if c.max_in_flight == 0 || usize::from(c.max_in_flight) > TCC_COPY_MAX_IN_FLIGHT {
        return Err(TCC_ERR_ARGUMENT);
    }
    let mut config = CopyConfig::new(source, destination, key, plan);
    if custom_source_host {
        // SAFETY: the caller's contract.
        config.source_host = unsafe { request::host(&c.source_host)? };
    }
    config.source_etag = source_etag;
    config.source_customer_key = customer;
    config.max_in_flight = c.max_in_flight;
    config.retry = RetryPolicy {
        max_attempts: c.max_attempts,
        base_delay_ms: c.base_delay_ms,
        max_delay_ms: c.max_delay_ms,
    };
    config.key_margin_s = c.key_margin_s;
    config.jitter_seed = c.jitter_seed;
    Ok(config)
}

/// Starts a copy by `config` in `machine`, keeping the parts' records in
/// `slots` (at least as many as the plan has parts; they are reset).
///
/// The machine keeps pointers to `slots` and to every string of `config`
/// (and, after `tcc_copy_set_key` with temporary credentials, to the
/// token kept in the key's storage): they
/// must stay valid, and `slots` untouched, until the machine is no longer
/// used. On failure `machine` is left uninitialised.
///
/// Errors: `TCC_ERR_NULL`, `TCC_ERR_ALIGNMENT`, `TCC_ERR_LENGTH`,
/// `TCC_ERR_UTF8`, `TCC_ERR_ARGUMENT` (`max_in_flight`, `source_host`),
/// `TCC_ERR_PLAN`, `TCC_ERR_BUCKET`, `TCC_ERR_COPY_SOURCE`,
/// `TCC_ERR_HOST`, `TCC_ERR_OBJECT_KEY`, `TCC_ERR_ETAG`,
/// `TCC_ERR_SSE_C_KEY`, `TCC_ERR_HEADER_VALUE`, `TCC_ERR_PART_STORAGE`.
///
/// # Safety
///
/// `machine` is NULL or points to `TCC_COPY_MACHINE_SIZE` writable bytes;
/// `config` is NULL or points to a readable `tcc_copy_config` whose
/// strings are readable for their lengths; `slots` is NULL or points to
/// `slots_len` writable slots; all as long as the machine is used.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcc_copy_init(
    machine: *mut tcc_copy_machine,
    config: *const tcc_copy_config,
    slots: *mut tcc_part_slot,
    slots_len: usize,
) -> tcc_status {
    status::run(|| {
        // SAFETY: the contract above; what the machine keeps lives as
        // long as it is used (the documented contract, hence 'static).
        let (slot, config, parts) = unsafe {
            (
                state::claim(machine)?,
                core_config(raw::input(config)?)?,
                raw::buffer(
                    slots.cast::<u8>(),
                    slots_len.saturating_mul(TCC_PART_SLOT_SIZE),
                )?,
            )
        };
        if slots_len != 0 && parts.len() / TCC_PART_SLOT_SIZE != slots_len {
            return Err(TCC_ERR_LENGTH);
        }
        let parts: *mut PartSlot = parts.as_mut_ptr().cast();
        // SAFETY: `parts` spans `slots_len` slots (checked by `buffer` and
        // above; empty when 0); a PartSlot is 18 bytes of alignment 1
        // whose every bit pattern is valid (plain bytes), so C's bytes are
        // PartSlots; the machine is their only user while it lives.
        let parts = unsafe { core::slice::from_raw_parts_mut(parts, slots_len) };
        let m = CopyMachine::new(config, parts).map_err(|e| status::copy(e, TCC_ERR_INTERNAL).0)?;
        slot.fill(Machine {
            machine: m,
            jobs: [None; TCC_COPY_MAX_IN_FLIGHT],
        });
        Ok(())
    })
}

/// Gives the machine the key the next requests are signed with (the
/// answer to `TCC_POLL_NEED_KEY`): a copy of the key is kept (with its
/// SecretId). With temporary credentials the machine points to the
/// token's copy in `key`'s storage: keep that storage unchanged while the
/// machine uses the key (until the next `tcc_copy_set_key`). Requests
/// already out keep the key they were signed with.
///
/// # Safety
///
/// `machine` as in `tcc_copy_init`; `key` is NULL or points to
/// `TCC_SIGNING_KEY_SIZE` readable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcc_copy_set_key(
    machine: *mut tcc_copy_machine,
    key: *const tcc_signing_key,
) -> tcc_status {
    status::run(|| {
        // SAFETY: the contract above; the token's copy in `key`'s storage
        // stays valid and unchanged while the machine uses it (the
        // documented contract, hence 'static).
        let (m, key) = unsafe { (state::get_mut(machine)?, state::get(key)?) };
        let signer = key.signer()?;
        match signer.security_token() {
            Some(token) => m
                .machine
                .set_key_with_token(key.key().clone(), token)
                .map_err(status::credentials)?,
            None => m.machine.set_key(key.key().clone()),
        }
        Ok(())
    })
}

/// What to do next, at `now_ms` (ms since the Unix epoch; only
/// differences and the key's window are read from it). A `TCC_POLL_SEND`
/// job is in flight from then on: give its answer to `tcc_copy_answer`
/// (`lost` if it could not be sent).
///
/// Errors: `TCC_ERR_NULL`, `TCC_ERR_ALIGNMENT`, `TCC_ERR_NOT_INITIALIZED`,
/// `TCC_ERR_STATE` (as many jobs out as the machine can track: answer
/// them first).
///
/// # Safety
///
/// `machine` as in `tcc_copy_init`; `poll` is NULL or points to a
/// writable `tcc_poll`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcc_copy_poll(
    machine: *mut tcc_copy_machine,
    now_ms: u64,
    poll: *mut tcc_poll,
) -> tcc_status {
    status::run(|| {
        // SAFETY: the contract above.
        let (m, out) = unsafe { (state::get_mut(machine)?, raw::out(poll)?) };
        let (handle, free) = m
            .jobs
            .iter_mut()
            .enumerate()
            .find(|(_, j)| j.is_none())
            .ok_or(TCC_ERR_STATE)?;
        let mut p = tcc_poll {
            kind: TCC_POLL_AWAIT_ANSWER,
            wait_ms: 0,
            job: tcc_job {
                request: TCC_REQUEST_HEAD_SOURCE,
                part_number: 0,
                attempt: 0,
                handle: 0,
            },
        };
        match m.machine.poll(now_ms) {
            Poll::Send(job) => {
                *free = Some(job);
                let (request, part_number) = request_kind(job.request());
                p.kind = TCC_POLL_SEND;
                p.job = tcc_job {
                    request,
                    part_number,
                    attempt: job.attempt(),
                    handle: u8::try_from(handle).unwrap_or(u8::MAX),
                };
            }
            Poll::NeedKey => p.kind = TCC_POLL_NEED_KEY,
            Poll::Wait { ms } => (p.kind, p.wait_ms) = (TCC_POLL_WAIT, ms),
            Poll::AwaitAnswer => p.kind = TCC_POLL_AWAIT_ANSWER,
            Poll::Done => p.kind = TCC_POLL_DONE,
        }
        out.set(p);
        Ok(())
    })
}

impl Machine {
    /// The job C names, still out.
    fn job(&mut self, j: &tcc_job) -> Result<&mut Option<Job>> {
        let slot = self
            .jobs
            .get_mut(usize::from(j.handle))
            .ok_or(TCC_ERR_NOT_IN_FLIGHT)?;
        match slot {
            Some(job)
                if request_kind(job.request()) == (j.request, j.part_number)
                    && job.attempt() == j.attempt =>
            {
                Ok(slot)
            }
            _ => Err(TCC_ERR_NOT_IN_FLIGHT),
        }
    }
}

/// Signs `job`'s request and writes it into `out`: its head, then its
/// body (Complete's XML; none for the others) right after it: send the
/// `*needed` bytes. `*head_len` (if `head_len` is not NULL) gets the
/// head's length. Formatted values go into `scratch` first (1 KiB fits
/// COS's usual requests). A too-small buffer leaves the job in flight:
/// write it again with a larger one, or answer it `lost`.
///
/// `*needed` (if `needed` is not NULL) gets the length written; with
/// `TCC_ERR_BUFFER_TOO_SMALL` the length `out` needs, with
/// `TCC_ERR_SCRATCH_TOO_SMALL` the length `scratch` needs.
///
/// Errors: `TCC_ERR_NULL`, `TCC_ERR_ALIGNMENT`, `TCC_ERR_LENGTH`,
/// `TCC_ERR_NOT_INITIALIZED`, `TCC_ERR_NOT_IN_FLIGHT`, `TCC_ERR_NO_KEY`,
/// `TCC_ERR_NOT_READY`, `TCC_ERR_SOURCE_KEY`, the request builders'
/// errors, `TCC_ERR_SCRATCH_TOO_SMALL`, `TCC_ERR_BUFFER_TOO_SMALL`.
///
/// # Safety
///
/// `machine` as in `tcc_copy_init`; `job` is NULL or points to a readable
/// `tcc_job`; `scratch` and `out` are NULL or point to `scratch_len` and
/// `out_len` writable bytes that overlap nothing else; `needed` and
/// `head_len` are NULL or point to writable `size_t`s.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcc_copy_write_request(
    machine: *mut tcc_copy_machine,
    job: *const tcc_job,
    scratch: *mut u8,
    scratch_len: usize,
    out: *mut c_char,
    out_len: usize,
    needed: *mut usize,
    head_len: *mut usize,
) -> tcc_status {
    status::run(|| {
        // SAFETY: the contract above.
        let (m, job, scratch, (buf, needed), head_out) = unsafe {
            (
                state::get_mut(machine)?,
                raw::input(job)?,
                raw::buffer(scratch, scratch_len)?,
                raw::output(out, out_len, needed)?,
                raw::optional_out(head_len)?,
            )
        };
        let job = m.job(job)?.ok_or(TCC_ERR_NOT_IN_FLIGHT)?;
        let machine = &m.machine;
        // `CopyMachine::write_request` in two steps, so that a too-small
        // scratch and a too-small output are told apart.
        let signed = match machine.sign(job, scratch) {
            Ok(s) => s,
            Err(e) => {
                return status::sized(needed, Err(status::copy(e, TCC_ERR_SCRATCH_TOO_SMALL)));
            }
        };
        let body = match machine.body(job) {
            Ok(b) => b,
            Err(e) => return status::sized(needed, Err(status::copy(e, TCC_ERR_BUFFER_TOO_SMALL))),
        };
        let write_body = |rest: &mut [u8]| body.to_slice(rest).is_ok();
        let written = request::head_and_body(&signed, body.len(), write_body, buf, head_out);
        status::sized(needed, written)
    })
}

/// Gives the machine the answer to `job`, at `now_ms`, and writes what it
/// decided into `*notice` (`TCC_NOTICE_NONE` when there is nothing to
/// say). The job is no longer in flight afterwards.
///
/// Errors: `TCC_ERR_NULL`, `TCC_ERR_ALIGNMENT`, `TCC_ERR_LENGTH`,
/// `TCC_ERR_UTF8` (a header), `TCC_ERR_NOT_INITIALIZED` (the machine or
/// the body's reader), `TCC_ERR_STATE` (a body not finished),
/// `TCC_ERR_NOT_IN_FLIGHT`.
///
/// # Safety
///
/// `machine` as in `tcc_copy_init`; `job` and `answer` are NULL or point
/// to a readable `tcc_job` and `tcc_answer`, whose headers and body are
/// readable; `notice` is NULL or points to a writable `tcc_notice`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcc_copy_answer(
    machine: *mut tcc_copy_machine,
    job: *const tcc_job,
    now_ms: u64,
    answer: *const tcc_answer,
    notice: *mut tcc_notice,
) -> tcc_status {
    status::run(|| {
        // SAFETY: the contract above.
        let (m, job, a, out) = unsafe {
            (
                state::get_mut(machine)?,
                raw::input(job)?,
                raw::input(answer)?,
                raw::out(notice)?,
            )
        };
        let slot = m.job(job)?;
        let answer = if a.lost != 0 {
            None
        } else {
            // SAFETY: the answer's headers and body are the caller's,
            // under the contract above.
            let (headers, body) = unsafe {
                (
                    raw::array(a.headers, a.headers_len)?,
                    match a.body.is_null() {
                        true => None,
                        false => Some(state::get(a.body)?),
                    },
                )
            };
            for h in headers {
                // SAFETY: as above: checked once here, read again below.
                unsafe { (raw::text(h.name)?, raw::text(h.value)?) };
            }
            let document = match body {
                Some(reader) => Some(reader.result()?),
                None => None,
            };
            Some((headers, document))
        };
        let answer = match &answer {
            None => Answer::lost(a.request_sent != 0, a.answer_started != 0),
            Some((headers, document)) => {
                let headers = Headers::from_pairs(
                    headers
                        .iter()
                        .map(|h| {
                            // SAFETY: as above; checked as UTF-8 just before.
                            unsafe { (raw::text(h.name), raw::text(h.value)) }
                        })
                        .map(|(n, v)| (n.unwrap_or_default(), v.unwrap_or_default())),
                );
                let document = document.map_or(Document::None, Document::read);
                Answer::response(a.status, headers, document)
            }
        };
        let job = slot.take().ok_or(TCC_ERR_NOT_IN_FLIGHT)?;
        out.set(tcc_notice::of(m.machine.answer(job, now_ms, answer)));
        Ok(())
    })
}

/// How the copy ended, once `tcc_copy_poll` said `TCC_POLL_DONE`.
///
/// Errors: `TCC_ERR_NULL`, `TCC_ERR_ALIGNMENT`, `TCC_ERR_NOT_INITIALIZED`,
/// `TCC_ERR_STATE` (not over yet).
///
/// # Safety
///
/// `machine` as in `tcc_copy_init`; `outcome` is NULL or points to a
/// writable `tcc_copy_outcome`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcc_copy_get_outcome(
    machine: *const tcc_copy_machine,
    outcome: *mut tcc_copy_outcome,
) -> tcc_status {
    status::run(|| {
        // SAFETY: the contract above.
        let (m, out) = unsafe { (state::get(machine)?, raw::out(outcome)?) };
        let o = m.machine.outcome().ok_or(TCC_ERR_STATE)?;
        out.set(tcc_copy_outcome::of(o));
        Ok(())
    })
}

/// How far the copy is.
///
/// # Safety
///
/// `machine` as in `tcc_copy_init`; `progress` is NULL or points to a
/// writable `tcc_copy_progress`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn tcc_copy_get_progress(
    machine: *const tcc_copy_machine,
    progress: *mut tcc_copy_progress,
) -> tcc_status {
    status::run(|| {
        // SAFETY: the contract above.
        let (m, out) = unsafe { (state::get(machine)?, raw::out(progress)?) };
        let m = &m.machine;
        let orphans = m.possible_orphans();
        out.set(tcc_copy_progress {
            upload_id: m.upload_id().map_or(tcc_str::EMPTY, tcc_str::of),
            orphans_since_ms: orphans.map_or(0, |o| o.since_ms),
            part_count: m.config().plan.part_count(),
            parts_done: m.parts_done(),
            in_flight: m.in_flight(),
            retries: m.retries(),
            orphans: orphans.map_or(0, |o| o.count),
        });
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tencent_cos_core::{CopySource, Host};

    #[test]
    fn defaults_are_the_cores() {
        let source = CopySource::new("a-1250000000", "ap-guangzhou", "k").unwrap();
        let plan = CopyPlan::new(1, 1).unwrap();
        let c = CopyConfig::new(source, Host::Custom("h"), "k", plan);
        assert_eq!(c.max_in_flight, DEFAULT_IN_FLIGHT);
        assert_eq!(c.key_margin_s, DEFAULT_KEY_MARGIN_S);
        assert_eq!(c.retry, RetryPolicy::DEFAULT);
        assert!(usize::from(DEFAULT_IN_FLIGHT) <= TCC_COPY_MAX_IN_FLIGHT);
        assert!(TCC_COPY_MAX_IN_FLIGHT <= usize::from(u8::MAX));
    }
}
