import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { GitSync } from '../api/types.ts';
import { dependencyWait, readyNow } from './dependencies.ts';

function gitsync(
  name: string,
  extra: { dependsOn?: GitSync['spec']['dependsOn']; ready?: string; observed?: number } = {},
): GitSync {
  return {
    apiVersion: 'tagpilot.io/v1alpha1',
    kind: 'GitSync',
    metadata: { name, namespace: 'ops', generation: 2 },
    spec: { url: 'https://git.example/r.git', ...(extra.dependsOn ? { dependsOn: extra.dependsOn } : {}) },
    ...(extra.ready
      ? {
          status: {
            conditions: [
              {
                type: 'Ready',
                status: extra.ready === 'True' ? 'True' : 'False',
                reason: extra.ready === 'True' ? 'Synced' : extra.ready,
                message: '',
                lastTransitionTime: '2026-12-03T00:00:00Z',
                observedGeneration: extra.observed ?? 2,
              },
            ],
          },
        }
      : {}),
  } as GitSync;
}

const lookup =
  (...objects: GitSync[]) =>
  (namespace: string, name: string) =>
    objects.find((o) => o.metadata.namespace === namespace && o.metadata.name === name);

test('no dependsOn, or every dependency Ready for its generation: may sync', () => {
  assert.equal(dependencyWait(gitsync('a'), lookup(), false), undefined);
  const a = gitsync('a', { dependsOn: [{ name: 'ns' }] });
  assert.equal(dependencyWait(a, lookup(gitsync('ns', { ready: 'True' })), false), undefined);
});

test('a dependency that is missing, failing, unsynced or Ready for an older generation holds it', () => {
  const a = gitsync('a', { dependsOn: [{ name: 'ns' }, { name: 'crds', namespace: 'infra' }] });
  const wait = dependencyWait(a, lookup(gitsync('ns', { ready: 'ApplyFailed' })), false);
  assert.equal(wait?.reason, 'DependencyNotReady');
  assert.deepEqual(wait?.waitingFor, ['ops/ns', 'infra/crds']);
  assert.match(wait?.message ?? '', /ops\/ns is not ready: ApplyFailed; infra\/crds not found/);
  assert.match(dependencyWait(a, lookup(gitsync('ns')), false)?.message ?? '', /ops\/ns has not synced yet/);
  assert.equal(readyNow(gitsync('ns', { ready: 'True', observed: 1 })), false);
});

test('itself, or another namespace under --no-cross-namespace-refs, is invalid', () => {
  assert.equal(
    dependencyWait(gitsync('a', { dependsOn: [{ name: 'a' }] }), lookup(), false)?.reason,
    'InvalidDependency',
  );
  const cross = gitsync('a', { dependsOn: [{ name: 'crds', namespace: 'infra' }] });
  assert.equal(dependencyWait(cross, lookup(), true)?.reason, 'InvalidDependency');
  assert.equal(dependencyWait(cross, lookup(), false)?.reason, 'DependencyNotReady');
});
