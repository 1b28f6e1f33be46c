#!/usr/bin/env python3
"""A scripted session of the official Python SDK (cos-python-sdk-v5) against
the emulator, with the SDK's own calls and its default endpoints.

Name resolution is patched so that every *.myqcloud.com / *.tencentcos.cn
host connects to 127.0.0.1:PORT: the SDK builds, signs and sends exactly
what it would send to COS (same URL, same Host header), only the TCP
connection goes to the emulator.

Every check prints `ok NAME` or `FAIL NAME: why`; the last line is
`python-sdk: N passed, M failed`; the exit status is 1 if any failed.

    python session.py --port 9000   (run.sh starts the emulator and this)
"""

import argparse
import hashlib
import io
import socket
import sys
import traceback
import urllib.request

from qcloud_cos import CosConfig, CosS3Client
from qcloud_cos.cos_exception import CosServiceError

REGION = "ap-guangzhou"
FAR_REGION = "ap-beijing"
DEST = "examplebucket-1250000000"
SOURCE = "sourcebucket-1250000000"
FAR = "farbucket-1250000000"
MIB = 1024 * 1024

ODD_KEYS = [
    "a b.txt",
    "a+b.txt",
    "中文/文件.bin",
    "emoji-😀.txt",
    "~*!()'.txt",
    "dir/trailing/",
]


def resolve_to(port):
    """Every COS host resolves to 127.0.0.1:port (urllib3 and http.client
    both resolve with socket.getaddrinfo)."""
    real = socket.getaddrinfo

    def getaddrinfo(host, service, *args, **kwargs):
        if isinstance(host, str) and (
            host.endswith(".myqcloud.com") or host.endswith(".tencentcos.cn")
        ):
            return real("127.0.0.1", port, *args, **kwargs)
        return real(host, service, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


def data_of(seed, size):
    """Deterministic bytes."""
    out = bytearray()
    block = hashlib.sha256(str(seed).encode()).digest()
    while len(out) < size:
        out += block
        block = hashlib.sha256(block).digest()
    return bytes(out[:size])


def md5_etag(data):
    return '"%s"' % hashlib.md5(data).hexdigest()


class Session:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, fn):
        try:
            fn()
        except Exception as e:  # every failure is reported, the session goes on
            self.failed += 1
            print("FAIL %s: %s" % (name, e))
            traceback.print_exc(limit=3, file=sys.stdout)
        else:
            self.passed += 1
            print("ok %s" % name)


def expect_error(status, code, fn):
    try:
        fn()
    except CosServiceError as e:
        got = (e.get_status_code(), e.get_error_code())
        if got != (status, code):
            raise AssertionError("expected %s, got %s (%s)" % ((status, code), got, e.get_error_msg()))
        return
    raise AssertionError("expected %s %s, the call succeeded" % (status, code))


def equal(got, want, what):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))


def read_back(client, bucket, key, want, **kwargs):
    r = client.get_object(Bucket=bucket, Key=key, **kwargs)
    body = r["Body"].get_raw_stream().read()
    equal(len(body), len(want), "length of %s" % key)
    equal(body, want, "bytes of %s" % key)
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--secret-id", required=True)
    ap.add_argument("--secret-key", required=True)
    ap.add_argument("--tmp-secret-id", required=True)
    ap.add_argument("--tmp-secret-key", required=True)
    ap.add_argument("--tmp-token", required=True)
    args = ap.parse_args()
    resolve_to(args.port)

    def client_for(region, secret_id, secret_key, token=None):
        return CosS3Client(
            CosConfig(
                Region=region,
                SecretId=secret_id,
                SecretKey=secret_key,
                Token=token,
                Scheme="http",
            ),
            retry=0,
        )

    c = client_for(REGION, args.secret_id, args.secret_key)
    far = client_for(FAR_REGION, args.secret_id, args.secret_key)
    s = Session()

    small = data_of(1, 1000)
    src_big = data_of(2, 2 * MIB + MIB // 2)

    def put_head_get():
        r = c.put_object(Bucket=DEST, Key="small.bin", Body=small, ContentType="text/x-emu")
        equal(r["ETag"], md5_etag(small), "PUT ETag")
        h = c.head_object(Bucket=DEST, Key="small.bin")
        equal(int(h["Content-Length"]), len(small), "HEAD length")
        equal(h["ETag"], md5_etag(small), "HEAD ETag")
        equal(h["Content-Type"], "text/x-emu", "HEAD type")
        read_back(c, DEST, "small.bin", small)

    s.check("put, head and get", put_head_get)

    def ranged_get():
        r = c.get_object(Bucket=DEST, Key="small.bin", Range="bytes=10-99")
        equal(r["Body"].get_raw_stream().read(), small[10:100], "range bytes")
        equal(r["Content-Range"], "bytes 10-99/1000", "Content-Range")
        r = c.get_object(Bucket=DEST, Key="small.bin", Range="bytes=-7")
        equal(r["Body"].get_raw_stream().read(), small[-7:], "suffix range")

    s.check("ranged get", ranged_get)

    def response_params():
        # Sent with `+` for the spaces, signed with %20 (issue 19 item 3).
        r = c.get_object(
            Bucket=DEST,
            Key="small.bin",
            ResponseContentDisposition='attachment; filename="a b.txt"',
            ResponseContentType="application/x-a b",
        )
        equal(r["Content-Disposition"], 'attachment; filename="a b.txt"', "disposition")
        equal(r["Content-Type"], "application/x-a b", "type")

    s.check("get with response-* params (+ for spaces)", response_params)

    def chunked_put():
        body = data_of(3, 200_000)
        # A generator has no length: requests sends it chunked.
        chunks = (body[i : i + 65536] for i in range(0, len(body), 65536))
        c.put_object(Bucket=DEST, Key="chunked.bin", Body=chunks)
        read_back(c, DEST, "chunked.bin", body)

    s.check("chunked put", chunked_put)

    for i, key in enumerate(ODD_KEYS):
        body = data_of(100 + i, 100 + i)

        def odd(key=key, body=body):
            c.put_object(Bucket=SOURCE, Key=key, Body=body)
            h = c.head_object(Bucket=SOURCE, Key=key)
            equal(int(h["Content-Length"]), len(body), "HEAD length")
            read_back(c, SOURCE, key, body)
            c.copy_object(
                Bucket=DEST,
                Key="copied/" + key,
                CopySource={"Bucket": SOURCE, "Key": key, "Region": REGION},
            )
            read_back(c, DEST, "copied/" + key, body)

        s.check("odd key %r: put, head, get, copy_object" % key, odd)

    s.check("put the copy source",
            lambda: c.put_object(Bucket=SOURCE, Key="big source.bin", Body=src_big))
    big_etag = md5_etag(src_big)
    source = {"Bucket": SOURCE, "Key": "big source.bin", "Region": REGION}

    def multipart_copy():
        key = "multipart copy.bin"
        up = c.create_multipart_upload(Bucket=DEST, Key=key)
        uid = up["UploadId"]
        p1 = c.upload_part_copy(
            Bucket=DEST, Key=key, PartNumber=1, UploadId=uid, CopySource=source,
            CopySourceRange="bytes=0-%d" % (MIB - 1), CopySourceIfMatch=big_etag,
        )
        p2 = c.upload_part_copy(
            Bucket=DEST, Key=key, PartNumber=2, UploadId=uid, CopySource=source,
            CopySourceRange="bytes=%d-%d" % (MIB, len(src_big) - 1),
            CopySourceIfUnmodifiedSince="Fri, 01 Jan 2100 00:00:00 GMT",
        )
        # No range: the whole object (the SDK sends the header empty).
        p3 = c.upload_part_copy(
            Bucket=DEST, Key=key, PartNumber=3, UploadId=uid, CopySource=source,
            CopySourceIfNoneMatch='"00000000000000000000000000000000"',
        )
        expect_error(412, "PreconditionFailed", lambda: c.upload_part_copy(
            Bucket=DEST, Key=key, PartNumber=4, UploadId=uid, CopySource=source,
            CopySourceIfMatch='"00000000000000000000000000000000"',
        ))
        parts = c.list_parts(Bucket=DEST, Key=key, UploadId=uid)
        equal([int(p["PartNumber"]) for p in parts["Part"]], [1, 2, 3], "listed parts")
        equal([int(p["Size"]) for p in parts["Part"]], [MIB, len(src_big) - MIB, len(src_big)], "part sizes")
        uploads = c.list_multipart_uploads(Bucket=DEST)
        ids = [u["UploadId"] for u in uploads.get("Upload", [])]
        if uid not in ids:
            raise AssertionError("upload %s not listed in %s" % (uid, ids))
        r = c.complete_multipart_upload(
            Bucket=DEST, Key=key, UploadId=uid,
            MultipartUpload={"Part": [
                {"PartNumber": 1, "ETag": p1["ETag"]},
                {"PartNumber": 2, "ETag": p2["ETag"]},
                {"PartNumber": 3, "ETag": p3["ETag"]},
            ]},
        )
        if not r["ETag"].endswith('-3"'):
            raise AssertionError("multipart ETag %s" % r["ETag"])
        read_back(c, DEST, key, src_big + src_big)

    s.check("create_multipart_upload, upload_part_copy (ranges, conditions), list_parts, "
            "list_multipart_uploads, complete_multipart_upload", multipart_copy)

    def abort():
        key = "aborted.bin"
        uid = c.create_multipart_upload(Bucket=DEST, Key=key)["UploadId"]
        c.upload_part_copy(Bucket=DEST, Key=key, PartNumber=1, UploadId=uid, CopySource=source)
        c.abort_multipart_upload(Bucket=DEST, Key=key, UploadId=uid)
        expect_error(404, "NoSuchUpload", lambda: c.list_parts(Bucket=DEST, Key=key, UploadId=uid))

    s.check("abort_multipart_upload", abort)

    def copy_small():
        c.copy(Bucket=DEST, Key="copy below threshold.bin", CopySource=source)
        read_back(c, DEST, "copy below threshold.bin", src_big)

    s.check("high-level copy below its threshold (copy_object)", copy_small)

    def copy_large():
        far_data = data_of(4, 3 * MIB + 17)
        far.put_object(Bucket=FAR, Key="far/source.bin", Body=far_data)
        c._conf.set_copy_part_threshold_size(MIB)
        try:
            # Another region and above the threshold: a multipart copy.
            r = c.copy(
                Bucket=DEST, Key="copy above threshold.bin",
                CopySource={"Bucket": FAR, "Key": "far/source.bin", "Region": FAR_REGION},
                PartSize=1,
            )
        finally:
            c._conf.set_copy_part_threshold_size(5 * 1024 * MIB)
        if "-" not in r["ETag"]:
            raise AssertionError("not a multipart copy: ETag %s" % r["ETag"])
        read_back(c, DEST, "copy above threshold.bin", far_data)

    s.check("high-level copy above its threshold (upload_part_copy)", copy_large)

    def presigned():
        url = c.get_presigned_url(Bucket=DEST, Key="small.bin", Method="GET", Expired=300)
        with urllib.request.urlopen(url) as r:
            equal(r.read(), small, "presigned GET")
        url = c.get_presigned_download_url(
            Bucket=SOURCE, Key="中文/文件.bin",
            Params={"response-content-disposition": "attachment; filename=\"x y\""},
        )
        with urllib.request.urlopen(url) as r:
            equal(r.read(), data_of(102, 102), "presigned GET of a CJK key")
            equal(r.headers["Content-Disposition"], 'attachment; filename="x y"', "disposition")

    s.check("presigned GET, fetched with plain HTTP", presigned)

    tmp = client_for(REGION, args.tmp_secret_id, args.tmp_secret_key, args.tmp_token)

    def temporary():
        body = data_of(5, 5000)
        tmp.put_object(Bucket=DEST, Key="tmp/object.bin", Body=body)
        read_back(tmp, DEST, "tmp/object.bin", body)
        tmp.copy_object(
            Bucket=DEST, Key="tmp/copied.bin",
            CopySource={"Bucket": DEST, "Key": "tmp/object.bin", "Region": REGION},
        )
        read_back(tmp, DEST, "tmp/copied.bin", body)
        uid = tmp.create_multipart_upload(Bucket=DEST, Key="tmp/mp.bin")["UploadId"]
        p = tmp.upload_part_copy(Bucket=DEST, Key="tmp/mp.bin", PartNumber=1, UploadId=uid,
                                 CopySource=source)
        tmp.complete_multipart_upload(Bucket=DEST, Key="tmp/mp.bin", UploadId=uid,
                                      MultipartUpload={"Part": [{"PartNumber": 1, "ETag": p["ETag"]}]})
        read_back(tmp, DEST, "tmp/mp.bin", src_big)
        # A presigned URL of temporary credentials: the token a signed param.
        url = tmp.get_presigned_url(Bucket=DEST, Key="tmp/object.bin", Method="GET",
                                    Params={"x-cos-security-token": args.tmp_token})
        with urllib.request.urlopen(url) as r:
            equal(r.read(), body, "presigned GET with a token")
        wrong = client_for(REGION, args.tmp_secret_id, args.tmp_secret_key, "not-the-token")
        expect_error(403, "InvalidAccessKeyId",
                     lambda: wrong.get_object(Bucket=DEST, Key="tmp/object.bin"))

    s.check("temporary credentials", temporary)

    def deletes():
        c.delete_object(Bucket=DEST, Key="small.bin")
        expect_error(404, "NoSuchKey", lambda: c.get_object(Bucket=DEST, Key="small.bin"))

    s.check("delete_object", deletes)

    print("python-sdk: %d passed, %d failed" % (s.passed, s.failed))
    return 1 if s.failed else 0


if __name__ == "__main__":
    sys.exit(main())
