// The check-policy stopgap (scripts/check-policy.ts) against a real registry: the policy engine's
// choice over listed tags, build times fetched for candidates only and per platform, and the
// command's output and exit codes.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { RegistryClient, staticCredentials } from '../../registry/index.ts';
import { checkPolicy, formatReport } from '../../scripts/check-policy.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { requestsBetween, settledRequests } from './helpers.ts';

const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'check-policy.ts');
const day = (n: number) => new Date(Date.UTC(2026, 0, n));

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [SCRIPT, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('check-policy against a real registry', () => {
  let registry: RegistryStack;
  let client: RegistryClient;
  let credentials: ReturnType<typeof staticCredentials>;

  before(async () => {
    registry = await startRegistry({ auth: 'basic' });
    for (const tag of ['1.0.0', '1.2.0', '1.10.0', '2.0.0', '1.11.0-rc.1', 'latest']) {
      await registry.push.pushImage('app', tag, { labels: { tag } });
    }
    await registry.push.pushIndex('multi', 'build-a', [
      { architecture: 'amd64', created: day(2) },
      { architecture: 'arm64', created: day(20) },
    ]);
    await registry.push.pushIndex('multi', 'build-b', [
      { architecture: 'amd64', created: day(10) },
      { architecture: 'arm64', created: day(11) },
    ]);
    await registry.push.pushImage('multi', 'other', { created: day(30) });
    credentials = staticCredentials(registry.host, {
      username: registry.username,
      password: registry.password,
    });
    client = new RegistryClient({ credentials });
  });
  after(async () => {
    await client?.close();
    await registry?.stop();
  });

  it('semver:^1 ranks 1.x releases highest first and picks 1.10.0 (not 1.2.0, not the pre-release)', async () => {
    const report = await checkPolicy(client, { image: `${registry.host}/app`, filter: 'semver:^1' });
    assert.deepEqual(
      report.ranked.map((t) => t.tag),
      ['1.10.0', '1.2.0', '1.0.0'],
    );
    assert.equal(report.tagCount, 6);
    assert.equal(report.result.tag, '1.10.0');
    assert.equal(report.result.reason, 'NoCurrentTag');
    const text = formatReport(report).join('\n');
    assert.match(text, /candidates, best first:\n {2}1\. 1\.10\.0\n {2}2\. 1\.2\.0\n {2}3\. 1\.0\.0\n/);
    assert.match(text, /winner: {5}1\.10\.0 \(NoCurrentTag, update\)/);
  });

  it('a current tag on the image reference is honoured: up to date means no update', async () => {
    const report = await checkPolicy(client, { image: `${registry.host}/app:1.10.0`, filter: 'semver:^1' });
    assert.equal(report.result.reason, 'UpToDate');
    assert.equal(report.result.update, false);
  });

  it('newest-build fetches build times for candidates only, and for the requested platform', async () => {
    const start = await settledRequests(registry);
    const amd64 = await checkPolicy(client, { image: `${registry.host}/multi`, filter: 'glob:build-*' });
    const made = requestsBetween(start, await settledRequests(registry), 'multi');
    assert.equal(amd64.result.tag, 'build-b');
    assert.deepEqual(
      amd64.ranked.map((t) => [t.tag, t.created]),
      [
        ['build-b', day(10)],
        ['build-a', day(2)],
      ],
    );
    assert.ok(!made.lines.some((line) => line.includes('/manifests/other')), made.lines.join('\n'));
    const arm64 = await checkPolicy(client, {
      image: `${registry.host}/multi`,
      filter: 'glob:build-*',
      platform: 'linux/arm64',
    });
    assert.equal(arm64.result.tag, 'build-a');
  });

  it('the command prints the candidates and the winner, exit 0', async () => {
    const { code, stdout } = await run([
      '--image',
      `${registry.host}/app`,
      '--filter',
      'semver:^1',
      '--current',
      '1.2.0',
      '--username',
      registry.username,
      '--password',
      registry.password,
    ]);
    assert.equal(code, 0);
    assert.match(stdout, /filter: {5}semver:\^1 \(semver, highest first\)/);
    assert.match(stdout, /tags: {7}6 listed, 3 candidates/);
    assert.match(
      stdout,
      /winner: {5}1\.10\.0 \(Newer, update\): "1\.10\.0" \(1\.10\.0\) ranks above current "1\.2\.0"/,
    );
  });

  it('exit 1 when no tag qualifies', async () => {
    const { code, stdout } = await run([
      '--image',
      `${registry.host}/app`,
      '--filter',
      'semver:^9',
      '--username',
      registry.username,
      '--password',
      registry.password,
    ]);
    assert.equal(code, 1);
    assert.match(stdout, /winner: {5}none \(NoMatchingTag\): no tag matches semver:\^9/);
  });

  it('exit 2 with a clear message for a bad filter, bad credentials or a missing image', async () => {
    const badFilter = await run(['--image', `${registry.host}/app`, '--filter', 'semver:>>1']);
    assert.equal(badFilter.code, 2);
    assert.match(badFilter.stderr, /^check-policy: .*semver/);
    const badPassword = await run([
      '--image',
      `${registry.host}/app`,
      '--username',
      registry.username,
      '--password',
      'nope-nope',
    ]);
    assert.equal(badPassword.code, 2);
    assert.match(badPassword.stderr, /^check-policy: UNAUTHORIZED: .*rejected the credentials/);
    assert.doesNotMatch(badPassword.stderr, /nope-nope/);
    const missing = await run(['--filter', 'glob:*']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--image is required/);
  });
});
