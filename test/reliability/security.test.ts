/**
 * Security protections (issue 8): bearer auth, CORS, rate limiting, size limits, prototype
 * pollution, no internals in errors. Each case is written so it fails if its protection is removed.
 */
import t from 'tap';
import net from 'node:net';
import { pack } from 'msgpackr';
import { testApp } from '../http/helpers.ts';
import { bearerMatches, MAX_BODY_DEPTH, MAX_PARAM_LENGTH, MAX_QUERY_BYTES } from '../../src/http/plugins/security.ts';
import { createHash } from 'node:crypto';

const TOKEN = 'correct-horse-battery-staple';
const bearer = (tok: string) => ({ authorization: `Bearer ${tok}` });
const isProblem = (res: { headers: Record<string, unknown> }) => String(res.headers['content-type']).startsWith('application/problem+json');

t.test('bearer token: every /v1 route needs it; probes open; /metrics per WEIGHTINIT_AUTH_PROBES', async (t) => {
  const { app } = await testApp({ apiToken: TOKEN, workers: 1 });
  t.teardown(() => app.close());
  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });

  const none = await get('/v1/schemes');
  t.equal(none.statusCode, 401, 'no Authorization: 401');
  t.ok(isProblem(none), 'as problem+json');
  t.match(String(none.headers['www-authenticate']), /^Bearer realm=/, 'WWW-Authenticate: Bearer');
  t.equal((await get('/v1/schemes', bearer('wrong-token-same-length-as-it-is!'.slice(0, TOKEN.length)))).statusCode, 401, 'wrong token of the same length');
  const long = await get('/v1/schemes', bearer(TOKEN + 'x'.repeat(1000)));
  t.equal(long.statusCode, 401, 'a token of another length is a 401, not a 500 (lengths never reach timingSafeEqual)');
  t.equal((await get('/v1/schemes', bearer(TOKEN.slice(0, -1)))).statusCode, 401, 'a prefix of the token');
  t.equal((await get('/v1/schemes', { authorization: TOKEN })).statusCode, 401, 'token without the Bearer scheme');
  t.equal((await get('/v1/schemes', { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` })).statusCode, 401, 'Basic auth');
  t.equal((await get('/v1/schemes', bearer(TOKEN))).statusCode, 200, 'right token: 200');
  t.equal((await get('/v1/schemes', { authorization: `bearer ${TOKEN}` })).statusCode, 200, 'scheme name is case-insensitive');

  for (const url of ['/v1/tensors?scheme=normal&shape=4', '/v1/tensors/digest?scheme=normal&shape=4', '/v1/schemes/normal', '/v1/pretrained', '/v1/does-not-exist', '/%76%31/schemes', '/v1/schemes/../schemes']) {
    const r = await get(url);
    t.equal(r.statusCode, 401, `GET ${url} without token: 401`);
  }
  const post = await app.inject({ method: 'POST', url: '/v1/tensors', payload: { scheme: 'normal', shape: [4] } });
  t.equal(post.statusCode, 401, 'POST without token: 401');
  const postOk = await app.inject({ method: 'POST', url: '/v1/tensors', payload: { scheme: 'normal', shape: [4] }, headers: bearer(TOKEN) });
  t.equal(postOk.statusCode, 200, 'POST with token: 200');

  for (const url of ['/livez', '/readyz', '/readyz?verbose', '/metrics']) t.equal((await get(url)).statusCode, 200, `${url} open by default`);

  const { app: strict } = await testApp({ apiToken: TOKEN, authProbes: true, workers: 1 });
  t.teardown(() => strict.close());
  t.equal((await strict.inject('/metrics')).statusCode, 401, 'WEIGHTINIT_AUTH_PROBES=1: /metrics needs the token');
  t.equal((await strict.inject({ url: '/metrics', headers: bearer(TOKEN) })).statusCode, 200, '... and answers with it');
  t.equal((await strict.inject('/livez')).statusCode, 200, 'liveness stays open (kubelet has no token)');
  t.equal((await strict.inject('/readyz')).statusCode, 200, 'readiness stays open');
});

t.test('no token configured: the API is open', async (t) => {
  const { app } = await testApp({ workers: 1 });
  t.teardown(() => app.close());
  t.equal((await app.inject('/v1/schemes')).statusCode, 200);
});

t.test('bearerMatches: constant-time comparison of digests, any input length', async (t) => {
  const expected = createHash('sha256').update(TOKEN).digest();
  t.equal(bearerMatches(`Bearer ${TOKEN}`, expected), true);
  for (const h of [undefined, '', 'Bearer', 'Bearer ', `Bearer ${TOKEN} extra`, `Bearer ${TOKEN}x`, 'Bearer \u00e9\u00e9', `Token ${TOKEN}`]) {
    t.equal(bearerMatches(h, expected), false, `rejects ${JSON.stringify(h)}`);
  }
});

t.test('CORS: off by default; configured origins only', async (t) => {
  const preflight = { method: 'OPTIONS' as const, url: '/v1/tensors', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } };
  const { app } = await testApp({ workers: 1 });
  t.teardown(() => app.close());
  const off = await app.inject({ url: '/v1/schemes', headers: { origin: 'https://app.example' } });
  t.equal(off.headers['access-control-allow-origin'], undefined, 'no Access-Control-Allow-Origin by default');
  t.equal((await app.inject(preflight)).headers['access-control-allow-origin'], undefined, 'preflight not granted by default');

  const { app: on } = await testApp({ corsOrigins: ['https://app.example'], apiToken: TOKEN, workers: 1 });
  t.teardown(() => on.close());
  const pf = await on.inject(preflight);
  t.ok(pf.statusCode >= 200 && pf.statusCode < 300, `preflight answered ${pf.statusCode} without a token (browsers send none)`);
  t.equal(pf.headers['access-control-allow-origin'], 'https://app.example');
  t.match(String(pf.headers['access-control-allow-headers']).toLowerCase(), /authorization/);
  const got = await on.inject({ url: '/v1/tensors?scheme=normal&shape=2', headers: { origin: 'https://app.example', ...bearer(TOKEN) } });
  t.equal(got.headers['access-control-allow-origin'], 'https://app.example', 'allowed origin');
  t.match(String(got.headers['access-control-expose-headers']).toLowerCase(), /etag/, 'ETag exposed to scripts');
  const other = await on.inject({ url: '/v1/schemes', headers: { origin: 'https://evil.example', ...bearer(TOKEN) } });
  t.not(other.headers['access-control-allow-origin'], 'https://evil.example', 'other origins not allowed');
  t.not(other.headers['access-control-allow-origin'], '*');
});

t.test('rate limit: off by default; per client when set, 429 problem + Retry-After, probes exempt', async (t) => {
  const { app } = await testApp({ workers: 1 });
  t.teardown(() => app.close());
  const codes = await Promise.all(Array.from({ length: 40 }, () => app.inject('/v1/schemes/normal').then((r) => r.statusCode)));
  t.same([...new Set(codes)], [200], '40 quick requests, all 200 by default');

  const { app: limited } = await testApp({ rateLimitPerMinute: 5, workers: 1 });
  t.teardown(() => limited.close());
  const from = (ip: string) => limited.inject({ url: '/v1/schemes/normal', remoteAddress: ip });
  for (let i = 0; i < 5; i++) t.equal((await from('10.0.0.1')).statusCode, 200, `request ${i + 1} of 5`);
  const over = await from('10.0.0.1');
  t.equal(over.statusCode, 429, 'sixth in the minute: 429');
  t.ok(isProblem(over), 'as problem+json');
  t.ok(Number(over.headers['retry-after']) > 0, `Retry-After ${over.headers['retry-after']}`);
  t.match(JSON.parse(over.body).detail, /5 requests per minute/);
  t.equal((await from('10.0.0.2')).statusCode, 200, 'another client is not affected');
  t.equal((await limited.inject({ url: '/readyz', remoteAddress: '10.0.0.1' })).statusCode, 200, 'probes exempt');
  t.equal((await limited.inject({ url: '/livez', remoteAddress: '10.0.0.1' })).statusCode, 200, 'probes exempt');
});

t.test('size limits: body, query string, path parameter, nesting, headers', async (t) => {
  const { app } = await testApp({ maxBodyBytes: 4096, workers: 1 });
  t.teardown(() => app.close());
  const big = { scheme: 'normal', shape: [2], name: 'x'.repeat(5000) };
  const json = await app.inject({ method: 'POST', url: '/v1/tensors', payload: big });
  t.equal(json.statusCode, 413, 'JSON body over WEIGHTINIT_MAX_BODY_BYTES: 413');
  t.match(JSON.parse(json.body).detail, /4096 bytes/, 'names the limit');
  const mp = await app.inject({ method: 'POST', url: '/v1/tensors', payload: Buffer.from(pack(big)), headers: { 'content-type': 'application/msgpack' } });
  t.equal(mp.statusCode, 413, 'msgpack body over the limit: 413');

  const longQuery = await app.inject(`/v1/tensors?scheme=normal&shape=2&name=${'a'.repeat(MAX_QUERY_BYTES)}`);
  t.equal(longQuery.statusCode, 414, 'query string over the cap: 414');
  t.ok(isProblem(longQuery));
  t.equal((await app.inject(`/v1/tensors?scheme=normal&shape=2&name=${'a'.repeat(900)}`)).statusCode, 200, 'a long-but-legal query passes');

  const longParam = await app.inject(`/v1/schemes/${'n'.repeat(MAX_PARAM_LENGTH + 1)}`);
  t.equal(longParam.statusCode, 414, 'path parameter over the cap: 414');
  t.ok(isProblem(longParam), 'as problem+json (router errors go through frameworkErrors)');

  for (const depth of [MAX_BODY_DEPTH + 1, 10_000]) {
    const deep = `{"scheme":"normal","shape":[2],"params":{"mean":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    const { app: roomy } = await testApp({ maxBodyBytes: 1 << 20, workers: 1 });
    const r = await roomy.inject({ method: 'POST', url: '/v1/tensors', payload: deep, headers: { 'content-type': 'application/json' } });
    await roomy.close();
    t.equal(r.statusCode, 400, `body nested ${depth} deep: 400`);
    t.match(JSON.parse(r.body).rule, /nested at most/, 'names the nesting rule');
  }

  // Header size is enforced by Node's HTTP parser (16 KiB): only visible on a real socket.
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as net.AddressInfo;
  const status = await new Promise<string>((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(`GET /livez HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(32 * 1024)}\r\n\r\n`));
    let buf = '';
    s.on('data', (d) => { buf += d.toString('latin1'); });
    s.on('close', () => resolve(buf.split('\r\n')[0] ?? ''));
    s.on('error', (e) => (buf ? resolve(buf.split('\r\n')[0] ?? '') : reject(e)));
  });
  t.match(status, /^HTTP\/1\.1 431/, `32 KiB header: ${status}`);
});

t.test('prototype pollution: __proto__ / constructor payloads have no effect', async (t) => {
  const { app } = await testApp({ workers: 1 });
  t.teardown(() => app.close());
  const baseline = await app.inject({ method: 'POST', url: '/v1/tensors', payload: { scheme: 'normal', shape: [8], seed: 3 } });
  t.equal(baseline.statusCode, 200);

  const bodies = [
    '{"scheme":"normal","shape":[8],"seed":3,"__proto__":{"polluted":"yes","std":100}}',
    '{"scheme":"normal","shape":[8],"seed":3,"params":{"__proto__":{"std":100}}}',
    '{"scheme":"normal","shape":[8],"seed":3,"constructor":{"prototype":{"polluted":"yes"}}}',
    '{"scheme":"normal","shape":[8],"seed":3,"params":{"constructor":{"prototype":{"std":100}}}}',
  ];
  for (const b of bodies) {
    const r = await app.inject({ method: 'POST', url: '/v1/tensors', payload: b, headers: { 'content-type': 'application/json' } });
    t.equal(r.statusCode, 400, `JSON ${b.slice(36, 80)}: refused with 400`);
    t.ok(isProblem(r));
  }
  const mp = (o: Buffer[]) => Buffer.concat([Buffer.from([0x80 | (o.length / 2)]), ...o]);
  const msgpacks = [
    mp([pack('scheme'), pack('normal'), pack('shape'), pack([8]), pack('seed'), pack(3), pack('__proto__'), pack({ polluted: 'yes', std: 100 })]),
    mp([pack('scheme'), pack('normal'), pack('shape'), pack([8]), pack('seed'), pack(3), pack('params'), mp([pack('__proto__'), pack({ std: 100 })])]),
    mp([pack('scheme'), pack('normal'), pack('shape'), pack([8]), pack('seed'), pack(3), pack('params'), mp([pack('constructor'), pack({ prototype: { std: 100 } })])]),
  ];
  for (const b of msgpacks) {
    const r = await app.inject({ method: 'POST', url: '/v1/tensors', payload: b, headers: { 'content-type': 'application/msgpack' } });
    t.ok(r.statusCode === 400 || (r.statusCode === 200 && r.rawPayload.equals(baseline.rawPayload)), `msgpack: ${r.statusCode} (400, or 200 with unchanged bytes)`);
  }
  for (const q of ['__proto__[std]=100', '__proto__=x', 'constructor[prototype][std]=100', '__proto__.std=100']) {
    const r = await app.inject(`/v1/tensors?scheme=normal&shape=8&seed=3&${q}`);
    t.ok(r.statusCode === 400 || (r.statusCode === 200 && r.rawPayload.equals(baseline.rawPayload)), `query ${q}: ${r.statusCode} (400, or 200 with unchanged bytes)`);
  }
  const after = await app.inject({ method: 'POST', url: '/v1/tensors', payload: { scheme: 'normal', shape: [8], seed: 3 } });
  t.ok(after.rawPayload.equals(baseline.rawPayload), 'later requests unaffected');
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
  t.equal(({} as Record<string, unknown>).std, undefined, 'Object.prototype untouched');
});

t.test('errors never show stack traces or internal paths', async (t) => {
  const { app } = await testApp({ workers: 1 });
  // A route that fails the way a bug would: an Error whose message and stack carry paths.
  app.get('/v1/test-only-crash', async () => { throw new Error(`ENOENT: open '${process.cwd()}/src/secret.ts' at Object.<anonymous> (/work/main/src/x.ts:1:1)`); });
  app.get('/v1/test-only-crash-status', async () => { throw Object.assign(new TypeError(`bad thing in ${process.cwd()}/src/y.ts:9:3`), { statusCode: 502 }); });
  t.teardown(() => app.close());
  const internals = /\bat [^\s()]+ \(|\.ts:\d+|node_modules|\/work\/|\/src\//;
  const crash = await app.inject('/v1/test-only-crash');
  t.equal(crash.statusCode, 500);
  t.ok(isProblem(crash), 'a 500 is problem+json');
  t.notMatch(crash.body, internals, `500 body: ${crash.body}`);
  t.notMatch(crash.body, /ENOENT|stack/i, 'nor the message');
  const crash2 = await app.inject('/v1/test-only-crash-status');
  t.notMatch(crash2.body, internals, `${crash2.statusCode} body: ${crash2.body}`);
  const cases = [
    { method: 'POST' as const, url: '/v1/tensors', payload: '{"scheme":', headers: { 'content-type': 'application/json' } },
    { method: 'POST' as const, url: '/v1/tensors', payload: Buffer.from([0xc1, 0xff]), headers: { 'content-type': 'application/msgpack' } },
    { method: 'GET' as const, url: '/v1/tensors?scheme=nope&shape=2' },
    { method: 'GET' as const, url: '/v1/tensors?scheme=normal&shape=2&slice=a:b' },
    { method: 'GET' as const, url: '/v1/%E0%A4%A' },
  ];
  for (const c of cases) {
    const r = await app.inject(c);
    t.ok(r.statusCode >= 400 && r.statusCode < 500, `${c.method} ${c.url}: ${r.statusCode}`);
    t.notMatch(r.body, internals, `no internals: ${r.body.slice(0, 160)}`);
  }
});
