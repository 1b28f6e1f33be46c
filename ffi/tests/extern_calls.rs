//! The C functions called from Rust, as C calls them: through raw
//! pointers into caller storage. The C test (`tests/c/test.c`) is the full
//! suite; this one is small enough for Miri (`cargo +nightly miri test -p
//! tencent-cos-core-ffi`, in `.ci/ffi`), which checks the unsafe glue
//! for undefined behaviour on every path it takes.

use core::ffi::c_char;
use core::ptr::{null, null_mut};
use tencent_cos_core_ffi::*;

fn s(text: &str) -> tcc_str {
    tcc_str {
        ptr: text.as_ptr().cast(),
        len: text.len(),
    }
}

fn pair(name: &'static str, value: &'static str) -> tcc_pair {
    tcc_pair {
        name: s(name),
        value: s(value),
    }
}

const ID: &str = "AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q";
const SECRET: &str = "BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz";
const UPLOAD: &str = "1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361";
/// The README's vector `upc_minimal`.
const AUTHORIZATION: &str = "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q\
     &q-sign-time=1700000000;1700003600&q-key-time=1700000000;1700003600\
     &q-header-list=host;x-cos-copy-source;x-cos-copy-source-range\
     &q-url-param-list=partnumber;uploadid\
     &q-signature=c97446ad4e77ed2d6113e295d9abc0a0756607d2";

fn key() -> Box<tcc_signing_key> {
    let mut key = Box::new(tcc_signing_key {
        bytes: [0; TCC_SIGNING_KEY_SIZE],
    });
    let creds = tcc_credentials {
        secret_id: s(ID),
        secret_key: s(SECRET),
        security_token: s(""),
    };
    // SAFETY: live storage and credentials; the strings are 'static.
    let r = unsafe { tcc_signing_key_init(&mut *key, &creds, 1_700_000_000, 1_700_003_600) };
    assert_eq!(r, tcc_status::TCC_OK);
    key
}

#[test]
fn a_signature_sized_written_and_verified() {
    let key = key();
    let params = [pair("partNumber", "1"), pair("uploadId", UPLOAD)];
    let headers = [
        pair(
            "Host",
            "examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com",
        ),
        pair(
            "x-cos-copy-source",
            "sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com/source/big-file.bin",
        ),
        pair("x-cos-copy-source-range", "bytes=0-1048575"),
    ];
    let request = tcc_request {
        method: s("PUT"),
        path: s("/dest/big-file.bin"),
        params: params.as_ptr(),
        params_len: params.len(),
        headers: headers.as_ptr(),
        headers_len: headers.len(),
        pair_table: core::ptr::null_mut(),
        pair_table_len: 0,
    };
    let mut out = [0u8; 512];
    let mut needed = 0usize;
    // SAFETY: every pointer is a live local of the size given.
    unsafe {
        let r = tcc_sign_authorization(
            &*key,
            &request,
            TCC_SELECTION_EXACT,
            null_mut(),
            0,
            &mut needed,
        );
        assert_eq!(
            (r, needed),
            (tcc_status::TCC_ERR_BUFFER_TOO_SMALL, AUTHORIZATION.len())
        );
        let r = tcc_sign_authorization(
            &*key,
            &request,
            TCC_SELECTION_EXACT,
            out.as_mut_ptr().cast::<c_char>(),
            out.len(),
            &mut needed,
        );
        assert_eq!(r, tcc_status::TCC_OK);
        assert_eq!(&out[..needed], AUTHORIZATION.as_bytes());
        let verdict = tcc_verify_authorization(
            s(AUTHORIZATION),
            &request,
            s(SECRET),
            1_700_000_001,
            TCC_POLICY_STRICT,
        );
        // STRICT wants Content-Length signed when present; it is absent.
        assert_eq!(verdict, tcc_status::TCC_OK);
        let expired = tcc_verify_authorization(
            s(AUTHORIZATION),
            &request,
            s(SECRET),
            1_700_003_601,
            TCC_POLICY_COS,
        );
        assert_eq!(expired, tcc_status::TCC_ERR_EXPIRED);
    }
}

#[test]
fn a_response_read_a_byte_at_a_time() {
    let body = b"<CopyPartResult><ETag>&quot;ba82b57cfdfda8bd17ad4e5879ebb4fe&quot;</ETag></CopyPartResult>";
    let mut reader = Box::new(tcc_response_reader {
        bytes: [0; TCC_RESPONSE_READER_SIZE],
    });
    let r: *mut tcc_response_reader = &mut *reader;
    // SAFETY: live storage; the body and the outputs are live locals.
    unsafe {
        assert_eq!(tcc_response_reader_init(r), tcc_status::TCC_OK);
        for b in body.chunks(1) {
            assert_eq!(
                tcc_response_reader_feed(r, b.as_ptr(), 1),
                tcc_status::TCC_OK
            );
        }
        assert_eq!(tcc_response_reader_finish(r), tcc_status::TCC_OK);
        let mut doc = core::mem::MaybeUninit::<tcc_document>::uninit();
        assert_eq!(
            tcc_response_document(r, doc.as_mut_ptr()),
            tcc_status::TCC_OK
        );
        let doc = doc.assume_init();
        assert_eq!(doc.kind, TCC_DOCUMENT_COPY_PART_RESULT);
        let etag = core::slice::from_raw_parts(doc.etag.ptr.cast::<u8>(), doc.etag.len);
        assert_eq!(etag, b"\"ba82b57cfdfda8bd17ad4e5879ebb4fe\"");
        let mut o = core::mem::MaybeUninit::<tcc_outcome>::uninit();
        let status = tcc_response_outcome(r, 200, TCC_DOCUMENT_COPY_PART_RESULT, o.as_mut_ptr());
        assert_eq!(status, tcc_status::TCC_OK);
        assert_eq!(o.assume_init().kind, TCC_OUTCOME_SUCCESS);
        assert_eq!(
            tcc_response_reader_feed(r, body.as_ptr(), 1),
            tcc_status::TCC_ERR_STATE
        );
    }
}

#[test]
fn a_copy_machine_sends_its_first_requests() {
    let key = key();
    let mut machine = Box::new(tcc_copy_machine {
        bytes: [0; TCC_COPY_MACHINE_SIZE],
    });
    let m: *mut tcc_copy_machine = &mut *machine;
    let mut slots = vec![
        tcc_part_slot {
            bytes: [0xFF; TCC_PART_SLOT_SIZE]
        };
        2
    ];
    let mut config = core::mem::MaybeUninit::<tcc_copy_config>::uninit();
    let mut scratch = [0u8; 1024];
    let mut out = [0u8; 2048];
    let (mut needed, mut head_len) = (0usize, 0usize);
    // SAFETY: live storage, slots and buffers; the strings are 'static
    // and outlive the machine.
    unsafe {
        assert_eq!(
            tcc_copy_config_init(config.as_mut_ptr()),
            tcc_status::TCC_OK
        );
        let mut config = config.assume_init();
        config.source.bucket = s("sourcebucket-1250000000");
        config.source.region = s("ap-guangzhou");
        config.source.key = s("big.bin");
        config.source_etag = s("\"5eb63bbbe01eeed093cb22bb8f5acdc3\"");
        config.destination.endpoint = s("127.0.0.1:9000");
        config.key = s("copy.bin");
        config.object_size = 2 << 20;
        config.part_size = 1 << 20;
        assert_eq!(
            tcc_copy_init(m, &config, slots.as_mut_ptr(), slots.len()),
            tcc_status::TCC_OK
        );
        let mut poll = core::mem::MaybeUninit::<tcc_poll>::uninit();
        assert_eq!(
            tcc_copy_poll(m, 1_700_000_100_000, poll.as_mut_ptr()),
            tcc_status::TCC_OK
        );
        assert_eq!(poll.assume_init().kind, TCC_POLL_NEED_KEY);
        assert_eq!(tcc_copy_set_key(m, &*key), tcc_status::TCC_OK);
        assert_eq!(
            tcc_copy_poll(m, 1_700_000_100_000, poll.as_mut_ptr()),
            tcc_status::TCC_OK
        );
        let p = poll.assume_init();
        assert_eq!(
            (p.kind, p.job.request),
            (TCC_POLL_SEND, TCC_REQUEST_INITIATE)
        );
        let r = tcc_copy_write_request(
            m,
            &p.job,
            scratch.as_mut_ptr(),
            scratch.len(),
            out.as_mut_ptr().cast(),
            out.len(),
            &mut needed,
            &mut head_len,
        );
        assert_eq!(r, tcc_status::TCC_OK);
        assert!(
            out[..head_len]
                .starts_with(b"POST /copy.bin?uploads HTTP/1.1\r\nHost: 127.0.0.1:9000\r\n")
        );
        assert_eq!(needed, head_len);
        let lost = tcc_answer {
            headers: null(),
            headers_len: 0,
            body: null(),
            status: 0,
            lost: 1,
            request_sent: 0,
            answer_started: 0,
        };
        let mut notice = core::mem::MaybeUninit::<tcc_notice>::uninit();
        let r = tcc_copy_answer(m, &p.job, 1_700_000_100_000, &lost, notice.as_mut_ptr());
        assert_eq!(r, tcc_status::TCC_OK);
        // Not sent at all: resent after a pause, and said so (a POST).
        assert_eq!(notice.assume_init().kind, TCC_NOTICE_RETRYING);
        let mut progress = core::mem::MaybeUninit::<tcc_copy_progress>::uninit();
        assert_eq!(
            tcc_copy_get_progress(m, progress.as_mut_ptr()),
            tcc_status::TCC_OK
        );
        let progress = progress.assume_init();
        assert_eq!((progress.part_count, progress.retries), (2, 1));
        assert!(progress.upload_id.ptr.is_null());
    }
}

#[test]
fn bad_storage_is_refused() {
    let mut bytes = vec![0u64; TCC_SIGNING_KEY_SIZE / 8 + 1];
    let base = bytes.as_mut_ptr().cast::<u8>();
    let creds = tcc_credentials {
        secret_id: s(ID),
        secret_key: s(SECRET),
        security_token: s(""),
    };
    // SAFETY: the storage is live and large enough at either offset; the
    // misaligned pointer is refused before any use.
    unsafe {
        let odd = base.add(1).cast::<tcc_signing_key>();
        assert_eq!(
            tcc_signing_key_init(odd, &creds, 1, 2),
            tcc_status::TCC_ERR_ALIGNMENT
        );
        let blank = base.cast::<tcc_signing_key>();
        let mut n = 0usize;
        let r = tcc_signing_key_sign_key(blank, null_mut(), 0, &mut n);
        assert_eq!(r, tcc_status::TCC_ERR_NOT_INITIALIZED);
        assert_eq!(
            tcc_signing_key_init(blank, &creds, 1, 2),
            tcc_status::TCC_OK
        );
        assert_eq!(
            tcc_signing_key_sign_key(blank, null_mut(), 0, &mut n),
            tcc_status::TCC_ERR_BUFFER_TOO_SMALL
        );
        assert_eq!(n, 40);
        // A failed init leaves it refused.
        assert_eq!(
            tcc_signing_key_init(blank, &creds, 2, 1),
            tcc_status::TCC_ERR_KEY_TIME
        );
        let r = tcc_signing_key_sign_key(blank, null_mut(), 0, &mut n);
        assert_eq!(r, tcc_status::TCC_ERR_NOT_INITIALIZED);
    }
}
