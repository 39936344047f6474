import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../config.ts';
import { hmacHex } from './webhook-auth.ts';
import { readWebhookSecret } from './webhook-secret.ts';
import { gitPush, registryPush, SECRET, serve } from './webhook-server.test-support.ts';

describe('webhook routes', () => {
  let hooks: Awaited<ReturnType<typeof serve>>;
  before(async () => {
    hooks = await serve(SECRET);
  });
  after(() => hooks.server.close());

  it('a signed registry push forgets the tag, scans the policy and runs automation: 202', async () => {
    hooks.calls.length = 0;
    const { status, json } = await hooks.post('/hooks/registry', JSON.stringify(registryPush), {
      authorization: `Bearer ${SECRET}`,
    });
    assert.equal(status, 202);
    assert.deepEqual(json, {
      source: 'distribution',
      images: ['registry.example.com/app:v2'],
      triggered: { imagePolicies: ['apps/app'], gitSyncs: ['ops/demo'] },
    });
    assert.deepEqual(hooks.calls, [
      'forget registry.example.com/app:v2',
      'scan apps/app',
      'automate ops/demo',
    ]);
  });

  it('a GitHub push with a valid HMAC reconciles the GitSync: 202', async () => {
    hooks.calls.length = 0;
    const body = JSON.stringify(gitPush);
    const { status, json } = await hooks.post('/hooks/git', body, {
      'x-github-event': 'push',
      'x-hub-signature-256': `sha256=${hmacHex(SECRET, body)}`,
    });
    assert.equal(status, 202);
    assert.deepEqual(json, {
      source: 'github',
      repositories: ['git.example.com/demo'],
      branch: 'main',
      triggered: { imagePolicies: [], gitSyncs: ['ops/demo'] },
    });
    assert.deepEqual(hooks.calls, ['automate ops/demo']);
  });

  const refused: {
    name: string;
    path: string;
    body: string;
    headers: Record<string, string>;
    status: number;
  }[] = [
    {
      name: 'unsigned',
      path: '/hooks/registry',
      body: JSON.stringify(registryPush),
      headers: {},
      status: 401,
    },
    {
      name: 'a wrong token',
      path: '/hooks/registry',
      body: JSON.stringify(registryPush),
      headers: { authorization: 'Bearer guess' },
      status: 401,
    },
    {
      name: 'an HMAC of another body',
      path: '/hooks/git',
      body: JSON.stringify(gitPush),
      headers: { 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${hmacHex(SECRET, '{}')}` },
      status: 401,
    },
    {
      name: 'a stale timestamp',
      path: '/hooks/git',
      body: JSON.stringify(gitPush),
      headers: {
        'x-tagpilot-token': SECRET,
        'x-tagpilot-timestamp': String(Math.floor(Date.now() / 1000) - 600),
      },
      status: 401,
    },
    {
      name: 'malformed JSON (signed)',
      path: '/hooks/registry',
      body: '{"events": [',
      headers: { 'x-tagpilot-token': SECRET },
      status: 400,
    },
    {
      name: 'JSON of an unknown shape (signed)',
      path: '/hooks/registry',
      body: '{"hello":"world"}',
      headers: { 'x-tagpilot-token': SECRET },
      status: 400,
    },
  ];
  for (const { name, path, body, headers, status } of refused) {
    it(`${name}: ${status} and nothing triggered`, async () => {
      hooks.calls.length = 0;
      const response = await hooks.post(path, body, headers);
      assert.equal(response.status, status);
      assert.equal(typeof response.json.error, 'string');
      assert.deepEqual(hooks.calls, []);
    });
  }

  it('a GitHub ping is answered 200 and triggers nothing', async () => {
    hooks.calls.length = 0;
    const body = '{"zen":"Speak like a human."}';
    const { status, json } = await hooks.post('/hooks/git', body, {
      'x-github-event': 'ping',
      'x-hub-signature-256': `sha256=${hmacHex(SECRET, body)}`,
    });
    assert.equal(status, 200);
    assert.deepEqual(json, { ignored: 'x-github-event "ping"' });
    assert.deepEqual(hooks.calls, []);
  });

  it('only POST: 405 with Allow', async () => {
    const response = await fetch(`http://127.0.0.1:${hooks.server.port}/hooks/git`);
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'POST');
    await response.body?.cancel();
  });

  it('counts requests by hook, source and result', async () => {
    const text = await hooks.metrics.metrics();
    assert.match(
      text,
      /tagpilot_webhooks_total\{hook="registry",source="distribution",result="triggered"\} 1/,
    );
    assert.match(text, /tagpilot_webhooks_total\{hook="git",source="github",result="unauthorized"\} 1/);
    assert.match(text, /tagpilot_webhooks_total\{hook="git",source="unknown",result="stale"\} 1/);
    assert.match(text, /tagpilot_webhooks_total\{hook="registry",source="unknown",result="bad_request"\} 2/);
  });

  it('leaves other paths to the server (404)', async () => {
    const response = await fetch(`http://127.0.0.1:${hooks.server.port}/hooks/other`, { method: 'POST' });
    assert.equal(response.status, 404);
    await response.body?.cancel();
  });
});

describe('webhook routes without a secret', () => {
  it('answer 404 even to a request that would be signed', async () => {
    const hooks = await serve(undefined);
    try {
      for (const path of ['/hooks/registry', '/hooks/git']) {
        const response = await hooks.post(path, JSON.stringify(registryPush), { authorization: 'Bearer ' });
        assert.equal(response.status, 404);
        assert.match(String(response.json.error), /--webhook-secret-file/);
      }
      assert.deepEqual(hooks.calls, []);
    } finally {
      await hooks.server.close();
    }
  });
});

describe('readWebhookSecret', () => {
  const cases: { name: string; file: string | Error; expected: string | RegExp }[] = [
    { name: 'drops the trailing newline', file: 'abc123\n', expected: 'abc123' },
    { name: 'drops a CRLF', file: 'abc123\r\n', expected: 'abc123' },
    { name: 'keeps inner and leading spaces', file: ' a b ', expected: ' a b ' },
    { name: 'refuses an empty file', file: '\n', expected: /is empty/ },
    { name: 'refuses white space only', file: '   \n', expected: /is empty/ },
    {
      name: 'reports an unreadable file',
      file: new Error('ENOENT: no such file'),
      expected: /cannot read .*ENOENT/,
    },
  ];
  for (const { name, file, expected } of cases) {
    it(name, () => {
      const read = () => {
        if (file instanceof Error) throw file;
        return file;
      };
      if (typeof expected === 'string') assert.equal(readWebhookSecret('/secret', read), expected);
      else
        assert.throws(
          () => readWebhookSecret('/secret', read),
          (e: unknown) => e instanceof ConfigError && expected.test(e.message),
        );
    });
  }
});
