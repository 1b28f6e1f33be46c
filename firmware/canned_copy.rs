// A whole copy over canned answers, for firmware/selftest (which checks
// its outcome and measures its stack) and firmware/linkcheck (the
// `copy-profile` flash figure): included by both with `include!`.
//
// The answers are what COS sends for a 2 MiB copy in two 1 MiB parts:
// the source's HEAD, Initiate (chunked XML), a 503 SlowDown on the first
// part (retried), the two parts (chunked, split inside the ETag), and
// Complete (keep-alive spaces before its XML, chunked).
//
// Its counters add wrapping (the code of a release build's `+`, so the
// flash figure does not move): the overflow-checked link check
// (`.ci/firmware`, profile `checked`) links this harness too.

/// A copy's connections and time, canned.
pub mod canned_copy {
    use core::cell::Cell;
    use core::hint::black_box;
    use embedded_io::{ErrorKind, ErrorType, Read, Write};
    use tencent_cos_core as cos;

    /// The source's size.
    pub const SIZE: u64 = 2 << 20;
    /// The multipart ETag of the two parts' ETags, as COS computes it.
    pub const MULTIPART_ETAG: &str = "\"8e7f49323f5c66d08d276743b43ae446-2\"";

    /// The answers, in the order the requests go out.
    pub const ANSWERS: [&[u8]; 6] = [
        b"HTTP/1.1 200 OK\r\nContent-Length: 2097152\r\nETag: \"ee8de918d05640145b18f70f4c3aa602\"\r\nx-cos-request-id: NjZi\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\nx-cos-request-id: NjZiYzY0YjBf\r\n\r\n32\r\n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMu\r\n46\r\nltipartUploadResult><Bucket>examplebucket-1250000000</Bucket><Key>dest\r\n89\r\n.bin</Key><UploadId>1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361</UploadId></InitiateMultipartUploadResult>\r\n0\r\n\r\n",
        b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml\r\nContent-Length: 161\r\nx-cos-request-id: NjZj\r\n\r\n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>NjZiYzY0YjBf</RequestId></Error>",
        b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\nx-cos-request-id: NjZiYzY0YjBf\r\n\r\n7\r\n<CopyPa\r\n35\r\nrtResult><ETag>&quot;b1946ac92492d2347c6235b4d2611184\r\n53\r\n&quot;</ETag><LastModified>2024-08-14T08:00:00.000Z</LastModified></CopyPartResult>\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\nx-cos-request-id: NjZiYzY0YjBf\r\n\r\n21\r\n<CopyPartResult><ETag>&quot;59178\r\n6e\r\n5b794601e212b260e25925636fd&quot;</ETag><LastModified>2024-08-14T08:00:00.000Z</LastModified></CopyPartResult>\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\nx-cos-request-id: NjZiYzY0YjBf\r\n\r\n2\r\n  \r\n2\r\n  \r\n56\r\n<CompleteMultipartUploadResult><Location>examplebucket-1250000000.cos.ap-guangzhou.myq\r\nb4\r\ncloud.com/dest.bin</Location><Bucket>examplebucket-1250000000</Bucket><Key>dest.bin</Key><ETag>&quot;8e7f49323f5c66d08d276743b43ae446-2&quot;</ETag></CompleteMultipartUploadResult>\r\n0\r\n\r\n",
    ];

    /// A connection that answers from [`ANSWERS`], at most `step` bytes a
    /// read, going on where the last connection stopped (`next`).
    pub struct Canned<'s> {
        next: &'s Cell<usize>,
        pos: usize,
        step: usize,
        /// Bytes written to it.
        pub written: &'s Cell<usize>,
    }

    impl ErrorType for Canned<'_> {
        type Error = ErrorKind;
    }

    impl Read for Canned<'_> {
        fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
            if black_box(false) {
                return Err(ErrorKind::ConnectionReset);
            }
            let answers = black_box(&ANSWERS);
            let Some(answer) = answers.get(self.next.get()) else {
                return Ok(0);
            };
            let rest = answer.get(self.pos..).unwrap_or_default();
            let n = rest.len().min(buf.len()).min(self.step);
            for (d, s) in buf.iter_mut().zip(rest.iter().take(n)) {
                *d = *s;
            }
            self.pos = self.pos.wrapping_add(n);
            if self.pos >= answer.len() {
                self.next.set(self.next.get().wrapping_add(1));
                self.pos = 0;
            }
            Ok(n)
        }
    }

    impl Write for Canned<'_> {
        fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
            if black_box(false) {
                return Err(ErrorKind::BrokenPipe);
            }
            self.written.set(self.written.get().wrapping_add(buf.len()));
            Ok(buf.len())
        }
        fn flush(&mut self) -> Result<(), ErrorKind> {
            Ok(())
        }
    }

    /// The copy's side of [`cos::io::run_copy`]: canned connections, a
    /// clock that a pause moves, one signing key.
    pub struct Device<'s> {
        pub next: &'s Cell<usize>,
        pub written: &'s Cell<usize>,
        pub step: usize,
        pub now_ms: u64,
        /// The key, kept outside (a few hundred bytes): given by a copy
        /// each time one is asked for, as a transport that makes its key
        /// does.
        pub key: Option<&'s cos::SigningKey>,
        /// The token of the key's credentials, if temporary.
        pub token: Option<&'static str>,
        pub connects: u32,
        pub pauses: u32,
    }

    impl<'s> cos::io::Transport<'static> for Device<'s> {
        type Connection = Canned<'s>;

        fn connect(&mut self, _: cos::Host<'_>) -> Option<Canned<'s>> {
            self.connects = self.connects.wrapping_add(1);
            Some(Canned {
                next: self.next,
                pos: 0,
                step: self.step,
                written: self.written,
            })
        }
        fn now_ms(&mut self) -> u64 {
            black_box(self.now_ms)
        }
        fn sleep_ms(&mut self, ms: u32) {
            self.pauses = self.pauses.wrapping_add(1);
            self.now_ms = self.now_ms.wrapping_add(u64::from(ms));
        }
        fn signing_key(&mut self, _: u64) -> Option<cos::SigningKey> {
            self.key.cloned()
        }
        fn security_token(&mut self) -> Option<&'static str> {
            self.token
        }
    }
}
