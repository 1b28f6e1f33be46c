// Requests and presigned URLs made by cos-nodejs-sdk-v5, for
// tests/gateway.rs: prints one JSON object a line. The clock is frozen
// (Date.now) so that the output is the same on every run. See make.sh.
const COS = require('cos-nodejs-sdk-v5');

const NOW = 1700000000;
Date.now = () => NOW * 1000;
const BUCKET = 'examplebucket-1250000000';
const REGION = 'ap-guangzhou';
const HOST = `${BUCKET}.cos.${REGION}.myqcloud.com`;
const ID = 'AKIDnodeSdkTest';
const KEY = 'nodeSdkSecretKey0123456789';
const TOKEN = 'node+token/with=chars';
const sdk = 'cos-nodejs-sdk-v5 ' + require('cos-nodejs-sdk-v5/package.json').version;

function out(o) {
  console.log(JSON.stringify(Object.assign({ sdk, secret_id: ID, secret_key: KEY }, o)));
}

// Presigned URLs, as a browser would fetch them (Host only).
function presigned(name, creds, opts, send_headers) {
  const cos = new COS(creds);
  const url = cos.getObjectUrl(Object.assign({ Bucket: BUCKET, Region: REGION, Sign: true }, opts));
  out({ name, kind: 'presigned', method: opts.Method || 'GET', url, headers: send_headers });
}
presigned('node_presigned_get_token_params', { SecretId: ID, SecretKey: KEY, SecurityToken: TOKEN },
  { Key: 'dir/a b+c(1).txt', Expires: 600, Query: { 'response-content-type': 'text/plain', versionId: 'MTg0NDUxNTc1NjIzMTQ1MDAwODg' } },
  [['Host', HOST]]);
presigned('node_presigned_get_default', { SecretId: ID, SecretKey: KEY },
  { Key: '腾讯云/对象.txt' }, [['Host', HOST]]);
presigned('node_presigned_put_signed_meta', { SecretId: ID, SecretKey: KEY },
  { Method: 'PUT', Key: 'upload.bin', Expires: 3600, Headers: { 'x-cos-meta-owner': 'gateway' } },
  [['Host', HOST], ['x-cos-meta-owner', 'gateway']]);

// An upload with 70 user metadata headers, signed by the SDK's own
// selection (x-cos-*, host, content-length...; not content-type).
const meta = {};
for (let i = 0; i < 70; i++) meta[`x-cos-meta-field-${String(i).padStart(2, '0')}`] = `value ${i} (${'v'.repeat(i % 7)})`;
function authorization(name, headers) {
  const auth = COS.getAuthorization({
    SecretId: ID, SecretKey: KEY, Method: 'PUT', Key: 'meta/object.bin', Query: {}, Headers: Object.fromEntries(headers),
    KeyTime: `${NOW - 1};${NOW + 899}`,
  });
  out({ name, kind: 'authorization', method: 'PUT', path: '/meta/object.bin', params: [], headers, authorization: auth });
}
const sent = [['Host', HOST], ['Content-Length', '13'], ...Object.entries(meta)];
authorization('node_put_70_meta', sent);
authorization('node_put_70_meta_content_type', [...sent, ['Content-Type', 'application/octet-stream']]);
