// The ImagePolicy reconciler's own logic against fakes of its ports (ports.ts) and the in-memory
// scanner: the Flux shape (one status patch, suspend), the chosen tag never moving down, failures
// as conditions that keep observedGeneration, and who is told. Registries and the API server are
// exercised for real in test/e2e/imagepolicy.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { ImagePolicy, ImagePolicySpec, ImagePolicyStatus } from '../api/types.ts';
import { type FakeRepository, fakeScanner } from '../automation/fake-scanner.test-support.ts';
import type { EventInput } from '../kube/events.ts';
import type { Impersonation } from '../kube/impersonation.ts';
import type { PullSecretResult } from '../kube/secrets.ts';
import { ImagePolicyReconciler } from './imagepolicy-reconciler.ts';
import type { ImagePolicyPorts } from './ports.ts';

const IMAGE = 'reg.test/apps/web';
const KEY = 'apps/web';

function policy(
  spec: Partial<ImagePolicySpec> = {},
  status?: ImagePolicyStatus,
  generation = 1,
): ImagePolicy {
  return {
    apiVersion: 'tagpilot.io/v1alpha1',
    kind: 'ImagePolicy',
    metadata: { name: 'web', namespace: 'apps', uid: 'u1', generation },
    spec: { image: IMAGE, policy: { semver: { range: '^1' } }, ...spec },
    ...(status ? { status } : {}),
  };
}

function fakes(repo: FakeRepository, secrets: PullSecretResult = { ok: true, credentials: undefined }) {
  const written: ImagePolicyStatus[] = [];
  const events: EventInput[] = [];
  const secretReads: (Impersonation | undefined)[] = [];
  const ports: ImagePolicyPorts = {
    scanners: () => fakeScanner({ [IMAGE]: repo }),
    events: { record: async (event) => void events.push(event) },
    readPullSecrets: async (identity) => {
      secretReads.push(identity);
      return secrets;
    },
    writeStatus: async (_policy, status) => void written.push(status),
  };
  return { ports, written, events, secretReads };
}

function reconciler(ports: ImagePolicyPorts, object: ImagePolicy, woken: string[] = [], account?: string) {
  return new ImagePolicyReconciler({
    ports,
    logger: pino({ level: 'silent' }),
    get: () => object,
    defaultServiceAccount: account,
    onLatestChanged: (changed) => woken.push(changed.metadata.name ?? ''),
    now: () => new Date('2026-01-01T00:00:00Z'),
  });
}

const ready = (status: ImagePolicyStatus | undefined) => status?.conditions?.find((c) => c.type === 'Ready');

describe('ImagePolicyReconciler', () => {
  it('records a new latest tag, announces it, wakes the GitSyncs and comes back at the interval', async () => {
    const f = fakes({ tags: { '1.0.0': null, '1.2.0': null, '2.0.0': null } });
    const woken: string[] = [];
    const outcome = await reconciler(f.ports, policy({ interval: '1m' }), woken).reconcile(KEY);
    assert.deepEqual(outcome, { requeueAfterMs: 60_000 });
    assert.equal(f.written.length, 1);
    assert.equal(f.written[0]?.latestTag, '1.2.0');
    assert.equal(f.written[0]?.tagCount, 3);
    assert.equal(f.written[0]?.observedGeneration, 1);
    assert.equal(ready(f.written[0])?.status, 'True');
    assert.deepEqual(
      f.events.map((e) => [e.reason, e.note]),
      [['NewLatestTag', 'latest tag 1.2.0']],
    );
    assert.deepEqual(woken, ['web']);
  });

  it('marks a newest-build choice provisional while the budget leaves build times unread, never lowering it', async () => {
    const tags = {
      a: '2026-01-01T00:00:00Z',
      b: '2026-01-05T00:00:00Z',
      c: '2026-01-03T00:00:00Z',
    };
    const f = fakes({ tags });
    const known = new Set<string>();
    f.ports.scanners = () => {
      const base = fakeScanner({ [IMAGE]: { tags } });
      return {
        ...base,
        buildTimeBudget: 1,
        knownTags: (_repository, names) => new Set(names.filter((tag) => known.has(tag))),
        createdTimes: async (repository, names) => {
          for (const tag of names) known.add(tag);
          return base.createdTimes(repository, names);
        },
      };
    };
    const spec = { policy: { newestBuild: {} } };
    const first = policy(spec);
    await reconciler(f.ports, first).reconcile(KEY);
    assert.deepEqual(
      [f.written[0]?.latestTag, f.written[0]?.provisional, f.written[0]?.buildTimesPending],
      ['a', true, 2],
    );
    assert.match(
      ready(f.written[0])?.message ?? '',
      /provisional: the build times of 2 candidates are read at later scans/,
    );
    const second = policy(spec, f.written[0]);
    await reconciler(f.ports, second).reconcile(KEY);
    assert.deepEqual([f.written[1]?.latestTag, f.written[1]?.provisional], ['b', true]);
    const third = policy(spec, f.written[1]);
    await reconciler(f.ports, third).reconcile(KEY);
    assert.deepEqual(
      [f.written[2]?.latestTag, f.written[2]?.provisional, f.written[2]?.buildTimesPending],
      ['b', false, 0],
      'c was built before b: the last scan keeps b',
    );
  });

  it('never lowers the recorded tag when the registry stops listing it', async () => {
    const f = fakes({ tags: { '1.0.0': null, '1.1.0': null } });
    const woken: string[] = [];
    const recorded = policy({}, { latestTag: '1.2.0', observedGeneration: 1 });
    await reconciler(f.ports, recorded, woken).reconcile(KEY);
    assert.equal(f.written[0]?.latestTag, undefined, 'latestTag is left as it is');
    assert.match(ready(f.written[0])?.message ?? '', /kept although the registry no longer lists it/);
    assert.deepEqual(woken, []);
    assert.deepEqual(f.events, []);
  });

  it('a registry error is ScanFailed with an Event and keeps observedGeneration', async () => {
    const f = fakes({ tags: {}, listFails: 'UNAVAILABLE' });
    const changedSpec = policy({}, { latestTag: '1.0.0', observedGeneration: 1 }, 2);
    await reconciler(f.ports, changedSpec).reconcile(KEY);
    assert.equal(ready(f.written[0])?.reason, 'ScanFailed');
    assert.equal(f.written[0]?.observedGeneration, 1, 'the spec change keeps its right to choose afresh');
    assert.equal(f.written[0]?.lastScanTime, '2026-01-01T00:00:00.000Z');
    assert.equal(f.events[0]?.type, 'Warning');
  });

  it('an invalid policy is InvalidPolicy and is not scanned again until it changes', async () => {
    const f = fakes({ tags: { '1.0.0': null } });
    const invalid = policy({ policy: { semver: { range: 'not a range' } } });
    assert.equal(await reconciler(f.ports, invalid).reconcile(KEY), undefined);
    assert.equal(ready(f.written[0])?.reason, 'InvalidPolicy');
    assert.deepEqual(f.secretReads, [], 'nothing is read for a policy that cannot be used');
  });

  it('a suspended policy is Ready=False Suspended and scans nothing', async () => {
    const f = fakes({ tags: {}, listFails: 'UNAVAILABLE' });
    assert.equal(await reconciler(f.ports, policy({ suspend: true })).reconcile(KEY), undefined);
    assert.equal(ready(f.written[0])?.reason, 'Suspended');
    assert.deepEqual(f.events, []);
  });

  it('reads pull secrets as the default ServiceAccount, and unreadable ones are CredentialsUnavailable', async () => {
    const f = fakes(
      { tags: { '1.0.0': null } },
      { ok: false, message: 'not allowed to read Secret apps/pull' },
    );
    await reconciler(f.ports, policy({ secretRef: { name: 'pull' } }), [], 'scanner').reconcile(KEY);
    assert.deepEqual(f.secretReads, [{ user: 'system:serviceaccount:apps:scanner', groups: [] }]);
    assert.equal(ready(f.written[0])?.reason, 'CredentialsUnavailable');
    assert.equal(f.written[0]?.observedGeneration, undefined);
  });

  it('TLS settings go to the scanner; a bad certSecretRef is InvalidTLSConfig; skip-verify is said in Ready', async () => {
    const f = fakes({ tags: { '1.0.0': null } });
    const seen: unknown[] = [];
    f.ports.scanners = (options) => {
      seen.push(options.tls);
      return fakeScanner({ [IMAGE]: { tags: { '1.0.0': null } } });
    };
    f.ports.readTlsSettings = async (_identity, _namespace, spec) =>
      spec.certSecretRef?.name === 'broken'
        ? { ok: false, message: 'spec.certSecretRef: Secret apps/broken key ca.crt holds no PEM certificate' }
        : {
            ok: true,
            settings: { ca: 'PEM', ...(spec.insecureSkipTLSVerify ? { insecureSkipVerify: true } : {}) },
          };
    await reconciler(f.ports, policy({ certSecretRef: { name: 'broken' } })).reconcile(KEY);
    assert.equal(ready(f.written[0])?.reason, 'InvalidTLSConfig');
    assert.match(ready(f.written[0])?.message ?? '', /Secret apps\/broken key ca\.crt/);
    assert.deepEqual(seen, [], 'no scan without usable TLS settings');
    await reconciler(
      f.ports,
      policy({ certSecretRef: { name: 'ca' }, insecureSkipTLSVerify: true }),
    ).reconcile(KEY);
    assert.deepEqual(seen, [{ ca: 'PEM', insecureSkipVerify: true }]);
    assert.equal(ready(f.written[1])?.status, 'True');
    assert.match(ready(f.written[1])?.message ?? '', /WARNING: spec\.insecureSkipTLSVerify is true/);
  });
});
