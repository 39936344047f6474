// A changed ImagePolicy wakes only the GitSyncs whose manifests name it, as far as status knows;
// what status does not know for the synced commit is woken (a missed wake-up would delay an update
// by a whole automation interval).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GitSync, GitSyncStatus } from '../api/types.ts';
import { mayReference, referencedPolicies } from './policy-references.ts';

const web = { metadata: { namespace: 'apps', name: 'web' } };
const withStatus = (status?: GitSyncStatus) => ({ status }) as GitSync;

describe('mayReference', () => {
  const cases: [string, GitSyncStatus | undefined, boolean][] = [
    ['never automated', undefined, true],
    [
      'names it at the synced commit',
      { lastSyncedCommit: 'c1', imagePolicyRefs: { commit: 'c1', policies: ['apps/web'] } },
      true,
    ],
    [
      'names others at the synced commit',
      { lastSyncedCommit: 'c1', imagePolicyRefs: { commit: 'c1', policies: ['apps/api'] } },
      false,
    ],
    [
      'names none at the synced commit',
      { lastSyncedCommit: 'c1', imagePolicyRefs: { commit: 'c1', policies: [] } },
      false,
    ],
    [
      'read at an older commit',
      { lastSyncedCommit: 'c2', imagePolicyRefs: { commit: 'c1', policies: [] } },
      true,
    ],
  ];
  for (const [name, status, expected] of cases) {
    it(name, () => assert.equal(mayReference(withStatus(status), web), expected));
  }
});

describe('referencedPolicies', () => {
  it('names the policies of setter markers and policy annotations, once each, sorted', () => {
    const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: apps
  annotations:
    tagpilot.io/automated: "true"
    tagpilot.io/policy.web: web
    tagpilot.io/policy.sidecar: shared/proxy
spec:
  template:
    spec:
      containers:
        - name: web
          image: reg.test/web:1.0.0
        - name: sidecar
          image: reg.test/proxy:1.0.0
`;
    const release = `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: {name: api, namespace: apps}
spec:
  values:
    image: reg.test/api:1.0.0 # {"$imagepolicy": "apps:api"}
    again: reg.test/api:1.0.0 # {"$imagepolicy": "apps:api"}
`;
    assert.deepEqual(
      referencedPolicies([
        { path: 'web.yaml', content: deployment },
        { path: 'api.yaml', content: release },
      ]),
      ['apps/api', 'apps/web', 'shared/proxy'],
    );
  });
});
