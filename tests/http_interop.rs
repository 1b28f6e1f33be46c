//! The `http` adapter end to end: a whole copy against the loopback
//! emulator with ureq 3, every request from `http_interop::copy_request`
//! and every answer through `http_interop::answer` (plain HTTP to the
//! emulator's address; the signed `Host` header is sent as it is).

#![allow(clippy::std_instead_of_core, clippy::std_instead_of_alloc)]

use cos_emulator as emulator;
use emulator::{Config, DEST_BUCKET, Emulator, Fault, On, Op, REGION, SOURCE_BUCKET};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tencent_cos_core::copy::{
    Answer, Confirmation, CopyConfig, CopyMachine, Notice, Outcome, PartSlot, Poll, Request,
    RetryPolicy,
};
use tencent_cos_core::http_interop::{answer, copy_request, document};
use tencent_cos_core::{CopyPlan, CopySource, Credentials, Host, KeyTime, SigningKey};

const KEY: &str = "dst/via ureq+http.bin";

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// Sends `request` to the emulator, whatever host its URI names.
fn to_emulator(emu: &Emulator, mut request: http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let target = request.uri().path_and_query().unwrap().as_str();
    *request.uri_mut() = format!("http://{}{target}", emu.addr()).parse().unwrap();
    request
}

/// One request at a time: poll, send with ureq, answer.
fn copy(emu: &Emulator, m: &mut CopyMachine<'_, '_>) -> Vec<Notice> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into();
    let mut notices = Vec::new();
    loop {
        match m.poll(now_ms()) {
            Poll::Send(job) => {
                let request = copy_request(m, job, http::uri::Scheme::HTTP).unwrap();
                assert_eq!(
                    request.method() == http::Method::HEAD,
                    job.request().is_head()
                );
                let notice = match agent.run(to_emulator(emu, request)) {
                    Ok(mut response) => match response.body_mut().read_to_vec() {
                        Ok(body) => {
                            let parsed = document::<1024, 0>(&body);
                            m.answer(job, now_ms(), answer(&response, parsed.as_ref()))
                        }
                        Err(_) => m.answer(job, now_ms(), Answer::lost(true, true)),
                    },
                    Err(_) => m.answer(job, now_ms(), Answer::lost(true, false)),
                };
                notices.extend(notice);
            }
            Poll::NeedKey => unreachable!("one window for the whole copy"),
            Poll::Wait { ms } => std::thread::sleep(Duration::from_millis(ms.into())),
            Poll::AwaitAnswer => unreachable!("one at a time"),
            Poll::Done => return notices,
        }
    }
}

#[test]
fn a_copy_through_ureq_and_the_http_adapter() {
    // Temporary credentials: the token is signed and sent.
    let config = Config {
        accounts: vec![emulator::Account {
            secret_id: emulator::SECRET_ID.into(),
            secret_key: emulator::SECRET_KEY.into(),
            token: Some("t+k/n".into()),
        }],
        ..Config::default()
    };
    let emu = Emulator::start(config).unwrap();
    let data = emulator::generate(5, 3 * (1 << 20) + 17);
    emu.put_object(SOURCE_BUCKET, "src/a b+c.bin", data.clone());
    // A retry, and keep-alive spaces before Complete's answer.
    emu.inject(On::Part(2), Fault::slow_down(), 1);
    emu.inject(On::Action(Op::Complete), Fault::KeepAliveSpaces(4), 1);
    let creds =
        Credentials::with_token(emulator::SECRET_ID, emulator::SECRET_KEY, "t+k/n").unwrap();
    let source = CopySource::new(SOURCE_BUCKET, REGION, "src/a b+c.bin").unwrap();
    let plan = CopyPlan::new(data.len() as u64, 1 << 20).unwrap();
    let mut config = CopyConfig::new(source, Host::bucket(DEST_BUCKET, REGION), KEY, plan);
    config.retry = RetryPolicy {
        max_attempts: 3,
        base_delay_ms: 1,
        max_delay_ms: 4,
    };
    let mut slots = vec![PartSlot::EMPTY; 4];
    let mut m = CopyMachine::new(config, &mut slots).unwrap();
    m.set_key_with_token(
        SigningKey::new(
            &creds,
            KeyTime::from_now(now_ms() / 1000, 3600, 60).unwrap(),
        ),
        "t+k/n",
    )
    .unwrap();
    // One window for the whole copy.
    let notices = copy(&emu, &mut m);
    assert_eq!(
        m.outcome(),
        Some(&Outcome::Copied {
            confirmation: Confirmation::Answer,
            etag_matches: true
        }),
        "{notices:?}\n{:#?}",
        emu.log()
    );
    assert!(notices.iter().any(|n| matches!(
        n,
        Notice::Retrying {
            request: Request::PartCopy(2),
            ..
        }
    )));
    assert_eq!(emu.object(DEST_BUCKET, KEY).unwrap().as_slice(), &data[..]);
    assert_eq!(
        emu.etag(DEST_BUCKET, KEY).as_deref(),
        m.multipart_etag().as_ref().map(|e| e.as_str())
    );
    assert_eq!(emu.uploads_in_progress(), 0);
    // Every request reached the bucket's host, not the address.
    assert!(
        emu.log()
            .iter()
            .all(|l| l.host.ends_with(".cos.ap-guangzhou.myqcloud.com"))
    );
}
