import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, it } from 'node:test';
import { hmacHex, MAX_CLOCK_SKEW_MS, verifyWebhook, verifyWebhookHeaders } from './webhook-auth.ts';

const SECRET = 'correct horse battery staple';
const NOW = Date.parse('2026-03-01T12:00:00Z');
const body = Buffer.from('{"ref":"refs/heads/main"}');
const seconds = (ms: number) => String(Math.floor(ms / 1000));

function verify(headers: IncomingHttpHeaders, query = '') {
  return verifyWebhook({ headers, body, query: new URLSearchParams(query) }, SECRET, () => NOW);
}

describe('verifyWebhook', () => {
  const accepted: { name: string; headers: IncomingHttpHeaders; query?: string; schemes: string[] }[] = [
    {
      name: 'Authorization: Bearer (distribution, Harbor)',
      headers: { authorization: `Bearer ${SECRET}` },
      schemes: ['Authorization: Bearer'],
    },
    {
      name: 'bearer in lower case',
      headers: { authorization: `bearer ${SECRET}` },
      schemes: ['Authorization: Bearer'],
    },
    { name: 'X-Tagpilot-Token', headers: { 'x-tagpilot-token': SECRET }, schemes: ['X-Tagpilot-Token'] },
    { name: 'X-Gitlab-Token', headers: { 'x-gitlab-token': SECRET }, schemes: ['X-Gitlab-Token'] },
    {
      name: '?token= (Docker Hub)',
      headers: {},
      query: `token=${encodeURIComponent(SECRET)}`,
      schemes: ['token query parameter'],
    },
    {
      name: 'X-Hub-Signature-256 (GitHub)',
      headers: { 'x-hub-signature-256': `sha256=${hmacHex(SECRET, body)}` },
      schemes: ['X-Hub-Signature-256'],
    },
    {
      name: 'X-Hub-Signature-256 with upper-case hex',
      headers: { 'x-hub-signature-256': `sha256=${hmacHex(SECRET, body).toUpperCase()}` },
      schemes: ['X-Hub-Signature-256'],
    },
    {
      name: 'Gitea sends both of its signatures',
      headers: {
        'x-gitea-signature': hmacHex(SECRET, body),
        'x-hub-signature-256': `sha256=${hmacHex(SECRET, body)}`,
      },
      schemes: ['X-Hub-Signature-256', 'X-Gitea-Signature'],
    },
    {
      name: 'X-Gogs-Signature',
      headers: { 'x-gogs-signature': hmacHex(SECRET, body) },
      schemes: ['X-Gogs-Signature'],
    },
    {
      name: 'X-Tagpilot-Signature over timestamp and body',
      headers: {
        'x-tagpilot-timestamp': seconds(NOW - 60_000),
        'x-tagpilot-signature': `sha256=${hmacHex(SECRET, Buffer.concat([Buffer.from(`${seconds(NOW - 60_000)}.`), body]))}`,
      },
      schemes: ['X-Tagpilot-Signature'],
    },
    {
      name: 'a Basic Authorization header (an ingress) is not a credential',
      headers: { authorization: 'Basic dXNlcjpwYXNz', 'x-tagpilot-token': SECRET },
      schemes: ['X-Tagpilot-Token'],
    },
  ];
  for (const { name, headers, query, schemes } of accepted) {
    it(`accepts ${name}`, () => {
      assert.deepEqual(verify(headers, query), { ok: true, schemes });
    });
  }

  const refused: { name: string; headers: IncomingHttpHeaders; query?: string; reason: string }[] = [
    { name: 'no credential at all', headers: {}, reason: 'unsigned' },
    {
      name: 'only a Basic Authorization header',
      headers: { authorization: 'Basic dXNlcjpwYXNz' },
      reason: 'unsigned',
    },
    { name: 'a wrong bearer token', headers: { authorization: 'Bearer nope' }, reason: 'bad-signature' },
    {
      name: 'the secret with a suffix',
      headers: { 'x-tagpilot-token': `${SECRET}x` },
      reason: 'bad-signature',
    },
    { name: 'an empty token', headers: { 'x-gitlab-token': '' }, reason: 'bad-signature' },
    { name: 'a wrong ?token=', headers: {}, query: 'token=guess', reason: 'bad-signature' },
    {
      name: 'an HMAC with another key',
      headers: { 'x-hub-signature-256': `sha256=${hmacHex('other', body)}` },
      reason: 'bad-signature',
    },
    {
      name: 'an HMAC of another body',
      headers: { 'x-hub-signature-256': `sha256=${hmacHex(SECRET, '{}')}` },
      reason: 'bad-signature',
    },
    {
      name: 'an HMAC without the sha256= prefix',
      headers: { 'x-hub-signature-256': hmacHex(SECRET, body) },
      reason: 'bad-signature',
    },
    {
      name: 'a truncated HMAC',
      headers: { 'x-gitea-signature': hmacHex(SECRET, body).slice(0, 40) },
      reason: 'bad-signature',
    },
    {
      name: 'a valid token next to a forged signature',
      headers: { 'x-tagpilot-token': SECRET, 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
      reason: 'bad-signature',
    },
    {
      name: 'X-Tagpilot-Signature without its timestamp',
      headers: {
        'x-tagpilot-signature': `sha256=${hmacHex(SECRET, Buffer.concat([Buffer.from('.'), body]))}`,
      },
      reason: 'bad-signature',
    },
    {
      name: 'X-Tagpilot-Signature whose timestamp was changed',
      headers: {
        'x-tagpilot-timestamp': seconds(NOW),
        'x-tagpilot-signature': `sha256=${hmacHex(SECRET, Buffer.concat([Buffer.from(`${seconds(NOW - 60_000)}.`), body]))}`,
      },
      reason: 'bad-signature',
    },
    {
      name: 'a timestamp older than five minutes',
      headers: {
        'x-tagpilot-token': SECRET,
        'x-tagpilot-timestamp': seconds(NOW - MAX_CLOCK_SKEW_MS - 1000),
      },
      reason: 'stale',
    },
    {
      name: 'a timestamp from the future',
      headers: {
        'x-tagpilot-token': SECRET,
        'x-tagpilot-timestamp': seconds(NOW + MAX_CLOCK_SKEW_MS + 1000),
      },
      reason: 'stale',
    },
    {
      name: 'a timestamp that is not Unix seconds',
      headers: { 'x-tagpilot-token': SECRET, 'x-tagpilot-timestamp': '2026-03-01T12:00:00Z' },
      reason: 'stale',
    },
  ];
  for (const { name, headers, query, reason } of refused) {
    it(`refuses ${name}`, () => {
      const verdict = verify(headers, query);
      assert.equal(verdict.ok, false);
      assert.equal(verdict.ok === false && verdict.reason, reason);
    });
  }

  it('never puts the secret into its message', () => {
    const verdict = verify({ authorization: `Bearer ${SECRET.slice(0, -1)}` });
    assert.equal(verdict.ok, false);
    assert.ok(verdict.ok === false && !verdict.message.includes(SECRET.slice(0, 10)));
  });
});

describe('hmac test vector', () => {
  it('is GitHub-compatible', () => {
    // The example of GitHub's "Validating webhook deliveries" page.
    assert.equal(
      hmacHex("It's a Secret to Everybody", 'Hello, World!'),
      '757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
  });
});

describe('verifyWebhookHeaders (before the body is read)', () => {
  const secret = 'header-secret';
  const check = (headers: IncomingHttpHeaders, query = '') =>
    verifyWebhookHeaders({ headers, query: new URLSearchParams(query) }, secret);

  it('a valid token needs no body', () => {
    assert.deepEqual(check({ 'x-tagpilot-token': secret }), { ok: true, needsBody: false });
    assert.deepEqual(check({}, `token=${secret}`), { ok: true, needsBody: false });
  });
  it('a well-formed body signature needs the body', () => {
    assert.deepEqual(check({ 'x-hub-signature-256': `sha256=${'a'.repeat(64)}` }), {
      ok: true,
      needsBody: true,
    });
  });
  it('no credential, a wrong token, a malformed signature or a stale timestamp: refused at once', () => {
    assert.equal(check({}).ok, false);
    assert.equal(check({ authorization: 'Bearer nope' }).ok, false);
    assert.equal(check({ 'x-gitea-signature': 'not-hex' }).ok, false);
    assert.equal(check({ 'x-tagpilot-token': secret, 'x-tagpilot-timestamp': '1' }).ok, false);
  });
  it('a valid token beside a body signature still needs the body (every credential must hold)', () => {
    const verdict = check({ 'x-tagpilot-token': secret, 'x-hub-signature-256': `sha256=${'a'.repeat(64)}` });
    assert.deepEqual(verdict, { ok: true, needsBody: true });
  });
});
