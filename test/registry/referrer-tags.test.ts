// Cosign-style signature, attestation and SBOM tags pushed next to images on the real registry,
// newer than every image: `glob:*` under newest-build never chooses them and reads no build time
// for them, and check-policy's report names them as rejected with the reason.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { registryScanners } from '../../controller/automation/registry-scanner.ts';
import { scanImage } from '../../controller/automation/scan-image.ts';
import { checkPolicy } from '../../controller/cli/policy-report.ts';
import { policyFromAnnotations, policyFromSpec } from '../../controller/policy/index.ts';
import { RegistryClient } from '../../registry/index.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { requestsBetween, settledRequests } from './helpers.ts';

const day = (n: number) => new Date(Date.UTC(2026, 0, n));

describe('signature, attestation and SBOM tags on a real registry', () => {
  let registry: RegistryStack;
  let client: RegistryClient;
  let image: string;
  let referrers: string[];

  before(async () => {
    registry = await startRegistry({ auth: 'none' });
    client = new RegistryClient();
    image = `${registry.host}/signed`;
    const pushed = await registry.push.pushImage('signed', '1.0.0', { created: day(1) });
    const hex = pushed.digest.slice('sha256:'.length);
    referrers = [`sha256-${hex}.sig`, `sha256-${hex}.att`, `sha256-${hex}.sbom`, `sha256-${hex}`];
    for (const [i, tag] of referrers.entries())
      await registry.push.pushImage('signed', tag, { created: day(10 + i), format: 'oci' });
  });
  after(async () => {
    await client?.close();
    await registry?.stop();
  });

  it('glob:* never chooses them and reads no build time for them', async () => {
    const policy = policyFromAnnotations({ filter: 'glob:*' });
    assert.ok(policy.ok);
    const before = await settledRequests(registry);
    const scan = await scanImage({
      scanner: registryScanners(client)({}),
      repository: image,
      policy: policy.value,
    });
    assert.ok(scan.ok);
    assert.equal(scan.tags.length, 5);
    assert.equal(scan.result.tag, '1.0.0', scan.result.message);
    const counts = requestsBetween(before, await settledRequests(registry), 'signed');
    assert.equal(counts.manifestGets, 1, counts.lines.join('\n'));
  });

  it('an ImagePolicy with newestBuild skips them, and referrerTags: Include takes them', async () => {
    const scanner = registryScanners(client)({});
    const excluded = policyFromSpec({ policy: { newestBuild: {} } });
    const included = policyFromSpec({ policy: { newestBuild: {} }, referrerTags: 'Include' });
    assert.ok(excluded.ok && included.ok);
    const a = await scanImage({ scanner, repository: image, policy: excluded.value });
    const b = await scanImage({ scanner, repository: image, policy: included.value });
    assert.ok(a.ok && b.ok);
    assert.equal(a.result.tag, '1.0.0');
    assert.equal(b.result.tag, referrers[3]);
  });

  it('check-policy lists them as rejected, saying why', async () => {
    const report = await checkPolicy(client, { image, filter: 'glob:*', limit: 0 });
    assert.equal(report.result.tag, '1.0.0');
    assert.deepEqual(report.rejected.map((r) => r.tag).sort(), [...referrers].sort());
    for (const rejection of report.rejected) {
      assert.equal(rejection.reason, 'ReferrerTag');
      assert.match(rejection.message, /signature, attestation or SBOM tag .*excluded by default/);
    }
  });
});
