// A 410 Gone in the middle of a watch is something a real API server produces only after etcd
// compaction, so this edge is tested with undici's MockAgent (every mock must be used).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import { MockAgent } from 'undici';
import { KubeClient } from './client.ts';
import { testKubeConfig } from './test-kubeconfig.ts';
import type { ResourceInfo } from './types.ts';
import { ResourceWatch, type WatchEvent } from './watch.ts';

const SERVER = 'https://kube.test';
const CONFIGMAPS: ResourceInfo = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  resource: 'configmaps',
  namespaced: true,
};

const kubeConfig = () => testKubeConfig(SERVER, 'secret-token');

const cm = (name: string, rv: string) => ({ metadata: { name, namespace: 'ns', resourceVersion: rv } });
const line = (type: string, object: unknown) => `${JSON.stringify({ type, object })}\n`;

describe('ResourceWatch', () => {
  const agent = new MockAgent();
  agent.disableNetConnect();
  after(async () => {
    await agent.close();
  });

  it('lists, watches, relists on 410 Gone and reports what vanished meanwhile', async () => {
    const pool = agent.get(SERVER);
    const auth = { authorization: 'Bearer secret-token' };
    pool
      .intercept({ path: '/api/v1/configmaps?labelSelector=a%3Db&limit=500', method: 'GET', headers: auth })
      .reply(200, {
        kind: 'ConfigMapList',
        metadata: { resourceVersion: '10' },
        items: [cm('a', '1'), cm('b', '2')],
      });
    pool
      .intercept({
        path: (p) =>
          p.startsWith('/api/v1/configmaps?') && p.includes('watch=true') && p.includes('resourceVersion=10'),
        method: 'GET',
      })
      .reply(
        200,
        line('MODIFIED', { kind: 'ConfigMap', apiVersion: 'v1', ...cm('a', '11') }) +
          line('BOOKMARK', { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: '12' } }) +
          line('ERROR', {
            kind: 'Status',
            code: 410,
            reason: 'Expired',
            message: 'too old resource version',
          }),
      );
    pool.intercept({ path: '/api/v1/configmaps?labelSelector=a%3Db&limit=500', method: 'GET' }).reply(200, {
      kind: 'ConfigMapList',
      metadata: { resourceVersion: '20' },
      items: [cm('a', '11'), cm('c', '15')],
    });

    const client = new KubeClient({ kubeConfig: kubeConfig(), dispatcher: agent });
    const events: WatchEvent[] = [];
    let reconnects = 0;
    const watch = new ResourceWatch({
      client,
      resource: CONFIGMAPS,
      labelSelector: 'a=b',
      logger: pino({ level: process.env.TAGPILOT_TEST_LOG ?? 'silent' }),
      onEvent: (event) => events.push(event),
      // After the scripted answers the next watch finds no mock: wait there until stopped.
      sleep: (_ms, signal) =>
        new Promise((resolve) => {
          reconnects++;
          signal.addEventListener('abort', () => resolve(), { once: true });
        }),
    });
    watch.start();
    await watch.synced;
    while (reconnects === 0) await new Promise((resolve) => setImmediate(resolve));
    await watch.stop();
    assert.deepEqual(
      events.map((e) => [e.type, e.object.metadata.name, e.object.metadata.resourceVersion]),
      [
        ['ADDED', 'a', '1'],
        ['ADDED', 'b', '2'],
        ['MODIFIED', 'a', '11'],
        ['ADDED', 'c', '15'],
        ['DELETED', 'b', '2'],
      ],
    );
    assert.equal(events[0]?.object.kind, 'ConfigMap', 'list items get their kind');
    assert.deepEqual(watch.stats, { relists: 2, reconnects: 1, events: 5 });
    assert.deepEqual([...watch.store.keys()].sort(), ['ns/a', 'ns/c']);
    agent.assertNoPendingInterceptors();
  });
});
