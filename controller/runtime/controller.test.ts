// One kind's control loop: the informer's changes reach the work queue only while the replica is
// active, every object is reconciled once the first list is in, and a failing watch is a warning.
// The API server is undici's MockAgent (network closed, every mock must be used).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { MockAgent } from 'undici';
import { KubeClient } from '../kube/client.ts';
import { testKubeConfig } from '../kube/test-kubeconfig.ts';
import { ControlLoop, type LoopObject } from './controller.ts';

const SERVER = 'https://kube.test';
const LIST = '/apis/tagpilot.io/v1alpha1/gitsyncs?limit=500';
const RESOURCE = {
  group: 'tagpilot.io',
  version: 'v1alpha1',
  kind: 'GitSync',
  resource: 'gitsyncs',
  namespaced: true,
};

const gitsync = (namespace: string, name: string, annotations?: Record<string, string>) => ({
  apiVersion: 'tagpilot.io/v1alpha1',
  kind: 'GitSync',
  metadata: { namespace, name, resourceVersion: '1', ...(annotations ? { annotations } : {}) },
});

/** Waits (polling) until `check` holds. */
async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('ControlLoop', () => {
  it('reconciles every listed object once listed, drops changes while inactive, and warns when the watch fails', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const pool = agent.get(SERVER);
    pool.intercept({ path: LIST, method: 'GET' }).reply(200, {
      metadata: { resourceVersion: '5' },
      items: [gitsync('a', 'one', { 'tagpilot.io/reconcile-at': 'now' }), gitsync('b', 'two')],
    });
    pool
      .intercept({
        path: (p) => p.startsWith('/apis/tagpilot.io/v1alpha1/gitsyncs?') && p.includes('watch=true'),
        method: 'GET',
      })
      .reply(500, { kind: 'Status', code: 500, message: 'etcd is down' });
    const client = new KubeClient({ kubeConfig: testKubeConfig(SERVER), dispatcher: agent });
    const warnings: string[] = [];
    const logger = pino(
      { level: 'warn' },
      { write: (line: string) => void warnings.push(JSON.parse(line).msg) },
    );
    const reconciled: string[] = [];
    const requested: string[] = [];
    const active = false;
    const loop = new ControlLoop<LoopObject>({
      client,
      resource: RESOURCE,
      logger,
      active: () => active,
      reconcile: async (key) => {
        reconciled.push(key);
        return undefined;
      },
      onChange: (key, object) => {
        if (object.metadata.annotations?.['tagpilot.io/reconcile-at']) requested.push(key);
      },
      // The watch is not re-opened within the test: reconnects wait until the loop stops.
      sleep: (_ms, signal) =>
        new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
    });
    await loop.start();
    assert.equal(loop.synced, true);
    assert.deepEqual(
      loop.list().map((o) => o.metadata.name),
      ['one', 'two'],
    );
    await until('every listed object to be reconciled', () => new Set(reconciled).size === 2);
    assert.deepEqual([...new Set(reconciled)].sort(), ['a/one', 'b/two']);
    assert.deepEqual(requested, [], 'changes seen while not active are dropped');
    await until('the failed watch to be reported', () => warnings.includes('watch failed; reconnecting'));
    assert.match(loop.lastError() ?? '', /etcd is down/);
    await loop.stop();
    agent.assertNoPendingInterceptors();
    await agent.close();
  });

  it("caches every object but queues only its own; another owner's changes go to onNotOwnedChange", async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const pool = agent.get(SERVER);
    const policy = (
      name: string,
      shard: string | undefined,
      latestImage?: string,
      resourceVersion = '1',
    ) => ({
      apiVersion: 'tagpilot.io/v1alpha1',
      kind: 'ImagePolicy',
      metadata: { namespace: 'apps', name, resourceVersion, ...(shard ? { labels: { shard } } : {}) },
      ...(latestImage ? { status: { latestImage } } : {}),
    });
    pool.intercept({ path: LIST, method: 'GET' }).reply(200, {
      metadata: { resourceVersion: '5' },
      items: [policy('mine', 'a'), policy('theirs', 'b')],
    });
    const events = [
      { type: 'MODIFIED', object: policy('theirs', 'b', 'reg/app:2', '6') },
      { type: 'MODIFIED', object: policy('mine', 'b', undefined, '7') },
    ];
    pool
      .intercept({
        path: (p) => p.startsWith('/apis/tagpilot.io/v1alpha1/gitsyncs?') && p.includes('watch=true'),
        method: 'GET',
      })
      .reply(200, events.map((event) => `${JSON.stringify(event)}\n`).join(''));
    const client = new KubeClient({ kubeConfig: testKubeConfig(SERVER), dispatcher: agent });
    const reconciled: string[] = [];
    const notOwned: string[] = [];
    type Labelled = LoopObject & {
      metadata: { resourceVersion?: string };
      status?: { latestImage?: string };
    };
    const loop = new ControlLoop<Labelled>({
      client,
      resource: RESOURCE,
      logger: pino({ level: 'silent' }),
      owns: (object) => object.metadata.labels?.shard === 'a',
      onNotOwnedChange: (object, previous) =>
        notOwned.push(
          `${object.metadata.name}: ${previous?.status?.latestImage} -> ${object.status?.latestImage}`,
        ),
      reconcile: async (key) => {
        reconciled.push(key);
        return undefined;
      },
      sleep: (_ms, signal) =>
        new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
    });
    await loop.start();
    await until('both watch events', () => loop.get('apps', 'mine')?.metadata.resourceVersion === '7');
    await until("the other owner's change", () => notOwned.length === 2);
    await loop.queue.idle();
    assert.deepEqual(
      loop.list().map((o) => o.metadata.name),
      ['mine', 'theirs'],
      'every object is cached',
    );
    // 'mine' at the first list and when it left (the reconcile forgets it; the queue may merge
    // the two); 'theirs' never.
    assert.deepEqual([...new Set(reconciled)], ['apps/mine']);
    assert.deepEqual(notOwned, ['theirs: undefined -> undefined', 'theirs: undefined -> reg/app:2']);
    await loop.stop();
    await agent.close();
  });
});
