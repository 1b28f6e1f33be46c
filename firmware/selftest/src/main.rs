//! `tencent-cos-core` on an (emulated) Cortex-M3: QEMU's `lm3s6965evb`.
//!
//! Signs every official signature vector, builds the Python SDK's
//! UploadPartCopy capture and compares the whole request head, verifies
//! the vectors back, reads a CopyPartResult and an Error body fed in
//! 16-byte chunks, and runs a whole multipart copy through the
//! `embedded-io` adapter over canned answers (`firmware/canned_copy.rs`:
//! chunked answers read 16 bytes at a time, one SlowDown retried). Each phase runs on a freshly painted stack; its peak is
//! printed (`stack <phase>: N bytes`). Exits through semihosting: status 0
//! when every check passed, 1 otherwise.
//!
//! The caller's buffers (signing scratch, output text, the response reader)
//! live in `main`'s frame, above the painted region: what is measured is
//! the stack the library (and the few comparisons here) use.

#![no_std]
#![no_main]
// The `copy` binary runs the copy phase alone.
#![cfg_attr(feature = "copy", allow(dead_code))]

#[cfg(feature = "copy")]
use core::cell::Cell;
use core::fmt::Write as _;
use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
#[cfg(feature = "copy")]
use tencent_cos_core::CopyPlan;
use tencent_cos_core::Output;
#[cfg(feature = "copy")]
use tencent_cos_core::copy::{Confirmation, CopyConfig, CopyMachine, Outcome, PartSlot};
#[cfg(feature = "copy")]
use tencent_cos_core::io::{self, DocumentBuffer, Lane};
use tencent_cos_core::{
    Authorization, ByteRange, CanonicalRequest, CopyCondition, CopySource, Credentials, ETag, Host,
    KeyTime, RequestError, Response, ResponseReader, Selection, SignedRequest, SigningKey,
    UploadPartCopy, VerifyPolicy, part_result,
};

/// One signature vector of `tests/data/signature-vectors.json`.
struct Vector {
    name: &'static str,
    method: &'static str,
    path: &'static str,
    params: &'static [(&'static str, &'static str)],
    headers: &'static [(&'static str, &'static str)],
    secret_id: &'static str,
    secret_key: &'static str,
    start: u64,
    end: u64,
    sign_key: &'static str,
    string_to_sign: &'static str,
    authorization: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/data.rs"));
#[cfg(feature = "copy")]
include!("../../canned_copy.rs");

/// Value capacity of the response documents (the longest expected value,
/// the error's Resource, is 70 bytes).
const N: usize = 96;
/// No StringToSign / FormatString kept (the small-target setting).
const D: usize = 0;
/// The UploadPartCopy's upload id (also in the capture).
const UPLOAD_ID: &str =
    "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361";

/// A failed check: what, and for which input.
struct Fail {
    what: &'static str,
    name: &'static str,
}

/// Maps any error to a `Fail`.
fn err<E>(what: &'static str, name: &'static str) -> impl FnOnce(E) -> Fail {
    move |_| Fail { what, name }
}

fn ensure(ok: bool, what: &'static str, name: &'static str) -> Result<(), Fail> {
    if ok { Ok(()) } else { Err(Fail { what, name }) }
}

/// A `core::fmt::Write` into a caller's buffer.
struct Text<'b> {
    buf: &'b mut [u8],
    len: usize,
}

impl Text<'_> {
    fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

impl core::fmt::Write for Text<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(core::fmt::Error)?;
        let dst = self.buf.get_mut(self.len..end).ok_or(core::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// The buffers a caller owns, outside the measured stack.
struct Buffers {
    /// The request's scratch: `'static`, so that the signed request that
    /// borrows it can be kept here too.
    scratch: Option<&'static mut [u8; 1024]>,
    out: [u8; 1024],
    /// The signing key of a copy: made once per validity window and kept
    /// for every part (`'static`, so that the signed request that borrows
    /// it can be kept here too).
    key: Option<&'static mut Option<SigningKey>>,
    request: Option<Result<SignedRequest<'static>, RequestError>>,
    reader: ResponseReader<N, D>,
    body: Option<Response<N, D>>,
    /// The copy: the machine (its part records `'static`), its key, its
    /// buffers.
    #[cfg(feature = "copy")]
    machine: Option<CopyMachine<'static, 'static>>,
    #[cfg(feature = "copy")]
    copy_key: Option<SigningKey>,
    #[cfg(feature = "copy")]
    copy_scratch: [u8; 1024],
    #[cfg(feature = "copy")]
    io: [u8; 1024],
    /// The copy's documents: values of 128 bytes (what a copy needs
    /// whole), no signed texts.
    #[cfg(feature = "copy")]
    document: DocumentBuffer<128, 0>,
}

#[cfg(feature = "copy")]
/// The copy of `canned_copy`: 2 MiB in two 1 MiB parts, one lane.
fn copy_machine(
    slots: Option<&'static mut [PartSlot; 2]>,
) -> Option<CopyMachine<'static, 'static>> {
    let source = CopySource::new(
        "sourcebucket-1250000000",
        "ap-guangzhou",
        "source/big-file.bin",
    )
    .ok()?;
    let plan = CopyPlan::new(canned_copy::SIZE, 1 << 20).ok()?;
    let host = Host::bucket("examplebucket-1250000000", "ap-guangzhou");
    CopyMachine::new(CopyConfig::new(source, host, "dest.bin", plan), slots?).ok()
}

/// A whole copy through `io::run_copy` over the canned connections: the
/// outcome, the retry, the connections and the multipart ETag checked.
#[cfg(feature = "copy")]
#[inline(never)]
fn copy(b: &mut Buffers) -> Result<usize, Fail> {
    let n = "canned copy";
    let fail = |what| Fail { what, name: n };
    let m = b.machine.as_mut().ok_or(fail("machine"))?;
    let (next, written) = (Cell::new(0), Cell::new(0));
    let mut device = canned_copy::Device {
        next: &next,
        written: &written,
        step: 16,
        now_ms: 1_700_000_000_000,
        key: b.copy_key.as_ref(),
        token: None,
        connects: 0,
        pauses: 0,
    };
    let buffers = io::Buffers {
        scratch: &mut b.copy_scratch,
        io: &mut b.io,
        document: &mut b.document,
    };
    let mut lanes = [Lane::new()];
    let outcome = io::run_copy(m, &mut device, buffers, &mut lanes).map_err(err("run", n))?;
    let copied = Outcome::Copied {
        confirmation: Confirmation::Answer,
        etag_matches: true,
    };
    ensure(outcome == copied, "outcome", n)?;
    ensure(next.get() == canned_copy::ANSWERS.len(), "answers read", n)?;
    ensure(m.retries() == 1 && device.pauses == 1, "one retry", n)?;
    // The source's HEAD on its host's connection, the rest on one.
    ensure(device.connects == 2, "connections", n)?;
    ensure(written.get() > 0, "requests written", n)?;
    let etag = m.multipart_etag().ok_or(fail("multipart ETag"))?;
    ensure(
        etag.as_str() == canned_copy::MULTIPART_ETAG,
        "multipart ETag",
        n,
    )?;
    Ok(canned_copy::ANSWERS.len())
}

/// Signs every vector: SignKey, StringToSign, Authorization.
#[inline(never)]
fn sign(b: &mut Buffers) -> Result<usize, Fail> {
    for v in VECTORS {
        let n = v.name;
        let creds = Credentials::new(v.secret_id, v.secret_key).map_err(err("credentials", n))?;
        let kt = KeyTime::new(v.start, v.end).map_err(err("key time", n))?;
        // The key kept in the buffers (a long-lived object, outside the
        // phase's figure) and made again in place for each vector.
        let Some(Some(key)) = b.key.as_deref_mut() else {
            return Err(Fail {
                what: "key storage",
                name: n,
            });
        };
        key.refresh(&creds, kt);
        let key = &*key;
        ensure(key.sign_key() == v.sign_key, "SignKey", n)?;
        let req = CanonicalRequest::new(v.method, v.path, v.params, v.headers);
        let mut text = Text {
            buf: &mut b.out,
            len: 0,
        };
        req.string_to_sign(Selection::Exact, kt)
            .and_then(|t| Ok(t.write_to(&mut text)?))
            .map_err(err("StringToSign", n))?;
        ensure(
            text.as_bytes() == v.string_to_sign.as_bytes(),
            "StringToSign",
            n,
        )?;
        // Borrowed in place: moving a `Result` of a few hundred bytes out
        // (`?`, `map_err`) costs that much stack per copy.
        let signed = key.sign(&req, Selection::Exact);
        let Ok(signed) = &signed else {
            return Err(Fail {
                what: "sign",
                name: n,
            });
        };
        ensure(
            signed.authorization().len() == v.authorization.len(),
            "Authorization length",
            n,
        )?;
        let auth = signed
            .authorization_to_slice(&mut b.out)
            .map_err(err("Authorization", n))?;
        ensure(auth == v.authorization, "Authorization", n)?;
    }
    Ok(VECTORS.len())
}

/// Builds the Python SDK's UploadPartCopy from its parts and compares the
/// whole request head with the capture.
#[inline(never)]
fn request(b: &mut Buffers) -> Result<usize, Fail> {
    let n = "UploadPartCopy";
    let creds = Credentials::new(VECTORS[0].secret_id, VECTORS[0].secret_key)
        .map_err(err("credentials", n))?;
    let key_time = KeyTime::new(UPC_KEY_TIME.0, UPC_KEY_TIME.1).map_err(err("key time", n))?;
    let key = b.key.take().ok_or(Fail {
        what: "key storage",
        name: n,
    })?;
    let key: &'static mut SigningKey = key.as_mut().ok_or(Fail {
        what: "key storage",
        name: n,
    })?;
    key.refresh(&creds, key_time);
    let key: &'static SigningKey = key;
    let source = CopySource::new(
        "sourcebucket-1250000000",
        "ap-guangzhou",
        "源文件/report + final~*.txt",
    )
    .and_then(|s| s.with_version_id("MTg0NDUxNTc1NjIzMTQ1MDAwODg"))
    .map_err(err("copy source", n))?;
    let etag = ETag::new("\"ee8de918d05640145b18f70f4c3aa602\"").map_err(err("etag", n))?;
    let range = ByteRange::new(0, 1_048_575).map_err(err("range", n))?;
    let upc = UploadPartCopy::new(
        Host::bucket("examplebucket-1250000000", "ap-guangzhou"),
        "dest/big-file.bin",
        1,
        UPLOAD_ID,
        source,
    )
    .with_range(range)
    .with_condition(CopyCondition::Match(etag));
    let scratch = b.scratch.take().ok_or(Fail {
        what: "scratch",
        name: n,
    })?;
    let Ok(signed) = b.request.insert(upc.sign(key, scratch)) else {
        return Err(Fail {
            what: "sign",
            name: n,
        });
    };
    ensure(signed.head().len() == UPC_HEAD.len(), "head length", n)?;
    let head = signed.head().to_slice(&mut b.out).map_err(err("head", n))?;
    ensure(head == UPC_HEAD, "request head", n)?;
    Ok(head.len())
}

/// Reads the vectors' Authorization values back and verifies them.
#[inline(never)]
fn verify(_: &mut Buffers) -> Result<usize, Fail> {
    for v in VECTORS {
        let n = v.name;
        let req = CanonicalRequest::new(v.method, v.path, v.params, v.headers);
        let auth = Authorization::parse(v.authorization).map_err(err("parse", n))?;
        let mid = v.start + (v.end - v.start) / 2;
        ensure(
            auth.verify(&req, v.secret_key, mid, &VerifyPolicy::COS)
                .is_ok(),
            "verify",
            n,
        )?;
        ensure(
            auth.verify(&req, v.secret_key, v.end + 1, &VerifyPolicy::COS)
                .is_err(),
            "expired",
            n,
        )?;
    }
    Ok(VECTORS.len())
}

/// Feeds `body` in 16-byte chunks to the caller's reader and leaves the
/// document in the caller's `body`. `finish` takes the reader by value, so
/// one copy of it is on the stack (counted).
fn read(b: &mut Buffers, body: &[u8]) -> Result<(), Fail> {
    b.reader = ResponseReader::new();
    for chunk in body.chunks(16) {
        b.reader.feed(chunk).map_err(err("feed", "response"))?;
    }
    ensure(b.reader.is_complete(), "complete", "response")?;
    b.body = Some(
        core::mem::take(&mut b.reader)
            .finish()
            .map_err(err("finish", "response"))?,
    );
    Ok(())
}

/// A CopyPartResult and an Error (on a 200), in 16-byte chunks.
#[inline(never)]
fn parse(b: &mut Buffers) -> Result<usize, Fail> {
    read(b, COPY_PART_XML)?;
    let n = "copy-part-result.xml";
    let body = b.body.as_ref().ok_or(Fail {
        what: "body",
        name: n,
    })?;
    ensure(body.kind().as_str() == COPY_PART_KIND, "kind", n)?;
    let part = part_result(200, body).map_err(err("part result", n))?;
    ensure(part.etag == COPY_PART_ETAG, "ETag", n)?;
    ensure(
        part.last_modified.as_deref() == Some(COPY_PART_LAST_MODIFIED),
        "LastModified",
        n,
    )?;

    read(b, ERROR_XML)?;
    let n = "error-on-200-internal.xml";
    let body = b.body.as_ref().ok_or(Fail {
        what: "body",
        name: n,
    })?;
    ensure(body.kind().as_str() == ERROR_KIND, "kind", n)?;
    let Response::Error(e) = body else {
        return Err(Fail {
            what: "kind",
            name: n,
        });
    };
    ensure(e.code.as_deref() == Some(ERROR_CODE), "Code", n)?;
    ensure(e.message.as_deref() == Some(ERROR_MESSAGE), "Message", n)?;
    ensure(e.resource.as_deref() == Some(ERROR_RESOURCE), "Resource", n)?;
    ensure(
        e.request_id.as_deref() == Some(ERROR_REQUEST_ID),
        "RequestId",
        n,
    )?;
    ensure(e.trace_id.as_deref() == Some(ERROR_TRACE_ID), "TraceId", n)?;
    let err = part_result(200, body).err().ok_or(Fail {
        what: "error on 200",
        name: n,
    })?;
    ensure(
        err.code().map(|c| c.as_str()) == Some(ERROR_CODE),
        "error code",
        n,
    )?;
    ensure(err.is_retryable(), "retryable", n)?;
    Ok(2)
}

mod stack {
    //! Stack painting: fill the free stack with a pattern, run, and find
    //! the lowest word that no longer holds it.

    const PAINT: u32 = 0xC05C_0DE5;

    unsafe extern "C" {
        /// cortex-m-rt: the lowest address the stack may grow to (the end
        /// of `.bss`/`.uninit`).
        static _stack_end: u32;
    }

    fn bottom() -> usize {
        // Only the address of the linker symbol is taken (safe since 1.82).
        core::ptr::addr_of!(_stack_end) as usize
    }

    /// The stack pointer of the caller.
    #[inline(always)]
    pub fn sp() -> usize {
        cortex_m::register::msp::read() as usize
    }

    /// Paints from the bottom of the stack up to just below this
    /// function's own frame.
    #[inline(never)]
    pub fn paint() {
        let top = sp() - 16;
        let mut p = bottom();
        while p < top {
            // SAFETY: `p` is in the free stack below the live frames,
            // word-aligned (cortex-m-rt aligns `_stack_end` to 4).
            unsafe { core::ptr::write_volatile(p as *mut u32, PAINT) };
            p += 4;
        }
    }

    /// The lowest address written since `paint`.
    #[inline(never)]
    pub fn low_water() -> usize {
        let mut p = bottom();
        // SAFETY: as in `paint`; the scan stops at the first used word,
        // which is below this function's own frame.
        while unsafe { core::ptr::read_volatile(p as *const u32) } == PAINT {
            p += 4;
        }
        p
    }

    /// Free stack below the caller's frame.
    pub fn free() -> usize {
        sp() - bottom()
    }
}

/// A phase of the test: what it checked (a count), or the first failure.
type Phase = fn(&mut Buffers) -> Result<usize, Fail>;

/// Runs one phase on a freshly painted stack; returns its peak stack use.
fn run(name: &str, b: &mut Buffers, phase: Phase) -> Option<usize> {
    let base = stack::sp();
    stack::paint();
    let result = phase(b);
    let peak = base - stack::low_water();
    match result {
        Ok(count) => {
            hprintln!("ok    {} ({}): stack {} bytes", name, count, peak);
            Some(peak)
        }
        Err(Fail { what, name: input }) => {
            hprintln!("FAIL  {}: {} ({})", name, what, input);
            None
        }
    }
}

#[entry]
fn main() -> ! {
    let mut b = Buffers {
        scratch: cortex_m::singleton!(: [u8; 1024] = [0; 1024]),
        // Made here, once, and refreshed in place by the phases.
        key: cortex_m::singleton!(: Option<SigningKey> = Credentials::new(VECTORS[0].secret_id, VECTORS[0].secret_key)
            .ok()
            .zip(KeyTime::new(1_700_000_000, 1_700_003_600).ok())
            .map(|(creds, window)| SigningKey::new(&creds, window))),
        request: None,
        out: [0; 1024],
        reader: ResponseReader::new(),
        body: None,
        #[cfg(feature = "copy")]
        machine: copy_machine(cortex_m::singleton!(: [PartSlot; 2] = [PartSlot::EMPTY; 2])),
        #[cfg(feature = "copy")]
        copy_key: Credentials::new(VECTORS[0].secret_id, VECTORS[0].secret_key)
            .ok()
            .zip(KeyTime::new(1_700_000_000, 1_700_003_600).ok())
            .map(|(creds, window)| SigningKey::new(&creds, window)),
        #[cfg(feature = "copy")]
        copy_scratch: [0; 1024],
        #[cfg(feature = "copy")]
        io: [0; 1024],
        #[cfg(feature = "copy")]
        document: DocumentBuffer::new(),
    };
    hprintln!(
        "tencent-cos-core self-test on a Cortex-M3 ({} vectors, {} bytes of free stack)",
        VECTORS.len(),
        stack::free()
    );
    #[cfg(not(feature = "copy"))]
    let phases: [(&str, Phase); 4] = [
        ("sign", sign),
        ("request", request),
        ("parse", parse),
        ("verify", verify),
    ];
    #[cfg(feature = "copy")]
    let phases: [(&str, Phase); 1] = [("copy", copy)];
    let mut peak = 0;
    let mut failed = false;
    let mut summary = [0usize; 4];
    for (i, (name, phase)) in phases.into_iter().enumerate() {
        match run(name, &mut b, phase) {
            Some(p) => {
                summary[i] = p;
                if i < 3 {
                    peak = peak.max(p);
                }
            }
            None => failed = true,
        }
    }
    // One line for CI to read.
    let mut line = [0u8; 128];
    let mut text = Text {
        buf: &mut line,
        len: 0,
    };
    #[cfg(not(feature = "copy"))]
    let _ = write!(
        text,
        "stack-peak sign={} request={} parse={} verify={} peak={}",
        summary[0], summary[1], summary[2], summary[3], peak
    );
    #[cfg(feature = "copy")]
    let _ = write!(text, "stack-peak copy={}", summary[0]);
    hprintln!("{}", core::str::from_utf8(text.as_bytes()).unwrap_or("?"));
    if failed {
        hprintln!("self-test FAILED");
        debug::exit(debug::EXIT_FAILURE);
    } else {
        hprintln!("self-test passed");
        debug::exit(debug::EXIT_SUCCESS);
    }
    loop {
        cortex_m::asm::nop();
    }
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    hprintln!("PANIC {}", info);
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::nop();
    }
}
