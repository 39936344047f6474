// Registry manners on the real registry (issue 18): a repository of 5,000 tags under `glob:*`
// newest-build. Each scan makes at most the budget of manifest GETs (counted in the registry's
// access log), never chooses a tag older than the current one, and the scans converge to the true
// newest build within ⌈5,000 / budget⌉ scans; a scan with nothing new then makes no manifest or
// config request at all.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { registryScanners } from '../../controller/automation/registry-scanner.ts';
import { scanImage } from '../../controller/automation/scan-image.ts';
import { policyFromAnnotations } from '../../controller/policy/index.ts';
import { RegistryClient } from '../../registry/index.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { requestsBetween, settledRequests } from './helpers.ts';

const BUDGET = 100;
const TAGS = 5_000;
const IMAGES = 50;
const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000);

describe('newest-build budget on a 5,000-tag repository', () => {
  let registry: RegistryStack;
  let client: RegistryClient;
  /** tag -> build time (ms), as pushed: the truth the scans must approach from below. */
  const built = new Map<string, number>();
  let newest = '';

  before(async () => {
    registry = await startRegistry({ auth: 'none' });
    client = new RegistryClient();
    // Ten version tags on the oldest image (read first, by name), then t0000…t4989 in listing
    // order on images built later and later, and the newest build on the very last tag only.
    const names = Array.from({ length: TAGS - 10 }, (_, i) => `t${String(i).padStart(4, '0')}`);
    const groups: string[][] = Array.from({ length: IMAGES }, () => []);
    groups[0]?.push(...Array.from({ length: 10 }, (_, i) => `1.0.${i}`));
    const per = Math.ceil((names.length - 1) / (IMAGES - 1));
    for (const [i, tag] of names.slice(0, -1).entries()) groups[Math.floor(i / per)]?.push(tag);
    newest = names.at(-1) ?? '';
    groups[IMAGES - 1]?.push(newest);
    const started = Date.now();
    for (const [i, tags] of groups.entries()) {
      await registry.push.pushImageTags('many', tags, { created: day(i), labels: { image: String(i) } });
      for (const tag of tags) built.set(tag, day(i).getTime());
    }
    console.log(`# pushed ${built.size} tags of ${IMAGES} images in ${Date.now() - started} ms`);
  });
  after(async () => {
    await client?.close();
    await registry?.stop();
  });

  it('stays within the budget, never goes down, converges, then makes no manifest request', async () => {
    assert.equal(built.size, TAGS);
    const scanner = registryScanners(client, { buildTimeBudget: BUDGET })({});
    const policy = policyFromAnnotations({ filter: 'glob:*' });
    assert.ok(policy.ok);
    const repository = `${registry.host}/many`;
    let current: string | undefined;
    let scans = 0;
    const perScan: string[] = [];
    let scanMs = 0;
    for (let provisional = true; provisional; ) {
      scans++;
      assert.ok(scans <= Math.ceil(TAGS / BUDGET), `not converged after ${scans - 1} scans`);
      const before = await settledRequests(registry);
      const started = performance.now();
      const scan = await scanImage({ scanner, repository, policy: policy.value, current });
      scanMs += performance.now() - started;
      if (scans === 1) console.log(`# first scan: ${Math.round(performance.now() - started)} ms`);
      assert.ok(scan.ok, scan.ok ? '' : scan.message);
      const counts = requestsBetween(before, await settledRequests(registry), 'many');
      perScan.push(`${counts.manifestGets}+${counts.blobGets}`);
      assert.ok(counts.manifestGets <= BUDGET, `scan ${scans}: ${counts.manifestGets} manifest GETs`);
      assert.ok(counts.blobGets <= BUDGET, `scan ${scans}: ${counts.blobGets} blob GETs`);
      const tag = scan.result.tag;
      assert.ok(tag !== undefined, scan.result.message);
      if (current !== undefined)
        assert.ok(
          (built.get(tag) ?? 0) >= (built.get(current) ?? 0),
          `scan ${scans}: ${tag} older than ${current}`,
        );
      current = tag;
      provisional = scan.provisional;
    }
    console.log(
      `# converged in ${scans} scans (${Math.round(scanMs)} ms scanning); manifest+config GETs per scan: ${perScan.join(' ')}`,
    );
    assert.equal(current, newest);
    const before = await settledRequests(registry);
    const again = await scanImage({ scanner, repository, policy: policy.value, current });
    const counts = requestsBetween(before, await settledRequests(registry), 'many');
    assert.ok(again.ok && !again.provisional);
    assert.equal(again.result.tag, newest);
    assert.deepEqual(
      { manifestGets: counts.manifestGets, manifestHeads: counts.manifestHeads, blobGets: counts.blobGets },
      { manifestGets: 0, manifestHeads: 0, blobGets: 0 },
    );
  });
});
