#!/usr/bin/env python3
"""Writes the seed corpus fuzz/seeds/<target>/ from real inputs.

The fuzz targets decode their bytes with src/checks/input.rs; this file
encodes real values (the signature vectors, the response documents of
tests/data, the SDK wire values) the same way, so that fuzzing starts from
them. Run from anywhere: python3 fuzz/make_seeds.py
"""

import json
import os
import struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = os.path.join(ROOT, "fuzz", "seeds")


class Enc:
    """Mirrors Input: every method writes what the reader will read."""

    def __init__(self):
        self.b = bytearray()

    def byte(self, v):
        self.b.append(v & 0xFF)
        return self

    def bool(self, v):
        return self.byte(1 if v else 0)

    def u16(self, v):
        self.b += struct.pack("<H", v)
        return self

    def u64(self, v):
        self.b += struct.pack("<Q", v)
        return self

    def number(self, v):
        # Mode 4: a raw u64.
        return self.byte(4).u64(v)

    def text(self, s, max_len):
        raw = s.encode("utf-8")
        assert len(raw) <= max_len, (s, max_len)
        self.byte(0)  # style 0: raw bytes read as UTF-8
        if max_len < 256:
            self.byte(len(raw))
        else:
            self.u16(len(raw))
        self.b += raw
        return self

    def word_or_text(self, s, max_len):
        return self.byte(3).text(s, max_len)

    def word(self, index):
        return self.byte(index * 4)

    def raw(self, data):
        self.b += data
        return self


def write(target, name, data):
    d = os.path.join(SEEDS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(bytes(data))


def vectors():
    with open(os.path.join(ROOT, "tests", "data", "signature-vectors.json")) as f:
        return json.load(f)


def pairs(e, items):
    e.byte(len(items))
    for n, v in items:
        e.word_or_text(n, 64).word_or_text(v, 600)


def sign_seeds():
    for v in vectors():
        e = Enc()
        e.word_or_text(v["method"], 12).text(v["path"], 900)
        pairs(e, list(v["params"].items()))
        pairs(e, list(v["signed_headers"].items()))
        e.word_or_text(v["secret_id"], 40).word_or_text(v["secret_key"], 300)
        e.bool(False).number(v["start"]).number(v["end"])
        write("sign", v["name"], e.b)
    # Temporary credentials.
    e = Enc()
    e.word(0).text("/dest/a b.bin", 900)
    pairs(e, [("uploads", "")])
    pairs(e, [("Host", "h"), ("x-cos-security-token", "tok+en/=")])
    e.word(0).word(0).bool(True).text("tok+en/=", 200).number(1).number(2)
    write("sign", "token", e.b)


def auth_seeds():
    for v in vectors():
        if v.get("divergent"):
            continue
        e = Enc()
        e.bool(True).text(v["expected_authorization"], 2000)
        # The presigned form of the same fields.
        kt = "%d%%3B%d" % (v["start"], v["end"])
        a = dict(p.split("=", 1) for p in v["expected_authorization"].split("&"))
        enc = lambda s: s.replace("%", "%25").replace(";", "%3B")
        q = (
            "q-sign-algorithm=sha1&q-ak=%s&q-sign-time=%s&q-key-time=%s&q-header-list=%s"
            "&q-url-param-list=%s&q-signature=%s&x-cos-security-token=tok%%2Ben"
            % (a["q-ak"], kt, kt, enc(a["q-header-list"]), enc(a["q-url-param-list"]),
               a["q-signature"])
        )
        e.bool(True).text(q, 2000).byte(255)
        write("auth", v["name"], e.b)


COPY_SOURCES = [
    "sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com/%E6%BA%90%E6%96%87%E4%BB%B6/"
    "report%20%2B%20final~%2A.txt?versionId=MTg0NDUxNTc1NjIzMTQ1MDAwODg",
    "sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com/%E6%BA%90%E6%96%87%E4%BB%B6/"
    "report%20%2B%20final~*.txt?versionId=MTg0NDUxNTc1NjIzMTQ1MDAwODg",
    "sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com/source/big-file.bin",
    "examplebucket-1250000000.cos-internal.ap-beijing.tencentcos.cn/a/../b",
    "a-1.cos-cdc.r.myqcloud.com/%41?versionId=a+b/c=",
]


def copy_source_seeds():
    for i, v in enumerate(COPY_SOURCES):
        write("copy_source", "parse-%d" % i, Enc().bool(False).byte(1).text(v, 400).b)
    e = Enc().bool(True).word(0).word(0).word_or_text("源文件/report + final~*.txt", 900)
    e.byte(0).byte(0).bool(True).word(0)
    write("copy_source", "build-python", e.b)


def range_seeds():
    for i, v in enumerate(["bytes=0-1048575", "bytes=10-100", "bytes=0-9",
                           "bytes=18446744073709551613-18446744073709551614", "bytes=5-"]):
        e = Enc().byte(1).word_or_text(v, 60)
        e.number(5 << 20).number(5 << 20).number(1)
        e.byte(0).number(64 << 20).number(8 << 20)
        write("range", "value-%d" % i, e.b)


DATES = [
    "Sun, 06 Nov 1994 08:49:37 GMT",
    "Sunday, 06-Nov-94 08:49:37 GMT",
    "Sun Nov  6 08:49:37 1994",
    "Thu, 16 May 2019 06:45:51 GMT",
    "2017-09-04T04:45:45",
    "2017-09-04T04:45:45.000Z",
    "2017-09-04T12:45:45+08:00",
    "Fri, 31 Dec 9999 23:59:59 GMT",
]


def date_seeds():
    for i, d in enumerate(DATES):
        e = Enc().byte(1).word_or_text(d, 30).number(1_735_689_600)
        e.byte(0).number(784_111_777).byte(3).raw(b"\x01\x02\x03\x05\x07\x01")
        write("date", "date-%d" % i, e.b)


def condition_seeds():
    cases = [
        ("\"ba82b57cfdfda8bd17ad4e5879ebb4fe\"",
         [("x-cos-copy-source-If-Match", "\"ba82b57cfdfda8bd17ad4e5879ebb4fe\""),
          ("x-cos-copy-source-If-Unmodified-Since", "Sun, 06 Nov 1994 08:49:37 GMT")]),
        ("W/\"v1\"",
         [("x-cos-copy-source-If-None-Match", "W/\"v1\""),
          ("x-cos-copy-source-If-Modified-Since", "Sunday, 06-Nov-94 08:49:37 GMT")]),
    ]
    for i, (etag, headers) in enumerate(cases):
        e = Enc().word_or_text(etag, 40).byte(len(headers))
        for n, v in headers:
            e.word_or_text(n, 40).word_or_text(v, 40)
        e.word_or_text(etag, 40).number(784_111_778).number(784_111_777).byte(6)
        write("condition", "condition-%d" % i, e.b)


def xml_seeds():
    d = os.path.join(ROOT, "tests", "data", "responses")
    for name in sorted(os.listdir(d)):
        if not name.endswith(".xml"):
            continue
        with open(os.path.join(d, name), "rb") as f:
            doc = f.read()
        stem = name[:-4]
        write("xml", stem, Enc().byte(0).byte(0).raw(doc).b)
        # The same, cut in three places.
        n = len(doc)
        e = Enc().byte(3).u16(n // 3).u16(n // 2).u16(max(n - 1, 0)).byte(1).raw(doc)
        write("xml", stem + "-cut", e.b)
    # explain: the server's texts unchanged, and with one edit each.
    write("xml", "explain-same", Enc().byte(255).bool(True).byte(0).bool(True).byte(0).b)
    write("xml", "explain-edit",
          Enc().byte(255).bool(True).byte(1).byte(9).byte(1).byte(ord("X")).bool(True).byte(0).b)


def request_seeds():
    # All first words: bucket host, key dest/big-file.bin, no token; then
    # each action. The tail bytes pick the action's own inputs.
    for action in range(4):
        e = Enc().word(0).word(0).word(0).byte(0).word(0).bool(False)
        e.number(1_700_000_000).u16(3600).u16(1200).byte(action)
        if action == 1:
            e.word(0).word(0).word(0).u16(1).number(0).number(1_048_575)
            e.word(0).number(784_111_777).byte(5).bool(True).word(0).word(0)
        elif action == 3:
            e.word(0).byte(3)
            for _ in range(3):
                e.byte(2).byte(0).word(0)
            e.bool(True).word(0)
        else:
            e.bool(True).word(0)
        write("request", "action-%d" % action, e.b)
    # Temporary credentials, a custom host and a key with dot segments.
    e = Enc().word(0).word(0).word(0).byte(2).word(6).bool(True).word(0)
    e.number(1).u16(60).u16(0).byte(2).word(0)
    write("request", "custom-host-token-dots", e.b)


def chunked(body, size):
    out = b""
    for i in range(0, len(body), size):
        piece = body[i:i + size]
        out += b"%x\r\n" % len(piece) + piece + b"\r\n"
    return out + b"0\r\n\r\n"


def http1_seeds():
    def response(name):
        with open(os.path.join(ROOT, "tests", "data", "responses", name), "rb") as f:
            return f.read()

    keepalive = response("copy-part-result-keepalive.xml")
    spaces = len(keepalive) - len(keepalive.lstrip(b" "))
    error = response("error-access-denied-refs.xml")
    cos = b"Connection: keep-alive\r\nDate: Wed, 14 Aug 2024 08:00:00 GMT\r\n" \
        b"Server: tencent-cos\r\nx-cos-request-id: NjZiYzY0YjBf\r\n"
    answers = {
        "copy-part-chunked-keepalive": b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n"
        + b"Transfer-Encoding: chunked\r\n" + cos + b"\r\n"
        + b"1\r\n \r\n" * spaces + chunked(keepalive[spaces:], 64),
        "copy-part-length": b"HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\n"
        + b"Content-Length: %d\r\n" % len(response("copy-part-result.xml")) + cos + b"\r\n"
        + response("copy-part-result.xml"),
        "error-403": b"HTTP/1.1 403 Forbidden\r\nContent-Type: application/xml\r\n"
        + b"Content-Length: %d\r\n" % len(error) + cos + b"\r\n" + error,
        "continue-then-200": b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
        + b"Transfer-Encoding: chunked\r\n" + cos + b"\r\n" + chunked(response("complete-keepalive.xml"), 100),
        "chunk-extensions-trailer": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        + b"5\r\nhello\r\n1;ext=\"v\"\r\n \r\n0000B\r\n<Done>\n</x>\r\n0\r\nTrailer: x\r\n\r\nNEXT",
        "http10-until-close": b"HTTP/1.0 200 OK\r\nServer: x\r\n\r\nall of it",
        "bare-lf": b"HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n",
        "both-lengths": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
        "conflicting-lengths": b"HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello",
    }
    for name, wire in answers.items():
        # Arbitrary bytes (mode 0), roomy buffers, cut in three places.
        n = len(wire)
        e = Enc().byte(0).byte(0).byte(3).u16(n // 3).u16(n // 2).u16(n - 1).raw(wire)
        write("http1", name, e.b)
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 67108864\r\nETag: \"518bdc5cad38183dcdcc4266a7552420-8\"\r\n" \
        + cos + b"\r\n"
    write("http1", "head-answer", Enc().byte(0).byte(1).byte(0).raw(head).b)
    write("http1", "until-close-eof", Enc().byte(0).byte(2).byte(0).raw(answers["http10-until-close"]).b)
    # A 100-byte buffer and storage for 3 headers.
    write("http1", "small-buffer", Enc().byte(0).byte(4).u16(100).byte(0).raw(answers["copy-part-length"]).b)
    write("http1", "few-headers", Enc().byte(0).byte(8).byte(3).byte(0).raw(answers["error-403"]).b)
    # Generated answers (mode 1) from a few fixed byte strings.
    for i, tail in enumerate([b"", bytes(range(64)), bytes(range(255, 0, -3)) * 3, b"\x01\x05" * 40]):
        write("http1", "generated-%d" % i, Enc().byte(1).raw(tail).b)


def main():
    sign_seeds()
    auth_seeds()
    copy_source_seeds()
    range_seeds()
    date_seeds()
    condition_seeds()
    xml_seeds()
    request_seeds()
    http1_seeds()
    total = sum(len(f) for _, _, f in os.walk(SEEDS))
    print("wrote %d seed files under %s" % (total, os.path.relpath(SEEDS, ROOT)))


if __name__ == "__main__":
    main()
