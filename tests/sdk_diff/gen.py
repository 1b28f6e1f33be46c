#!/usr/bin/env python3
"""Differential check of the signer against the official Python SDK.

Generates random requests with a fixed seed, signs each with the signer of
cos-python-sdk-v5 (qcloud_cos.cos_auth.CosS3Auth, the code every request of
that SDK goes through) and, with --cos-tool, with this crate's
`cos-tool sign --jsonl`, and compares HttpString, StringToSign, signature and
Authorization. Run it through tests/sdk_diff/run.sh, which makes the
virtualenv.

How the SDK is driven (read from qcloud_cos/cos_auth.py, 1.9.44):
- CosS3Auth(conf, key, params, expire, sign_host=False) signs a request
  object with .method, .url and .headers; with sign_host=False it adds no
  Host of its own, so the headers given are the headers signed.
- It reads the clock: time.time() is replaced by the request's start + 60
  (the SDK back-dates by 60 s) and expire is end - start - 60, which gives
  exactly q-sign-time = start;end.
- Its header whitelist (filter_headers) is replaced by the identity for
  "exact" requests, so that arbitrary header names are signed and compared
  with Selection::Exact; "sdk" requests keep the SDK's own filter (the
  offline test compares them with Selection::Sdk, cos-tool gets the headers
  the SDK kept).
- HttpString and StringToSign are taken from the SDK's own debug log.

Inputs the SDK and this crate treat differently by design are not
generated (the crate refuses them; see "Choices" in docs/usage.md): two names
equal after ASCII lowercasing (the SDK's dict keeps the last), header names
that are not HTTP tokens, header values with CR, LF or NUL, empty names,
more than 64 params or headers, a SecretId with '&' or outside printable
ASCII, a SecretKey with surrounding whitespace, a path not starting with
'/' (the SDK adds one, the crate signs the path verbatim).

Usage:
  gen.py --count 2000 --seed 6 --write tests/data/sdk-diff-vectors.jsonl
  gen.py --count 2000 --seed 6 --compare tests/data/sdk-diff-vectors.jsonl --cos-tool
"""

import argparse
import json
import logging
import random
import subprocess
import sys
import time

import qcloud_cos
from qcloud_cos import CosConfig, cos_auth

SDK_VERSION = "1.9.44"

TCHAR = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
RESERVED = " !\"#$%&'()*+,/:;<=>?@[\\]^`{|}~-_."
UNICODE = "腾讯云对象存储源文件éüßñçØåπΩжЖ한국어日本語😀🚀\u00a0\u2028\u200b\ufeff\U0001F600"
SDK_WHITELIST = [
    "cache-control", "content-disposition", "content-encoding", "content-type",
    "content-md5", "content-length", "expect", "expires", "host", "if-match",
    "if-modified-since", "if-none-match", "if-unmodified-since", "origin", "range",
    "transfer-encoding", "pic-operations",
]
REAL_HEADERS = [
    "Host", "Content-Length", "Content-Type", "Content-MD5", "x-cos-copy-source",
    "x-cos-copy-source-range", "x-cos-copy-source-If-Match",
    "x-cos-copy-source-If-Modified-Since", "x-cos-security-token", "x-cos-meta-author",
    "x-cos-storage-class", "x-cos-acl", "x-cos-grant-read", "x-ci-process", "Date",
    "User-Agent", "Accept", "Range", "If-None-Match", "Cache-Control", "Origin",
    "Expires", "Pic-Operations", "Transfer-Encoding", "Authorization", "Connection",
]
REAL_PARAMS = ["partNumber", "uploadId", "uploads", "versionId", "prefix", "max-keys",
               "response-content-type", "x-cos-traffic-limit", "acl", "tagging"]
METHODS = ["GET", "PUT", "POST", "DELETE", "HEAD", "OPTIONS", "PATCH", "get", "Put", "pOsT"]


def random_text(rng, max_len, alphabet_weights=(5, 3, 2, 1)):
    """Text mixing ASCII letters, reserved characters, Unicode and any
    scalar value (no surrogates)."""
    n = rng.randint(0, max_len)
    out = []
    for _ in range(n):
        kind = rng.choices(range(4), weights=alphabet_weights)[0]
        if kind == 0:
            out.append(rng.choice("abcxyzABCXYZ0189"))
        elif kind == 1:
            out.append(rng.choice(RESERVED))
        elif kind == 2:
            out.append(rng.choice(UNICODE))
        else:
            while True:
                c = rng.randint(1, 0x10FFFF)
                if not 0xD800 <= c <= 0xDFFF:
                    out.append(chr(c))
                    break
    return "".join(out)


def unique_by_lower(rng, make, count):
    names, seen = [], set()
    tries = 0
    while len(names) < count and tries < count * 20:
        tries += 1
        name = make()
        key = name.encode("utf-8").lower()  # ASCII lowercasing of the bytes
        if not name or key in seen:
            continue
        seen.add(key)
        names.append(name)
    return names


def pair_count(rng):
    r = rng.random()
    if r < 0.05:
        return 0
    if r < 0.85:
        return rng.randint(1, 6)
    if r < 0.98:
        return rng.randint(7, 30)
    return rng.randint(31, 64)


def header_value(rng):
    r = rng.random()
    if r < 0.1:
        return ""
    if r < 0.2:
        return " padded\tvalue "
    # Now and then a kilobyte, as user metadata can be.
    long_value = rng.random() < 0.02
    text = random_text(rng, 1024 if long_value else 30)
    return "".join(c for c in text if c not in "\r\n\x00")


def param_name(rng):
    r = rng.random()
    if r < 0.3:
        return rng.choice(REAL_PARAMS) + ("" if rng.random() < 0.7 else random_text(rng, 3))
    return random_text(rng, 16)


def header_name(rng):
    r = rng.random()
    if r < 0.4:
        return rng.choice(REAL_HEADERS)
    if r < 0.6:
        return "x-cos-meta-" + "".join(rng.choice(TCHAR) for _ in range(rng.randint(1, 20)))
    return "".join(rng.choice(TCHAR) for _ in range(rng.randint(1, 40)))


def secret_key(rng):
    r = rng.random()
    if r < 0.5:
        k = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
                    for _ in range(32))
    elif r < 0.8:
        k = random_text(rng, 100)
    else:
        # Longer than an HMAC block: hashed first.
        k = "".join(rng.choice("0123456789abcdef") for _ in range(rng.randint(65, 300)))
    k = k.strip()
    return k or "k"


def secret_id(rng):
    chars = [chr(c) for c in range(0x21, 0x7F) if chr(c) != "&"]
    if rng.random() < 0.6:
        return "AKID" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
                                for _ in range(32))
    return "".join(rng.choice(chars) for _ in range(rng.randint(1, 64)))


def path(rng):
    r = rng.random()
    if r < 0.05:
        return "/"
    if r < 0.15:
        # A long key, up to the 850 bytes COS allows.
        text = random_text(rng, 850)
        while len(text.encode("utf-8")) > 850:
            text = text[:-1]
        return "/" + text
    return "/" + random_text(rng, 80)


def generate(rng, index):
    n_params = pair_count(rng)
    n_headers = pair_count(rng)
    params = [[n, random_text(rng, 30) if rng.random() < 0.8 else ""]
              for n in unique_by_lower(rng, lambda: param_name(rng), n_params)]
    headers = [[n, header_value(rng)]
               for n in unique_by_lower(rng, lambda: header_name(rng), n_headers)]
    start = rng.choice([rng.randint(0, 2**32), rng.randint(1_500_000_000, 1_800_000_000),
                        rng.randint(0, 10**12)])
    end = start + rng.choice([0, 1, 60, 3600, 86400, rng.randint(0, 10**9)])
    return {
        "name": "sdk-diff-%04d" % index,
        "selection": "sdk" if rng.random() < 0.2 else "exact",
        "method": rng.choice(METHODS),
        "path": path(rng),
        "params": params,
        "headers": headers,
        "secret_id": secret_id(rng),
        "secret_key": secret_key(rng),
        "key_time": "%d;%d" % (start, end),
    }


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record.getMessage())


class FakeRequest:
    def __init__(self, method, headers):
        self.method = method
        self.url = "https://examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com/"
        self.headers = headers


IDENTITY = lambda data: dict(data)  # noqa: E731
SDK_FILTER = cos_auth.filter_headers


def sdk_sign(req, capture):
    """Signs with the SDK; returns its four stages and the headers it
    signed."""
    start, end = (int(t) for t in req["key_time"].split(";"))
    cos_auth.filter_headers = IDENTITY if req["selection"] == "exact" else SDK_FILTER
    signed_headers = cos_auth.filter_headers(dict(req["headers"]))
    conf = CosConfig(Region="ap-guangzhou", SecretId=req["secret_id"],
                     SecretKey=req["secret_key"])
    auth = cos_auth.CosS3Auth(conf, key=req["path"], params=dict(req["params"]),
                              expire=end - start - 60, sign_host=False)
    real_time = time.time
    cos_auth.time.time = lambda: start + 60
    capture.records.clear()
    try:
        r = auth(FakeRequest(req["method"], dict(req["headers"])))
    finally:
        cos_auth.time.time = real_time
    logs = capture.records
    http_string = next(m for m in logs if m.startswith("format str: "))[len("format str: "):]
    string_to_sign = next(m for m in logs if m.startswith("str_to_sign: "))[len("str_to_sign: "):]
    authorization = r.headers["Authorization"]
    signature = authorization.rsplit("q-signature=", 1)[1]
    return {
        "http_string": http_string,
        "string_to_sign": string_to_sign,
        "signature": signature,
        "authorization": authorization,
    }, [[k, v] for k, v in req["headers"] if k in signed_headers]


def cos_tool(requests):
    """Signs every request with `cos-tool sign --jsonl`."""
    lines = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in requests)
    # The debug build: `cargo test` has built it already (2000 signatures
    # take well under a second even unoptimised).
    out = subprocess.run(
        ["cargo", "run", "--quiet", "--locked", "--example", "cos-tool", "--", "sign", "--jsonl"],
        input=lines.encode("utf-8"), stdout=subprocess.PIPE, check=True,
    ).stdout.decode("utf-8")
    # Split on "\n" only: str.splitlines() also splits at U+2028 and U+0085.
    return [json.loads(line) for line in out.split("\n") if line]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--write", help="write the vectors (inputs and the SDK's outputs) here")
    ap.add_argument("--compare", help="fail unless this vector file equals the regenerated one")
    ap.add_argument("--cos-tool", action="store_true", help="compare with cos-tool sign --jsonl")
    args = ap.parse_args()

    installed = getattr(qcloud_cos, "__version__", None)
    if installed is None:
        from importlib.metadata import version
        installed = version("cos-python-sdk-v5")
    if installed != SDK_VERSION:
        print("sdk-diff: expected cos-python-sdk-v5 %s, found %s" % (SDK_VERSION, installed))
        return 1

    capture = Capture()
    log = logging.getLogger(cos_auth.__name__)
    log.addHandler(capture)
    log.setLevel(logging.DEBUG)
    log.propagate = False

    rng = random.Random(args.seed)
    vectors, tool_inputs, stages = [], [], []
    for i in range(args.count):
        req = generate(rng, i)
        out, signed = sdk_sign(req, capture)
        stages.append(out)
        vectors.append(dict(req, sdk={k: out[k] for k in ("string_to_sign", "signature",
                                                          "authorization")}))
        tool_inputs.append({k: req[k] for k in ("method", "path", "params", "secret_id",
                                                "secret_key", "key_time")} | {"headers": signed})
    text = "".join(json.dumps(v, ensure_ascii=False, sort_keys=True) + "\n" for v in vectors)
    print("sdk-diff: %d requests signed by cos-python-sdk-v5 %s (seed %d)"
          % (len(vectors), installed, args.seed))

    status = 0
    if args.write:
        with open(args.write, "w", encoding="utf-8") as f:
            f.write(text)
        print("sdk-diff: wrote %s (%d bytes)" % (args.write, len(text.encode("utf-8"))))
    if args.compare:
        with open(args.compare, encoding="utf-8") as f:
            committed = f.read()
        if committed == text:
            print("sdk-diff: %s is what the SDK gives today" % args.compare)
        else:
            print("sdk-diff: %s differs from the regenerated vectors" % args.compare)
            status = 1
    if args.cos_tool:
        ours = cos_tool(tool_inputs)
        assert len(ours) == len(stages)
        differ = []
        for req, sdk, got in zip(vectors, stages, ours):
            fields = [k for k in sdk if got.get(k) != sdk[k]]
            if fields:
                differ.append((req["name"], fields, got.get("error")))
        agree = len(stages) - len(differ)
        print("sdk-diff: cos-tool agrees with the SDK on %d of %d requests (%.2f %%), "
              "at every stage (HttpString, StringToSign, signature, Authorization)"
              % (agree, len(stages), 100.0 * agree / len(stages)))
        for name, fields, error in differ[:10]:
            print("sdk-diff:   %s differs in %s%s" % (name, ", ".join(fields),
                                                      " (%s)" % error if error else ""))
        if differ:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
