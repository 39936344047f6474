// 429 storms, 5xx bursts and cut connections are what a real API server does not produce on demand,
// so the client's retries are tested with undici's MockAgent: the network is closed, every
// interceptor must fire, and the injected sleep records each delay exactly.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { MockAgent } from 'undici';
import { KubeApi } from './api.ts';
import { KubeClient, type KubeClientOptions } from './client.ts';
import { isKubeError } from './errors.ts';
import { testKubeConfig } from './test-kubeconfig.ts';
import type { ResourceInfo } from './types.ts';

const SERVER = 'https://kube.test';
const CONFIGMAPS: ResourceInfo = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  resource: 'configmaps',
  namespaced: true,
};
const EVENTS: ResourceInfo = {
  group: '',
  version: 'v1',
  kind: 'Event',
  resource: 'events',
  namespaced: true,
};
const CM_PATH = '/api/v1/namespaces/ns/configmaps/a';
const APPLY_PATH = `${CM_PATH}?fieldManager=tagpilot&force=true`;
const CM = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'ns' } };
const JSON_HEADERS = { 'content-type': 'application/json' };

const kubeConfig = () => testKubeConfig(SERVER);

const status = (code: number, reason: string, details: Record<string, unknown> = {}) => ({
  kind: 'Status',
  apiVersion: 'v1',
  status: 'Failure',
  code,
  reason,
  message: reason,
  details,
});

describe('KubeClient retries', () => {
  let agent: MockAgent;
  let slept: number[];

  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
    slept = [];
  });
  afterEach(async () => {
    agent.assertNoPendingInterceptors();
    await agent.close();
  });

  const api = (options: Partial<KubeClientOptions> = {}) =>
    new KubeApi(
      new KubeClient({
        kubeConfig: kubeConfig(),
        dispatcher: agent,
        now: () => Date.parse('2026-01-01T00:00:00Z'),
        sleep: async (ms) => {
          slept.push(ms);
        },
        retry: { backoff: { baseMs: 100, random: () => 0.5 } },
        ...options,
      }),
    );
  const pool = () => agent.get(SERVER);

  it('waits the Retry-After of a 429, then the Status retryAfterSeconds, then succeeds', async () => {
    pool()
      .intercept({ path: CM_PATH, method: 'GET' })
      .reply(429, status(429, 'TooManyRequests'), { headers: { ...JSON_HEADERS, 'retry-after': '2' } });
    pool()
      .intercept({ path: CM_PATH, method: 'GET' })
      .reply(429, status(429, 'TooManyRequests', { retryAfterSeconds: 3 }), { headers: JSON_HEADERS });
    pool().intercept({ path: CM_PATH, method: 'GET' }).reply(200, CM, { headers: JSON_HEADERS });
    const object = await api().get(CONFIGMAPS, 'ns', 'a');
    assert.equal(object?.metadata.name, 'a');
    assert.deepEqual(slept, [2000, 3000]);
  });

  it('backs off with equal jitter on 5xx and a cut connection, bounded to 4 sends', async () => {
    pool().intercept({ path: APPLY_PATH, method: 'PATCH' }).reply(503, 'unavailable');
    pool().intercept({ path: APPLY_PATH, method: 'PATCH' }).replyWithError(new Error('ECONNRESET'));
    pool()
      .intercept({ path: APPLY_PATH, method: 'PATCH' })
      .reply(500, status(500, 'InternalError'), { headers: JSON_HEADERS });
    pool()
      .intercept({ path: APPLY_PATH, method: 'PATCH' })
      .reply(504, status(504, 'Timeout'), { headers: JSON_HEADERS });
    await assert.rejects(api().apply(CONFIGMAPS, CM, { fieldManager: 'tagpilot' }), (error) => {
      assert.ok(isKubeError(error, 'Timeout'));
      return true;
    });
    // base 100 ms doubling, uniform in [cap/2, cap) with random 0.5: 75, 150, 300.
    assert.deepEqual(slept, [75, 150, 300]);
  });

  it('sends a delete with a uid precondition again after a 503', async () => {
    pool().intercept({ path: CM_PATH, method: 'DELETE' }).reply(503, 'unavailable');
    pool()
      .intercept({ path: CM_PATH, method: 'DELETE' })
      .reply(200, status(200, ''), { headers: JSON_HEADERS });
    assert.equal(await api().delete(CONFIGMAPS, 'ns', 'a', { uid: 'u-1' }), true);
    assert.deepEqual(slept, [75]);
  });

  const once: { name: string; send: (kube: KubeApi) => Promise<unknown>; path: string; method: string }[] = [
    {
      name: 'a create',
      send: (kube) => kube.create(EVENTS, 'ns', { metadata: { generateName: 'x' } }),
      path: '/api/v1/namespaces/ns/events',
      method: 'POST',
    },
    {
      name: 'a JSON patch',
      send: (kube) => kube.jsonPatch(CONFIGMAPS, 'ns', 'a', [{ op: 'add', path: '/data/x', value: '1' }]),
      path: CM_PATH,
      method: 'PATCH',
    },
    {
      name: 'a delete without a uid',
      send: (kube) => kube.delete(CONFIGMAPS, 'ns', 'a'),
      path: CM_PATH,
      method: 'DELETE',
    },
  ];
  for (const c of once) {
    it(`never sends ${c.name} twice after a 5xx or a cut connection (it may have acted)`, async () => {
      pool().intercept({ path: c.path, method: c.method }).reply(500, status(500, 'InternalError'), {
        headers: JSON_HEADERS,
      });
      await assert.rejects(c.send(api()), (error) => isKubeError(error, 'InternalError'));
      pool().intercept({ path: c.path, method: c.method }).replyWithError(new Error('ECONNRESET'));
      await assert.rejects(c.send(api()), (error) => isKubeError(error, 'NetworkError'));
      assert.deepEqual(slept, []);
    });
  }

  it('sends a create again after a 429 (flow control refused it before it acted)', async () => {
    const path = '/api/v1/namespaces/ns/events';
    pool()
      .intercept({ path, method: 'POST' })
      .reply(429, status(429, 'TooManyRequests'), { headers: { ...JSON_HEADERS, 'retry-after': '1' } });
    pool()
      .intercept({ path, method: 'POST' })
      .reply(201, { apiVersion: 'v1', kind: 'Event', metadata: { name: 'x.1' } }, { headers: JSON_HEADERS });
    await api().create(EVENTS, 'ns', { metadata: { generateName: 'x' } });
    assert.deepEqual(slept, [1000]);
  });

  const never: { name: string; status: number; reason: string }[] = [
    { name: 'a conflict', status: 409, reason: 'Conflict' },
    { name: 'forbidden', status: 403, reason: 'Forbidden' },
    { name: 'invalid', status: 422, reason: 'Invalid' },
  ];
  for (const c of never) {
    it(`does not retry ${c.name}`, async () => {
      pool()
        .intercept({ path: APPLY_PATH, method: 'PATCH' })
        .reply(c.status, status(c.status, c.reason), { headers: JSON_HEADERS });
      await assert.rejects(api().apply(CONFIGMAPS, CM, { fieldManager: 'tagpilot' }), (error) =>
        isKubeError(error, c.reason as 'Conflict'),
      );
      assert.deepEqual(slept, []);
    });
  }

  it('does not wait for a Retry-After longer than maxRetryAfterMs', async () => {
    pool()
      .intercept({ path: CM_PATH, method: 'GET' })
      .reply(429, status(429, 'TooManyRequests'), { headers: { ...JSON_HEADERS, 'retry-after': '120' } });
    const kube = api({ retry: { maxRetryAfterMs: 60_000 } });
    await assert.rejects(kube.get(CONFIGMAPS, 'ns', 'a'), (error) => {
      assert.ok(isKubeError(error, 'TooManyRequests'));
      assert.equal(error.retryAfterMs, 120_000);
      return true;
    });
    assert.deepEqual(slept, []);
  });

  it('maxAttempts 1 turns retries off', async () => {
    pool().intercept({ path: CM_PATH, method: 'GET' }).reply(503, 'unavailable');
    await assert.rejects(api({ retry: { maxAttempts: 1 } }).get(CONFIGMAPS, 'ns', 'a'), (error) =>
      isKubeError(error, 'ServiceUnavailable'),
    );
    assert.deepEqual(slept, []);
  });

  it('stops waiting when the request is aborted', async () => {
    pool().intercept({ path: CM_PATH, method: 'GET' }).reply(503, 'unavailable');
    const abort = new AbortController();
    const client = new KubeClient({
      kubeConfig: kubeConfig(),
      dispatcher: agent,
      sleep: async (ms) => {
        slept.push(ms);
        abort.abort();
      },
    });
    await assert.rejects(client.request({ method: 'GET', path: CM_PATH, signal: abort.signal }), {
      name: 'AbortError',
    });
    assert.equal(slept.length, 1);
  });
});
