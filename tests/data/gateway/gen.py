"""Presigned URLs and a 70-metadata request made by cos-python-sdk-v5, for
tests/gateway.rs: prints one JSON object a line. The clock is frozen
(time.time) so that the output is the same on every run. See make.sh."""
import json
import time

time.time = lambda: 1700000000.0

from qcloud_cos import CosConfig, CosS3Client  # noqa: E402
from importlib.metadata import version  # noqa: E402

BUCKET = "examplebucket-1250000000"
HOST = BUCKET + ".cos.ap-guangzhou.myqcloud.com"
ID = "AKIDpythonSdkTest"
KEY = "pythonSdkSecretKey0123456789"
SDK = "cos-python-sdk-v5 " + version("cos-python-sdk-v5")
client = CosS3Client(CosConfig(Region="ap-guangzhou", SecretId=ID, SecretKey=KEY))


def out(**o):
    print(json.dumps(dict(sdk=SDK, secret_id=ID, secret_key=KEY, **o), ensure_ascii=False))


def presigned(name, method, key, headers, **kw):
    url = client.get_presigned_url(Bucket=BUCKET, Key=key, Method=method, **kw)
    out(name=name, kind="presigned", method=method, url=url, headers=[["Host", HOST]] + headers)


presigned("python_presigned_get_params", "GET", "dir/a b+c(1).txt", [], Expired=600,
          Params={"response-cache-control": "no-cache", "versionId": "MTg0NDUxNTc1NjIzMTQ1MDAwODg"})
presigned("python_presigned_put_content_type", "PUT", "upload.bin", [["Content-Type", "text/plain"]],
          Headers={"Content-Type": "text/plain"})
presigned("python_presigned_get_default", "GET", "腾讯云/对象.txt", [])

meta = [("x-cos-meta-field-%02d" % i, "value %d (%s)" % (i, "v" * (i % 7))) for i in range(70)]
headers = [("Host", HOST), ("Content-Length", "13"), ("Content-Type", "application/octet-stream")] + meta
auth = client.get_auth(Method="PUT", Bucket=BUCKET, Key="meta/object.bin", Headers=dict(headers), Expired=900)
out(name="python_put_70_meta", kind="authorization", method="PUT", path="/meta/object.bin", params=[],
    headers=[list(h) for h in headers], authorization=auth)
