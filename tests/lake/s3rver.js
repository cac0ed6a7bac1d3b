#!/usr/bin/env node
// tests/lake/s3rver.js: a local S3 for the lake's tests: npm's s3rver
// behind a small front, in one node process.
//
//   node tests/lake/s3rver.js --port PORT --dir DIR [--bucket NAME]... [--control FILE]
//
// Prints "s3rver ready on http://127.0.0.1:PORT" once it answers (PORT 0:
// a free one, the line says which). Access key and secret: S3_ACCESS_KEY
// and S3_SECRET_KEY (defaults w2e-test-key / w2e-test-secret), region
// S3_REGION (default us-east-1).
//
// Why a front: s3rver 3.7 parses SigV4 headers but never checks the
// signature (its V4 branch accepts any), so the front checks every request
// as S3 does (the canonical request from the path and query as received,
// the signed headers, x-amz-content-sha256 against the body received): a
// wrong secret, a wrong region, a key not encoded as S3 wants or a body
// that is not the one signed are refused with S3's own error codes.
//
// Faults, armed by writing lines into the control file (read at each
// request, counts decremented as they are used):
//   fail_put N [STATUS]   the next N PUTs answer STATUS (default 500)
//                         with an S3 error body, storing nothing
//   cut_put N             the next N PUTs: half the body is read, then the
//                         connection is cut (nothing stored)
//   stall_put N           the next N PUTs: half the body is read, then
//                         nothing more is read and nothing answered (the
//                         client's low-speed limit must give up on it)
//   fail_get N [STATUS]   the same for GETs (listings included)
// FILE.stats holds counters as JSON, rewritten after each request:
// connections (TCP), requests, put, get, delete, failed, cut, stall, refused
// (signature checks).
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const path = require('path');

// s3rver's continuation tokens use DES, which OpenSSL 3 keeps in its
// legacy provider: run again with it when this node does not have it.
try {
  crypto.createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
} catch (err) {
  if (process.execArgv.includes('--openssl-legacy-provider')) throw err;
  const child = require('child_process').spawn(
    process.execPath,
    ['--openssl-legacy-provider', __filename, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  const forward = sig => child.kill(sig);
  process.on('SIGTERM', forward).on('SIGINT', forward);
  child.on('exit', (code, sig) => process.exit(sig ? 1 : code));
  return;
}

const S3rver = require('s3rver');
const AWSAccount = require('s3rver/lib/models/account');

function args() {
  const out = { port: 0, dir: null, buckets: [], control: null };
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '--port') out.port = Number(a[++i]);
    else if (a[i] === '--dir') out.dir = a[++i];
    else if (a[i] === '--bucket') out.buckets.push(a[++i]);
    else if (a[i] === '--control') out.control = a[++i];
    else throw new Error(`s3rver.js: unknown argument ${a[i]}`);
  }
  if (!out.dir) throw new Error('s3rver.js: --dir DIR is required');
  return out;
}

const opts = args();
const ACCESS = process.env.S3_ACCESS_KEY || 'w2e-test-key';
const SECRET = process.env.S3_SECRET_KEY || 'w2e-test-secret';
const REGION = process.env.S3_REGION || 'us-east-1';
const stats = { connections: 0, requests: 0, put: 0, get: 0, delete: 0, failed: 0, cut: 0, stall: 0, refused: 0 };

// ---- faults ----------------------------------------------------------------

// The armed fault for this method ("PUT"/"GET"), consumed: {kind, status} or null.
function takeFault(method) {
  if (!opts.control || !fs.existsSync(opts.control)) return null;
  const lines = fs.readFileSync(opts.control, 'utf8').split('\n');
  let fault = null;
  const kept = lines.map(line => {
    const [kind, n, status] = line.trim().split(/\s+/);
    const left = Number(n);
    if (fault || !(left > 0)) return line;
    if ((kind === 'fail_put' || kind === 'cut_put' || kind === 'stall_put') && method === 'PUT') {
      fault = { kind: kind.replace('_put', ''), status: Number(status) || 500 };
    } else if (kind === 'fail_get' && method === 'GET') {
      fault = { kind: 'fail', status: Number(status) || 500 };
    } else return line;
    return [kind, left - 1, status].filter(x => x !== undefined).join(' ');
  });
  if (fault) fs.writeFileSync(opts.control, kept.join('\n'));
  return fault;
}

function saveStats() {
  if (opts.control) fs.writeFileSync(`${opts.control}.stats`, JSON.stringify(stats) + '\n');
}

// ---- SigV4, as S3 checks it ------------------------------------------------

const rfc3986 = s =>
  encodeURIComponent(s).replace(/[!'()*]/g, c => '%' + c.charCodeAt(0).toString(16).toUpperCase());
const sha256 = data => crypto.createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();

function canonicalUri(rawPath) {
  return rawPath.split('/').map(seg => rfc3986(decodeURIComponent(seg))).join('/');
}

function canonicalQuery(rawQuery) {
  if (!rawQuery) return '';
  return rawQuery
    .split('&')
    .map(p => {
      const eq = p.indexOf('=');
      const k = eq < 0 ? p : p.slice(0, eq);
      const v = eq < 0 ? '' : p.slice(eq + 1);
      return [rfc3986(decodeURIComponent(k)), rfc3986(decodeURIComponent(v))];
    })
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

// null when the request is signed right, else [status, code, message].
function checkSignature(req, body) {
  const auth = req.headers.authorization || '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^,]+), *SignedHeaders=([^,]+), *Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return [403, 'AccessDenied', 'Anonymous or malformed authorization (SigV4 required)'];
  const [keyId, date, region, service, term] = m[1].split('/');
  const signed = m[2].split(';');
  if (keyId !== ACCESS)
    return [403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'];
  if (region !== REGION || service !== 's3' || term !== 'aws4_request')
    return [400, 'AuthorizationHeaderMalformed', `The authorization header is malformed; the region '${region}' is wrong; expecting '${REGION}'`];
  const payload = req.headers['x-amz-content-sha256'];
  if (!payload) return [400, 'InvalidRequest', 'Missing required header for this request: x-amz-content-sha256'];
  if (payload !== 'UNSIGNED-PAYLOAD' && payload !== sha256(body))
    return [400, 'XAmzContentSHA256Mismatch', "The provided 'x-amz-content-sha256' header does not match what was computed."];
  const unsigned = Object.keys(req.headers).filter(h => h.startsWith('x-amz-') && !signed.includes(h));
  if (!signed.includes('host') || unsigned.length)
    return [403, 'AccessDenied', `Headers not signed: ${unsigned.join(', ') || 'host'}`];
  const amzDate = req.headers['x-amz-date'] || '';
  const q = req.url.indexOf('?');
  const canonical = [
    req.method,
    canonicalUri(q < 0 ? req.url : req.url.slice(0, q)),
    canonicalQuery(q < 0 ? '' : req.url.slice(q + 1)),
    signed.map(h => `${h}:${String(req.headers[h] || '').trim().replace(/\s+/g, ' ')}\n`).join(''),
    signed.join(';'),
    payload,
  ].join('\n');
  const scope = `${date}/${region}/${service}/${term}`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac('AWS4' + SECRET, date), region), service), term);
  const expected = crypto.createHmac('sha256', key).update(toSign).digest('hex');
  if (expected !== m[3])
    return [403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.'];
  return null;
}

// ---- the front -------------------------------------------------------------

function s3Error(res, status, code, message) {
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')}</Message><RequestId>w2e-test</RequestId></Error>`;
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(xml) });
  res.end(xml);
}

function forward(req, res, body, backendPort) {
  const up = http.request(
    { host: '127.0.0.1', port: backendPort, method: req.method, path: req.url, headers: req.headers },
    answer => {
      // hop-by-hop: node 18's client asks the backend to close, which must
      // not close the client's kept-alive connection to the front
      const { connection, 'keep-alive': keepAlive, ...headers } = answer.headers;
      res.writeHead(answer.statusCode, headers);
      answer.pipe(res);
    },
  );
  up.on('error', err => s3Error(res, 500, 'InternalError', String(err)));
  up.end(body);
}

function front(backendPort) {
  return (req, res) => {
    stats.requests++;
    const method = req.method;
    if (method === 'PUT') stats.put++;
    else if (method === 'GET') stats.get++;
    else if (method === 'DELETE') stats.delete++;
    const fault = method === 'PUT' || method === 'GET' ? takeFault(method) : null;
    const expected = Number(req.headers['content-length'] || 0);
    const chunks = [];
    let received = 0;
    req.on('data', chunk => {
      chunks.push(chunk);
      received += chunk.length;
      if (fault && (fault.kind === 'cut' || fault.kind === 'stall') && !fault.done && received >= expected / 2) {
        fault.done = true;
        stats[fault.kind]++;
        saveStats();
        if (fault.kind === 'cut') req.socket.destroy();
        else req.pause();
      }
    });
    req.on('end', () => {
      if (fault && (fault.kind === 'cut' || fault.kind === 'stall')) return;
      const body = Buffer.concat(chunks);
      const refused = checkSignature(req, body);
      if (refused) {
        stats.refused++;
        saveStats();
        return s3Error(res, ...refused);
      }
      if (fault) {
        stats.failed++;
        saveStats();
        const code = { 403: 'AccessDenied', 429: 'SlowDown', 503: 'SlowDown' }[fault.status] || 'InternalError';
        return s3Error(res, fault.status, code, `injected fault (${fault.status})`);
      }
      saveStats();
      forward(req, res, body, backendPort);
    });
  };
}

async function main() {
  fs.mkdirSync(opts.dir, { recursive: true });
  AWSAccount.DUMMY_ACCOUNT.createKeyPair(ACCESS, SECRET);
  const backend = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: path.resolve(opts.dir),
    vhostBuckets: false,
    allowMismatchedSignatures: false,
    configureBuckets: opts.buckets.map(name => ({ name })),
  });
  const { port: backendPort } = await backend.run();
  const server = http.createServer(front(backendPort));
  server.on('connection', () => stats.connections++);
  server.keepAliveTimeout = 30000;
  server.listen(opts.port, '127.0.0.1', () => {
    saveStats();
    console.log(`s3rver ready on http://127.0.0.1:${server.address().port}`);
  });
  const stop = () => {
    if (server.closeAllConnections) server.closeAllConnections();
    server.close(() => backend.close().then(() => process.exit(0)));
  };
  process.on('SIGTERM', stop).on('SIGINT', stop);
}

main().catch(err => {
  console.error(`s3rver.js: ${err.message}`);
  process.exit(1);
});
