//! The copy machine end to end against the loopback emulator, through the
//! `embedded-io` adapter (`io::run_copy`) over `std::net::TcpStream`: the
//! happy path at odd sizes and in every framing, every injected fault
//! (retried, or surfaced and aborted), lost answers of Initiate and
//! Complete, a connection closed before Complete's answer, answers out of
//! order with four parts in flight, temporary credentials and a key
//! renewed mid-copy, expiry and skew, a wrong secret and a tampered header
//! (with `explain`).
//!
//! Objects are a few MiB so that the suite stays fast in debug; the 64 MiB
//! run is the example's (`cargo run --release --example multipart_copy`).
//!
//! What the suite of the old hand-written client tested of that client's
//! own HTTP code (chunked decoding at every split point, strict head
//! parsing, framing) is the crate's `http1` module now, tested in
//! `tests/http1.rs` and its fuzz target; the emulator's own checks (part
//! numbers, ranges, conditions, Complete's parts, unknown buckets and
//! keys) are in `emulator/tests/checks.rs`.

#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use cos_emulator as emulator;
use embedded_io_adapters::std::FromStd;
use emulator::{Config, DEST_BUCKET, Emulator, Fault, Framing, On, Op, REGION, SOURCE_BUCKET};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tencent_cos_core::SignedText;
use tencent_cos_core::copy::{
    AbortOutcome, Answer, Cause, Confirmation, CopyConfig, CopyMachine, Failure, Notice, Outcome,
    PartSlot, Poll, Request, RetryPolicy, Unknown,
};
use tencent_cos_core::http1::Head;
use tencent_cos_core::io::{self, Buffers, DocumentBuffer, Lane, Transport, WireError};
use tencent_cos_core::{
    CanonicalRequest, CopyCondition, CopyPlan, CopySource, CosErrorBody, CosErrorCode, Credentials,
    ETag, Host, InitiateMultipartUpload, KeyTime, Response, ResponseError, Selection,
    SignedRequest, SigningKey, UploadPartCopy, explain,
};

const MIB: usize = 1 << 20;
const SOURCE_KEY: &str = "src/data file+1.bin";
const DEST_KEY: &str = "dst/copy.bin";
/// Values of 1 KiB, the server's signed texts up to 8 KiB (for `explain`).
type Documents = DocumentBuffer<1024, 8192>;

/// A connection: the emulator's socket, optionally rewriting what is
/// written (to send something other than what was signed).
struct Conn {
    io: FromStd<TcpStream>,
    tamper: Option<(&'static str, &'static str)>,
}

impl embedded_io::ErrorType for Conn {
    type Error = std::io::Error;
}

impl embedded_io::Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        self.io.read(buf)
    }
}

impl embedded_io::Write for Conn {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        match self.tamper {
            // The adapter hands the whole head to its first write.
            Some((from, to)) if from.len() == to.len() => {
                let text = String::from_utf8_lossy(buf).replace(from, to);
                if text.len() == buf.len() {
                    return self.io.write(text.as_bytes());
                }
                self.io.write(buf)
            }
            _ => self.io.write(buf),
        }
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.io.flush()
    }
}

fn connect(addr: SocketAddr, tamper: Option<(&'static str, &'static str)>) -> Option<Conn> {
    let s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
    s.set_nodelay(true).ok()?;
    Some(Conn {
        io: FromStd::new(s),
        tamper,
    })
}

fn system_ms() -> u64 {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    d.as_millis() as u64
}

/// The test's side of the adapter: connections to the emulator, a clock
/// (the system's, or one shared with the emulator), keys, and a record of
/// what the machine said.
struct Net<'c, 'h> {
    addr: SocketAddr,
    creds: &'c Credentials<'c>,
    /// Seconds, shared with the emulator; `None`: the system clock.
    clock: Option<Arc<AtomicU64>>,
    key_lifetime: u64,
    tamper: Option<(&'static str, &'static str)>,
    hook: &'h mut dyn FnMut(&Notice, &Arc<AtomicU64>),
    connects: u32,
    keys: Vec<KeyTime>,
    notices: Vec<Notice>,
    wire: Vec<String>,
    /// The server's texts of the last SignatureDoesNotMatch.
    mismatch: Option<(Option<String>, Option<String>)>,
}

impl<'c> Transport<'c> for Net<'c, '_> {
    type Connection = Conn;

    fn connect(&mut self, _: Host<'_>) -> Option<Conn> {
        // Every host is the emulator.
        self.connects += 1;
        connect(self.addr, self.tamper)
    }

    fn now_ms(&mut self) -> u64 {
        match &self.clock {
            Some(c) => c.load(Ordering::SeqCst) * 1000,
            None => system_ms(),
        }
    }

    fn sleep_ms(&mut self, ms: u32) {
        std::thread::sleep(Duration::from_millis(ms.into()));
    }

    fn signing_key(&mut self, now_ms: u64) -> Option<SigningKey> {
        let window = KeyTime::from_now(now_ms / 1000, self.key_lifetime, 60).ok()?;
        self.keys.push(window);
        Some(SigningKey::new(self.creds, window))
    }

    fn security_token(&mut self) -> Option<&'c str> {
        self.creds.security_token()
    }

    fn notice(&mut self, notice: &Notice) {
        let clock = self.clock.clone().unwrap_or_default();
        (self.hook)(notice, &clock);
        self.notices.push(*notice);
    }

    fn wire_error(&mut self, job: tencent_cos_core::copy::Job, e: &WireError<std::io::Error>) {
        self.wire.push(format!("{}: {e}", job.request()));
    }

    fn answered<const N: usize, const D: usize>(
        &mut self,
        _: tencent_cos_core::copy::Job,
        _: &Head<'_>,
        document: Option<&Result<Response<N, D>, ResponseError>>,
    ) {
        if let Some(Ok(Response::Error(e))) = document {
            if e.code.as_deref() == Some("SignatureDoesNotMatch") {
                let text = |t: &Option<heapless::String<D>>| t.as_deref().map(str::to_owned);
                self.mismatch = Some((text(&e.string_to_sign), text(&e.format_string)));
            }
        }
    }
}

/// How a test copies.
struct Setup {
    size: usize,
    part_size: u64,
    lanes: usize,
    max_in_flight: u16,
    /// Skip the source's HEAD: its ETag is given.
    source_etag: Option<String>,
    token: Option<&'static str>,
    secret_key: &'static str,
    key_lifetime: u64,
    clock: Option<Arc<AtomicU64>>,
    tamper: Option<(&'static str, &'static str)>,
}

impl Setup {
    fn new(size: usize) -> Self {
        Self {
            size,
            part_size: MIB as u64,
            lanes: 1,
            max_in_flight: 4,
            source_etag: None,
            token: None,
            secret_key: emulator::SECRET_KEY,
            key_lifetime: 3600,
            clock: None,
            tamper: None,
        }
    }
}

/// What a copy gave.
struct Run {
    outcome: Outcome,
    notices: Vec<Notice>,
    wire: Vec<String>,
    connects: u32,
    keys: Vec<KeyTime>,
    retries: u16,
    orphans: Option<tencent_cos_core::copy::Orphans>,
    upload_id: Option<String>,
    multipart_etag: Option<String>,
    source_etag: Option<String>,
    plan: CopyPlan,
    mismatch: Option<(Option<String>, Option<String>)>,
}

impl Run {
    /// The notices, as short names.
    fn events(&self) -> Vec<String> {
        self.notices.iter().map(short).collect()
    }

    fn failure(&self) -> (Failure, AbortOutcome) {
        match self.outcome {
            Outcome::Failed { failure, abort } => (failure, abort),
            other => panic!("not a failure: {other:?}; {:?}", self.events()),
        }
    }

    fn retries_of(&self, request: Request) -> usize {
        self.notices
            .iter()
            .filter(|n| matches!(n, Notice::Retrying { request: r, .. } if *r == request))
            .count()
    }
}

/// The pauses announced before `request` was sent again, each after
/// `code`.
fn pauses_before(run: &Run, request: Request, code: CosErrorCode<'_>) -> Vec<u32> {
    let mut pauses = Vec::new();
    for n in &run.notices {
        if let Notice::Retrying {
            request: r,
            after_ms,
            cause,
            ..
        } = *n
        {
            if r == request {
                assert_eq!(cause.code(), Some(code));
                pauses.push(after_ms);
            }
        }
    }
    pauses
}

/// Copied, known from Complete's answer, under the parts' multipart ETag.
const COPIED: Outcome = Outcome::Copied {
    confirmation: Confirmation::Answer,
    etag_matches: true,
};

/// The destination holds `data`.
fn assert_destination(emu: &Emulator, data: &[u8]) {
    let dest = emu
        .object(DEST_BUCKET, DEST_KEY)
        .expect("destination exists");
    assert!(
        dest.as_slice() == data,
        "destination bytes differ from the source"
    );
}

fn short(n: &Notice) -> String {
    match n {
        Notice::Initiated => "initiated".into(),
        Notice::PartDone { number, .. } => format!("part {number}"),
        Notice::Retrying { request, .. } => format!("retry {request}"),
        Notice::PossibleOrphan { .. } => "possible orphan".into(),
        Notice::Verifying => "verifying".into(),
        Notice::Failed(f) => format!("failed {}", f.request),
        Notice::NotInFlight => "not in flight".into(),
    }
}

/// An emulator holding a source object of `size` generated bytes.
fn start(config: Config, size: usize, seed: u64) -> (Emulator, Vec<u8>) {
    let emu = Emulator::start(config).expect("emulator starts");
    let data = emulator::generate(seed, size);
    emu.put_object(SOURCE_BUCKET, SOURCE_KEY, data.clone());
    (emu, data)
}

/// Fast retries: 3 attempts, pauses of 1 to 4 ms.
const RETRY: RetryPolicy = RetryPolicy {
    max_attempts: 3,
    base_delay_ms: 1,
    max_delay_ms: 4,
};

fn credentials(setup: &Setup) -> Credentials<'static> {
    match setup.token {
        Some(t) => Credentials::with_token(emulator::SECRET_ID, setup.secret_key, t),
        None => Credentials::new(emulator::SECRET_ID, setup.secret_key),
    }
    .unwrap()
}

fn config<'a>(setup: &'a Setup, plan: CopyPlan) -> CopyConfig<'a> {
    let source = CopySource::new(SOURCE_BUCKET, REGION, SOURCE_KEY).unwrap();
    let mut config = CopyConfig::new(source, Host::bucket(DEST_BUCKET, REGION), DEST_KEY, plan);
    config.retry = RETRY;
    config.max_in_flight = setup.max_in_flight;
    config.source_etag = setup.source_etag.as_deref().map(|e| ETag::new(e).unwrap());
    config
}

/// Copies the source to `DEST_KEY` with `run_copy`, `hook` seeing every
/// notice (and the shared clock) as it comes.
fn copy_with(emu: &Emulator, setup: &Setup, hook: &mut dyn FnMut(&Notice, &Arc<AtomicU64>)) -> Run {
    let creds = credentials(setup);
    let plan = CopyPlan::new(setup.size as u64, setup.part_size).unwrap();
    let mut slots = vec![PartSlot::EMPTY; usize::from(plan.part_count())];
    let mut m = CopyMachine::new(config(setup, plan), &mut slots).unwrap();
    let mut net = Net {
        addr: emu.addr(),
        creds: &creds,
        clock: setup.clock.clone(),
        key_lifetime: setup.key_lifetime,
        tamper: setup.tamper,
        hook,
        connects: 0,
        keys: Vec::new(),
        notices: Vec::new(),
        wire: Vec::new(),
        mismatch: None,
    };
    let (mut scratch, mut io) = (vec![0u8; 2048], vec![0u8; 2048]);
    let mut documents = Box::new(Documents::new());
    let buffers = Buffers {
        scratch: &mut scratch,
        io: &mut io,
        document: &mut documents,
    };
    let mut lanes: Vec<Lane<Conn>> = (0..setup.lanes).map(|_| Lane::new()).collect();
    let outcome = io::run_copy(&mut m, &mut net, buffers, &mut lanes).unwrap();
    Run {
        outcome,
        notices: net.notices,
        wire: net.wire,
        connects: net.connects,
        keys: net.keys,
        retries: m.retries(),
        orphans: m.possible_orphans(),
        upload_id: m.upload_id().map(str::to_owned),
        multipart_etag: m.multipart_etag().map(|e| e.as_str().to_owned()),
        source_etag: m.source_etag().map(str::to_owned),
        plan,
        mismatch: net.mismatch,
    }
}

fn copy(emu: &Emulator, setup: &Setup) -> Run {
    copy_with(emu, setup, &mut |_, _| {})
}

/// The destination holds exactly the source, under the multipart ETag of
/// the parts, the outcome says so, and no upload is left.
fn assert_copied(emu: &Emulator, data: &[u8], run: &Run, confirmation: Confirmation) {
    assert_eq!(
        run.outcome,
        Outcome::Copied {
            confirmation,
            etag_matches: true
        },
        "{:?}\nwire: {:?}\nlog: {:#?}",
        run.events(),
        run.wire,
        emu.log()
    );
    assert_destination(emu, data);
    let etag = emu.etag(DEST_BUCKET, DEST_KEY);
    assert_eq!(etag, run.multipart_etag);
    let parts = run.plan.part_count();
    assert!(etag.unwrap().ends_with(&format!("-{parts}\"")));
    assert_eq!(emu.uploads_in_progress(), 0);
}

/// Nothing half-complete: no upload in progress, no destination object.
fn assert_clean(emu: &Emulator) {
    assert_eq!(emu.uploads_in_progress(), 0, "an upload was left behind");
    assert_eq!(
        emu.keys(DEST_BUCKET),
        Vec::<String>::new(),
        "a destination object exists"
    );
}

/// The actions of the emulator's log, as short names.
fn ops(emu: &Emulator) -> Vec<String> {
    emu.log()
        .iter()
        .map(|l| match (l.op, l.part) {
            (Some(Op::PartCopy), Some(n)) => format!("part{n}:{}", l.status),
            (Some(op), _) => format!("{op:?}:{}", l.status),
            (None, _) => format!("{}:{}", l.method, l.status),
        })
        .collect()
}

fn service(status: u16, code: &str) -> Cause {
    Cause::Service {
        status,
        code: tencent_cos_core::copy::ShortText::new(code),
    }
}

// ---------------------------------------------------------------- happy path

#[test]
fn copies_odd_sizes_in_every_framing_one_connection_per_host() {
    let cases: &[(Framing, usize, u64, u16)] = &[
        (Framing::Cos, 9 * MIB + 12_345, 2 * MIB as u64, 5),
        (Framing::Chunked, 3 * MIB - 1, MIB as u64, 3),
        (Framing::Length, MIB, MIB as u64, 1),
        (Framing::Cos, 1, MIB as u64, 1),
        // A preference under 1 MiB is raised by the plan.
        (Framing::Chunked, 2 * MIB + 1, 1000, 3),
    ];
    for (i, &(framing, size, part_size, parts)) in cases.iter().enumerate() {
        let config = Config {
            framing,
            ..Config::default()
        };
        let (emu, data) = start(config, size, i as u64);
        // Keep-alive spaces before Complete's XML, as a slow merge sends.
        emu.inject(On::Action(Op::Complete), Fault::KeepAliveSpaces(3), 1);
        let run = copy(
            &emu,
            &Setup {
                part_size,
                ..Setup::new(size)
            },
        );
        assert_copied(&emu, &data, &run, Confirmation::Answer);
        assert_eq!(run.plan.part_count(), parts, "case {i}");
        assert_eq!(run.source_etag, Some(emulator::etag_of(&data)));
        assert_eq!(run.retries, 0);
        // Keep-alive: the source's HEAD on its host's connection, the
        // rest on one to the destination's; one signing key.
        assert_eq!(run.connects, 2, "case {i}");
        assert_eq!(run.keys.len(), 1);
        let mut want = vec!["HeadObject:200".to_owned(), "Initiate:200".to_owned()];
        want.extend((1..=parts).map(|n| format!("part{n}:200")));
        want.push("Complete:200".into());
        assert_eq!(ops(&emu), want, "case {i}");
        let mut want = vec!["initiated".to_owned()];
        want.extend((1..=parts).map(|n| format!("part {n}")));
        assert_eq!(run.events(), want);
        assert!(run.wire.is_empty(), "{:?}", run.wire);
    }
}

#[test]
fn four_lanes_keep_four_parts_in_flight() {
    let (emu, data) = start(Config::default(), 9 * MIB + 7, 5);
    // Part 1 answers late: parts 2 to 4 are handled meanwhile.
    emu.inject(On::Part(1), Fault::Delay(Duration::from_millis(300)), 1);
    let run = copy(
        &emu,
        &Setup {
            lanes: 4,
            ..Setup::new(9 * MIB + 7)
        },
    );
    assert_copied(&emu, &data, &run, Confirmation::Answer);
    assert_eq!(run.plan.part_count(), 10);
    // Four connections to the destination (the HEAD's lane reconnected to
    // it), none dropped: each carried parts one after the other.
    assert_eq!(run.connects, 5);
    // Parts 1 to 4 reached the server before any other (their order
    // among themselves is the server threads'): part 5 waited for part
    // 1's late answer while the server had four at once.
    let mut first = ops(&emu)[2..6].to_vec();
    first.sort();
    assert_eq!(first, ["part1:200", "part2:200", "part3:200", "part4:200"]);
}

#[test]
fn answers_out_of_order_with_four_parts_in_flight() {
    // Four threads, a connection each, one machine: each answer is given
    // to the machine as it arrives.
    let (emu, data) = start(Config::default(), 6 * MIB, 6);
    emu.inject(On::Part(1), Fault::Delay(Duration::from_millis(1000)), 1);
    emu.inject(On::Part(2), Fault::Delay(Duration::from_millis(500)), 1);
    let setup = Setup::new(6 * MIB);
    let creds = credentials(&setup);
    let plan = CopyPlan::new(setup.size as u64, setup.part_size).unwrap();
    let mut slots = vec![PartSlot::EMPTY; usize::from(plan.part_count())];
    let m = CopyMachine::new(config(&setup, plan), &mut slots).unwrap();
    let shared = (Mutex::new((m, Vec::new())), Condvar::new());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| worker(&shared, &creds, emu.addr()));
        }
    });
    let (m, notices) = shared.0.into_inner().unwrap();
    let done: Vec<u16> = notices
        .iter()
        .filter_map(|n| match n {
            Notice::PartDone { number, .. } => Some(*number),
            _ => None,
        })
        .collect();
    let mut sorted = done.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, [1, 2, 3, 4, 5, 6]);
    // Parts 1 to 4 went out together: part 1 (1 s late) answered last,
    // part 2 (0.5 s late) after parts 3 and 4.
    let at = |n: u16| done.iter().position(|&d| d == n).unwrap();
    assert_eq!(at(1), 5, "{done:?}");
    assert!(at(2) > at(3) && at(2) > at(4), "{done:?}");
    assert_eq!(m.outcome(), Some(&COPIED));
    assert_destination(&emu, &data);
}

type Shared<'a, 'p> = (Mutex<(CopyMachine<'a, 'p>, Vec<Notice>)>, Condvar);

/// One thread's connection: poll under the lock, write the request, read
/// the answer unlocked, give it to the machine under the lock.
fn worker<'a>(shared: &Shared<'a, '_>, creds: &'a Credentials<'a>, addr: SocketAddr) {
    let (lock, wake) = shared;
    let (mut scratch, mut io_buf) = (vec![0u8; 2048], vec![0u8; 2048]);
    let mut documents = Box::new(DocumentBuffer::<256, 0>::new());
    let mut conn: Option<(Conn, bool)> = None;
    loop {
        let mut g = lock.lock().unwrap();
        let job = loop {
            let now = system_ms();
            match g.0.poll(now) {
                Poll::Send(job) => break job,
                Poll::NeedKey => {
                    let window = KeyTime::from_now(now / 1000, 3600, 60).unwrap();
                    let key = SigningKey::new(creds, window);
                    match creds.security_token() {
                        Some(token) => g.0.set_key_with_token(key, token).unwrap(),
                        None => g.0.set_key(key),
                    }
                }
                Poll::Wait { ms } => {
                    g = wake
                        .wait_timeout(g, Duration::from_millis(ms.into()))
                        .unwrap()
                        .0
                }
                Poll::AwaitAnswer => g = wake.wait(g).unwrap(),
                Poll::Done => {
                    wake.notify_all();
                    return;
                }
            }
        };
        let to_source = job.request() == Request::HeadSource;
        if conn.as_ref().is_none_or(|c| c.1 != to_source) {
            conn = connect(addr, None).map(|c| (c, to_source));
        }
        let Some((c, _)) = conn.as_mut() else {
            g.0.answer(job, system_ms(), Answer::lost(false, false));
            wake.notify_all();
            continue;
        };
        let sent = io::write_request(c, &g.0, job, &mut scratch, &mut io_buf).unwrap();
        drop(g);
        if sent.is_err() {
            conn = None;
            let mut g = lock.lock().unwrap();
            g.0.answer(job, system_ms(), Answer::lost(false, false));
            wake.notify_all();
            continue;
        }
        let ((), reusable) =
            io::read_answer(c, job, &mut scratch, &mut io_buf, &mut documents, |reply| {
                let mut g = lock.lock().unwrap();
                if let Some(n) = g.0.answer(job, system_ms(), reply.answer) {
                    g.1.push(n);
                }
                wake.notify_all();
            });
        if !reusable {
            conn = None;
        }
    }
}

#[test]
fn temporary_credentials_send_and_sign_the_token() {
    let token = "tok+en/with=chars";
    let account = |token: &str| emulator::Account {
        secret_id: emulator::SECRET_ID.into(),
        secret_key: emulator::SECRET_KEY.into(),
        token: Some(token.into()),
    };
    let config = Config {
        accounts: vec![account(token)],
        ..Config::default()
    };
    let (emu, data) = start(config, 2 * MIB + 5, 3);
    let run = copy(
        &emu,
        &Setup {
            token: Some(token),
            ..Setup::new(2 * MIB + 5)
        },
    );
    assert_copied(&emu, &data, &run, Confirmation::Answer);

    // Without the token the account requires: refused at the first
    // request (the source's HEAD: a status without a body), no upload.
    let config = Config {
        accounts: vec![account("required")],
        ..Config::default()
    };
    let (emu, _) = start(config, MIB, 3);
    let run = copy(&emu, &Setup::new(MIB));
    let (failure, abort) = run.failure();
    assert_eq!(
        (failure.request, failure.cause, abort),
        (
            Request::HeadSource,
            service(403, ""),
            AbortOutcome::NotNeeded
        )
    );
    assert_eq!(emu.log()[0].code.as_deref(), Some("InvalidAccessKeyId"));
    assert!(
        !format!("{:?} {:?}", run.outcome, run.notices).contains("tok+en"),
        "a secret was printed"
    );
    assert_clean(&emu);
}

#[test]
fn a_new_signing_key_is_asked_for_before_the_window_runs_out() {
    // One simulated clock for both sides.
    let now = Arc::new(AtomicU64::new(1_800_000_000));
    let n = Arc::clone(&now);
    let clock: emulator::Clock = Arc::new(move || n.load(Ordering::SeqCst));
    let (emu, data) = start(
        Config {
            clock,
            ..Config::default()
        },
        4 * MIB,
        9,
    );
    let setup = Setup {
        key_lifetime: 120,
        clock: Some(Arc::clone(&now)),
        ..Setup::new(4 * MIB)
    };
    let run = copy_with(&emu, &setup, &mut |notice, clock| {
        if matches!(notice, Notice::PartDone { number: 2, .. }) {
            // 100 s later: the window (ends at +120) has under the
            // 60 s margin left.
            clock.fetch_add(100, Ordering::SeqCst);
        }
    });
    assert_copied(&emu, &data, &run, Confirmation::Answer);
    assert_eq!(run.keys.len(), 2);
    assert_eq!(run.keys[1].start(), 1_800_000_100 - 60);
}

// ---------------------------------------------------------------- faults retried

#[test]
fn every_retryable_fault_is_retried_and_the_copy_completes() {
    let trickle = Fault::Trickle(Duration::from_millis(1));
    // (where, fault, retries)
    let cases = [
        (On::Part(2), Fault::error_in_200(), 1),
        // By request number: 1 HEAD, 2 Initiate, 3 part 1.
        (On::Request(3), Fault::slow_down(), 1),
        (On::Part(3), Fault::slow_down(), 1),
        (On::Part(1), Fault::DropMidBody, 1),
        (On::Action(Op::Initiate), Fault::slow_down(), 1),
        // A HEAD answer has no body: 503 alone.
        (On::Action(Op::HeadObject), Fault::slow_down(), 1),
        (On::Action(Op::Complete), Fault::error_in_200(), 1),
        (On::Action(Op::Complete), Fault::slow_down(), 1),
        // No answer at all: the request is sent again (after a pause;
        // never at once on a fresh connection without the machine).
        (On::Part(2), Fault::Reset, 1),
        // The connection closes after part 1's answer: part 2, sent on
        // it, gets no answer.
        (On::Part(1), Fault::CloseAfter, 1),
        // Slow bodies, one byte at a time (chunk framing included).
        (On::Part(2), trickle.clone(), 0),
        (On::Action(Op::Complete), trickle, 0),
    ];
    for (i, (on, fault, retries)) in cases.into_iter().enumerate() {
        let (emu, data) = start(Config::default(), 3 * MIB + 5, 100 + i as u64);
        emu.inject(on, fault.clone(), 1);
        let run = copy(&emu, &Setup::new(3 * MIB + 5));
        let what = format!("case {i}: {fault:?} on {on:?}");
        assert_copied(&emu, &data, &run, Confirmation::Answer);
        assert_eq!(run.retries, retries, "{what}");
        assert_eq!(
            run.events()
                .iter()
                .filter(|e| e.starts_with("retry"))
                .count(),
            usize::from(retries),
            "{what}"
        );
        assert_eq!(
            emu.log().iter().filter(|l| l.fault.is_some()).count(),
            1,
            "{what}: the fault fired once"
        );
        assert!(run.orphans.is_none(), "{what}");
    }
}

#[test]
fn slow_down_then_success_pauses_every_request() {
    let (emu, data) = start(Config::default(), 3 * MIB, 12);
    emu.inject(On::Part(2), Fault::slow_down(), 2);
    let run = copy(&emu, &Setup::new(3 * MIB));
    assert_copied(&emu, &data, &run, Confirmation::Answer);
    assert_eq!(run.retries, 2);
    let pauses = pauses_before(&run, Request::PartCopy(2), CosErrorCode::SlowDown);
    assert_eq!(pauses, [1, 2], "doubled");
    let log = ops(&emu);
    assert_eq!(&log[3..6], ["part2:503", "part2:503", "part2:200"]);
}

#[test]
fn a_lost_complete_answer_is_confirmed_by_the_destination_etag() {
    // Complete merged the object, but the connection dropped mid-answer:
    // the retry finds no upload, and the destination's ETag is this
    // upload's.
    for fault in [Fault::DropMidBody, Fault::NoAnswer] {
        let (emu, data) = start(Config::default(), 3 * MIB + 5, 11);
        // An older object of the same size is there before.
        emu.put_object(DEST_BUCKET, DEST_KEY, emulator::generate(77, 3 * MIB + 5));
        emu.inject(On::Action(Op::Complete), fault.clone(), 1);
        let run = copy(&emu, &Setup::new(3 * MIB + 5));
        assert_copied(&emu, &data, &run, Confirmation::DestinationETag);
        assert_eq!(run.retries_of(Request::Complete), 1, "{fault:?}");
        let log = ops(&emu);
        assert_eq!(
            log[log.len() - 3..],
            ["Complete:200", "Complete:404", "HeadObject:200"],
            "{fault:?}"
        );
        assert_eq!(
            &run.events()[run.events().len() - 2..],
            ["retry CompleteMultipartUpload", "verifying"]
        );
    }
}

#[test]
fn a_lost_complete_answer_with_an_older_object_of_the_same_size_is_never_a_success() {
    // Complete was not carried out (the connection closed first), its
    // retry says NoSuchUpload (say, another client aborted it), and the
    // destination holds an older object of exactly the source's size.
    let (emu, _) = start(Config::default(), 3 * MIB + 5, 13);
    let older = emulator::generate(78, 3 * MIB + 5);
    emu.put_object(DEST_BUCKET, DEST_KEY, older.clone());
    emu.inject(On::Action(Op::Complete), Fault::Reset, 1);
    emu.inject(
        On::Action(Op::Complete),
        Fault::Error {
            status: 404,
            code: "NoSuchUpload",
            message: "injected",
        },
        1,
    );
    let run = copy(&emu, &Setup::new(3 * MIB + 5));
    assert_eq!(run.outcome, Outcome::Unknown(Unknown::DestinationDiffers));
    assert!(!run.outcome.is_copied());
    assert_eq!(
        emu.object(DEST_BUCKET, DEST_KEY).unwrap().as_slice(),
        &older[..],
        "the older object is still there"
    );
    // Not aborted: a merge may still be running; the id is reported.
    assert_eq!(emu.uploads_in_progress(), 1);
    assert!(run.upload_id.is_some());
    let log = ops(&emu);
    assert_eq!(
        log[log.len() - 3..],
        ["Complete:0", "Complete:404", "HeadObject:200"]
    );
}

#[test]
fn a_reused_connection_closed_before_completes_answer_is_not_resent_silently() {
    // The connection closes after the last part's answer; Complete is
    // written on it and gets nothing back. The machine sends it again,
    // saying so, and the copy is confirmed by Complete's answer.
    let (emu, data) = start(Config::default(), 3 * MIB, 14);
    emu.inject(On::Part(3), Fault::CloseAfter, 1);
    let run = copy(&emu, &Setup::new(3 * MIB));
    assert_copied(&emu, &data, &run, Confirmation::Answer);
    let resent: Vec<&Notice> = run
        .notices
        .iter()
        .filter(|n| {
            matches!(
                n,
                Notice::Retrying {
                    request: Request::Complete,
                    ..
                }
            )
        })
        .collect();
    assert_eq!(resent.len(), 1, "{:?}", run.events());
    let Notice::Retrying { cause, .. } = resent[0] else {
        unreachable!()
    };
    assert!(
        matches!(
            cause,
            Cause::Transport {
                answer_started: false,
                ..
            }
        ),
        "{cause:?}"
    );
    assert_eq!(run.wire.len(), 1, "{:?}", run.wire);
    // Complete reached the server once: the first never did.
    assert_eq!(
        ops(&emu)
            .iter()
            .filter(|o| o.starts_with("Complete"))
            .count(),
        1
    );
}

#[test]
fn a_lost_initiate_answer_is_reported_as_a_possible_orphan() {
    // Initiate made an upload but its answer never came: the machine
    // says so, sends Initiate again, and reports the orphan at the end.
    let (emu, data) = start(Config::default(), 2 * MIB, 15);
    emu.inject(On::Action(Op::Initiate), Fault::NoAnswer, 1);
    let run = copy(&emu, &Setup::new(2 * MIB));
    assert_eq!(run.outcome, COPIED);
    assert_destination(&emu, &data);
    let orphans = run.orphans.expect("the orphan is reported");
    assert_eq!(orphans.count, 1);
    assert!(run.events().contains(&"possible orphan".to_owned()));
    // The orphan is real, and the only upload left.
    assert_eq!(emu.uploads_in_progress(), 1);
    assert_eq!(
        ops(&emu)[..3],
        ["HeadObject:200", "Initiate:200", "Initiate:200"]
    );
}

// ---------------------------------------------------------------- faults surfaced

#[test]
fn a_retryable_fault_that_persists_gives_up_and_aborts() {
    for fault in [
        Fault::slow_down(),
        Fault::DropMidBody,
        Fault::error_in_200(),
    ] {
        let (emu, _) = start(Config::default(), 3 * MIB, 21);
        emu.inject(On::Part(2), fault.clone(), 1000);
        let run = copy(&emu, &Setup::new(3 * MIB));
        let (failure, abort) = run.failure();
        assert_eq!(
            (failure.request, failure.attempts),
            (Request::PartCopy(2), 3),
            "{fault:?}"
        );
        match &fault {
            Fault::DropMidBody => assert_eq!(
                failure.cause,
                Cause::Transport {
                    request_sent: true,
                    answer_started: true
                }
            ),
            Fault::Error { code, status, .. } => {
                assert_eq!(failure.cause, service(*status, code))
            }
            _ => unreachable!(),
        }
        assert_eq!(abort, AbortOutcome::Aborted, "{fault:?}");
        assert_eq!(run.retries, 2);
        assert_eq!(ops(&emu).last().map(String::as_str), Some("Abort:204"));
        assert_clean(&emu);
    }
}

#[test]
fn a_non_retryable_error_is_surfaced_at_once_and_the_upload_aborted() {
    let cases = [
        (On::Part(2), Request::PartCopy(2), 400, "InvalidArgument"),
        (
            On::Action(Op::Complete),
            Request::Complete,
            400,
            "InvalidPart",
        ),
        // An Error document on a 200 with a code that is not retryable.
        (On::Part(1), Request::PartCopy(1), 200, "AccessDenied"),
    ];
    for (on, request, status, code) in cases {
        let (emu, _) = start(Config::default(), 3 * MIB, 22);
        emu.inject(
            on,
            Fault::Error {
                status,
                code,
                message: "injected",
            },
            1,
        );
        let run = copy(&emu, &Setup::new(3 * MIB));
        let (failure, abort) = run.failure();
        assert_eq!(
            (failure.request, failure.attempts, failure.cause),
            (request, 1, service(status, code))
        );
        assert!(failure.request_id.as_str().starts_with("NjU0"), "{failure}");
        assert_eq!(run.retries, 0);
        assert_eq!(abort, AbortOutcome::Aborted, "{failure}");
        assert!(failure.to_string().contains(code), "{failure}");
        assert_clean(&emu);
    }
}

#[test]
fn a_source_replaced_mid_copy_fails_the_if_match_condition() {
    let (emu, _) = start(Config::default(), 3 * MIB, 23);
    let run = copy_with(&emu, &Setup::new(3 * MIB), &mut |notice, _| {
        if matches!(notice, Notice::PartDone { number: 1, .. }) {
            emu.put_object(SOURCE_BUCKET, SOURCE_KEY, emulator::generate(99, 3 * MIB));
        }
    });
    let (failure, abort) = run.failure();
    assert_eq!(
        (failure.request, failure.attempts, failure.cause),
        (Request::PartCopy(2), 1, service(412, "PreconditionFailed"))
    );
    assert_eq!(abort, AbortOutcome::Aborted);
    assert_clean(&emu);
}

#[test]
fn a_missing_source_fails_before_any_upload() {
    let (emu, _) = start(Config::default(), MIB, 24);
    emu.put_object(SOURCE_BUCKET, SOURCE_KEY, Vec::new());
    let missing = Emulator::start(Config::default()).unwrap();
    let run = copy(&missing, &Setup::new(MIB));
    let (failure, abort) = run.failure();
    assert_eq!(
        (failure.request, failure.cause, abort),
        (
            Request::HeadSource,
            service(404, ""),
            AbortOutcome::NotNeeded
        )
    );
    assert_eq!(ops(&missing), ["HeadObject:404"]);
    assert_clean(&missing);
    // One of another size than planned: the same.
    let run = copy(&emu, &Setup::new(MIB));
    let (failure, _) = run.failure();
    assert_eq!(
        failure.cause,
        Cause::Answer(tencent_cos_core::copy::AnswerError::SourceSize { found: Some(0) })
    );
    assert_clean(&emu);
}

// ---------------------------------------------------------------- signatures

#[test]
fn a_window_outside_the_clock_is_refused() {
    // COS's two answers, the ones the SDKs correct their clock on. The
    // crate counts RequestTimeTooSkewed retryable (a retry is signed anew);
    // this clock stays skewed, so its retries fail the same way. The
    // source's ETag is given, so that Initiate (with a body) comes first.
    for (offset, code, attempts) in [
        (7200, "AccessDenied", 1),
        (-7200, "RequestTimeTooSkewed", 3),
    ] {
        let (emu, data) = start(
            Config {
                clock: emulator::offset_clock(offset),
                ..Config::default()
            },
            MIB,
            31,
        );
        let run = copy(
            &emu,
            &Setup {
                source_etag: Some(emulator::etag_of(&data)),
                ..Setup::new(MIB)
            },
        );
        let (failure, abort) = run.failure();
        assert_eq!(
            (failure.request, failure.attempts, failure.cause),
            (Request::Initiate, attempts, service(403, code))
        );
        assert_eq!(abort, AbortOutcome::NotNeeded);
        assert_eq!(ops(&emu), vec!["Initiate:403"; usize::from(attempts)]);
        assert!(run.orphans.is_none());
        assert_clean(&emu);
    }
}

/// `signed` as the canonical request it was signed over.
fn canonical<'s>(
    signed: &'s SignedRequest<'s>,
    path: &'s str,
    headers: &'s mut Vec<(&'s str, &'s str)>,
) -> CanonicalRequest<'s> {
    headers.extend(
        signed
            .headers()
            .iter()
            .filter(|(n, _)| *n != "Authorization"),
    );
    CanonicalRequest::new(signed.method().as_str(), path, signed.params(), headers)
}

/// The server's texts of the run's SignatureDoesNotMatch as an error body.
fn server_texts(run: &Run) -> CosErrorBody<1024, 8192> {
    let (sts, fs) = run
        .mismatch
        .clone()
        .expect("a SignatureDoesNotMatch was read");
    let text = |t: Option<String>| t.map(|t| heapless::String::try_from(t.as_str()).unwrap());
    CosErrorBody {
        string_to_sign: text(sts),
        format_string: text(fs),
        ..CosErrorBody::default()
    }
}

#[test]
fn a_wrong_secret_is_explained_as_a_key_problem() {
    let (emu, data) = start(Config::default(), MIB, 32);
    let setup = Setup {
        secret_key: "notTheSecretKey0000000000000000x",
        source_etag: Some(emulator::etag_of(&data)),
        ..Setup::new(MIB)
    };
    let run = copy(&emu, &setup);
    let (failure, _) = run.failure();
    assert_eq!(
        (failure.request, failure.attempts, failure.cause),
        (Request::Initiate, 1, service(403, "SignatureDoesNotMatch"))
    );
    // The same request, signed again with the same key.
    let creds = credentials(&setup);
    let key = SigningKey::new(&creds, run.keys[0]);
    let mut scratch = [0u8; 1024];
    let signed = InitiateMultipartUpload::new(Host::bucket(DEST_BUCKET, REGION), DEST_KEY)
        .sign(key.signer(creds.security_token()).unwrap(), &mut scratch)
        .unwrap();
    let path = format!("/{DEST_KEY}");
    let mut headers = Vec::new();
    let request = canonical(&signed, &path, &mut headers);
    let m = explain(&server_texts(&run), &request, Selection::Exact, run.keys[0]).unwrap();
    // Both texts match: the difference is in the key.
    assert!(m.http_string_compared && m.string_to_sign_compared);
    assert_eq!(m.difference, None);
    let report = m.to_string();
    assert!(report.contains("SecretKey is not the one"), "{report}");
    assert!(
        !format!("{:?}{:?}{}", run.outcome, run.notices, failure).contains("notTheSecretKey"),
        "the secret was printed"
    );
    assert_clean(&emu);
}

#[test]
fn a_header_sent_other_than_signed_is_pointed_at() {
    let (emu, _) = start(Config::default(), 3 * MIB, 33);
    let setup = Setup {
        tamper: Some((
            "x-cos-copy-source-range: bytes=1048576-",
            "x-cos-copy-source-range: bytes=1048000-",
        )),
        ..Setup::new(3 * MIB)
    };
    let run = copy(&emu, &setup);
    let (failure, abort) = run.failure();
    assert_eq!(
        (failure.request, failure.cause),
        (Request::PartCopy(2), service(403, "SignatureDoesNotMatch"))
    );
    assert_eq!(abort, AbortOutcome::Aborted);
    // Part 2's request as the machine signed it.
    let creds = credentials(&setup);
    let key = SigningKey::new(&creds, run.keys[0]);
    let source = CopySource::new(SOURCE_BUCKET, REGION, SOURCE_KEY).unwrap();
    let etag = run.source_etag.clone().unwrap();
    let upload_id = run.upload_id.clone().unwrap();
    let mut scratch = [0u8; 1024];
    let signed = UploadPartCopy::new(
        Host::bucket(DEST_BUCKET, REGION),
        DEST_KEY,
        2,
        &upload_id,
        source,
    )
    .with_range(run.plan.part(2).unwrap())
    .with_condition(CopyCondition::Match(ETag::new(&etag).unwrap()))
    .sign(key.signer(creds.security_token()).unwrap(), &mut scratch)
    .unwrap();
    let path = format!("/{DEST_KEY}");
    let mut headers = Vec::new();
    let request = canonical(&signed, &path, &mut headers);
    let m = explain(&server_texts(&run), &request, Selection::Exact, run.keys[0]).unwrap();
    let d = m.difference.expect("a difference");
    assert_eq!((d.text, d.line), (SignedText::HttpString, 3)); // the headers line
    let local = String::from_utf8_lossy(d.local.before()).into_owned()
        + &String::from_utf8_lossy(d.local.after());
    assert!(local.contains("range=bytes%3D1048576-"), "{local}");
    assert!(d.local.after().starts_with(b"576-"));
    assert!(d.server.after().starts_with(b"000-"));
    let report = m.to_string();
    assert!(
        report.starts_with("HttpString differs from the server's at byte"),
        "{report}"
    );
    assert!(report.contains("(line 4, headers)"), "{report}");
    assert_clean(&emu);
}
