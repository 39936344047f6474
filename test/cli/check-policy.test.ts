// `tagpilot check-policy` against a real registry (Basic auth), run as a user runs it, and the
// usage errors that need no cluster: wrong flags, a bad kubeconfig, an unreachable API server.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CheckPolicyReport } from '../../controller/cli/policy-report.ts';
import { freePort, makeTempDir, removeTempDir } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';
import { type CliResult, cli, json } from './run-cli.ts';

describe('tagpilot check-policy against a real registry', () => {
  let registry: RegistryStack;
  let dir: string;
  let tagpilot: (args: string[]) => Promise<CliResult>;
  let auth: string[];

  before(async () => {
    registry = await startRegistry({ auth: 'basic' });
    for (const tag of ['1.0.0', '1.2.0', '1.10.0', '2.0.0', '1.11.0-rc.1', 'latest']) {
      await registry.push.pushImage('app', tag, { created: '2026-01-01T00:00:00Z' });
    }
    await registry.push.pushImage('app', 'develop-v1.8.0', { created: '2026-01-10T00:00:00Z' });
    // Sorts after 1.8.0 by name, but was built earlier: newest-build ordering must not pick it.
    await registry.push.pushImage('app', 'develop-v1.9.0', { created: '2026-01-05T00:00:00Z' });
    dir = makeTempDir('cli-check-policy');
    tagpilot = cli({ cacheHome: dir });
    auth = [`--username=${registry.username}`, `--password=${registry.password}`];
  });
  after(async () => {
    await registry?.stop();
    if (dir) removeTempDir(dir);
  });

  it('semver: ranks 1.x highest first, explains every loser and rejected tag, and picks 1.10.0 (exit 0)', async () => {
    const image = `${registry.host}/app`;
    const table = await tagpilot([
      'check-policy',
      `--image=${image}`,
      '--filter=semver:^1',
      '--current=1.2.0',
      ...auth,
    ]);
    assert.equal(table.code, 0, table.stderr);
    assert.equal(table.stderr, '', 'no progress display or warnings when piped');
    assert.match(table.stdout, /^ {2}1\. +1\.10\.0 +winner$/m);
    assert.match(table.stdout, /^ {2}2\. +1\.2\.0 +ranks below "1\.10\.0"/m);
    assert.match(table.stdout, /^ {2}2\.0\.0 +"2\.0\.0" is outside semver range "\^1"$/m);
    assert.match(table.stdout, /^winner: +1\.10\.0 \(Newer, update\)/m);

    const report = json<CheckPolicyReport>(
      await tagpilot(['check-policy', `--image=${image}:1.2.0`, '--filter=semver:^1', '-o', 'json', ...auth]),
    );
    assert.deepEqual(
      report.candidates.map((c) => [c.tag, c.reason]),
      [
        ['1.10.0', 'Best'],
        ['1.2.0', 'Older'],
        ['1.0.0', 'Older'],
      ],
    );
    assert.equal(report.tagCount, 8);
    assert.equal(report.rejected.find((r) => r.tag === '1.11.0-rc.1')?.reason, 'OutOfRange');
    assert.equal(report.rejected.find((r) => r.tag === 'latest')?.reason, 'Latest');
    assert.equal(report.current?.tag, '1.2.0', 'the tag on --image is the current tag');
    assert.deepEqual(
      [report.result.tag, report.result.update, report.result.reason],
      ['1.10.0', true, 'Newer'],
    );
  });

  it('glob: orders by build time, not by name, and stays on the newest build (YAML output)', async () => {
    const result = await tagpilot([
      'check-policy',
      `--image=${registry.host}/app`,
      '--filter=glob:develop-v*',
      '--current=develop-v1.8.0',
      '-o',
      'yaml',
      ...auth,
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^ordering: newest build first$/m);
    assert.match(
      result.stdout,
      /tag: develop-v1\.8\.0\n\s+value: develop-v1\.8\.0\n\s+created: 2026-01-10T00:00:00\.000Z\n\s+reason: Best/,
    );
    assert.match(result.stdout, /^ {2}tag: develop-v1\.8\.0\n {2}update: false\n {2}reason: UpToDate$/m);
  });

  it('--build-time-budget leaves a provisional winner, --explain-requests counts the requests, cosign tags are rejected', async () => {
    for (let i = 0; i < 6; i++)
      await registry.push.pushImage('budget', `b${i}`, { created: new Date(Date.UTC(2026, 1, 1 + i)) });
    await registry.push.pushImage('budget', 'sha256-0123.sig', { created: '2026-03-01T00:00:00Z' });
    const args = [
      'check-policy',
      `--image=${registry.host}/budget`,
      '--build-time-budget=2',
      '--explain-requests',
    ];
    const report = json<CheckPolicyReport>(await tagpilot([...args, '-o', 'json', ...auth]));
    assert.equal(report.provisional, true);
    assert.equal(report.buildTimesPending, 4);
    assert.equal(report.result.tag, 'b1', 'the best of the two read, in listing order');
    assert.equal(report.rejected[0]?.reason, 'ReferrerTag');
    assert.equal(report.requests?.byKind.manifest, 2, JSON.stringify(report.requests));
    assert.equal(report.requests?.byKind.blob, 2);
    assert.equal(report.requests?.byKind.head, 0);
    const k = report.requests?.byKind;
    assert.equal(report.requests?.total, k && k.list + k.head + k.manifest + k.blob + k.other);

    const table = await tagpilot([...args, ...auth]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^provisional: the build times of 4 candidates were not read/m);
    assert.match(
      table.stdout,
      /^requests: +\d+ \(tag lists \d+, manifest HEADs 0, manifest GETs 2, blob GETs 2, other \d+\)$/m,
    );
    assert.match(
      table.stdout,
      /^ {2}sha256-0123\.sig +a signature, attestation or SBOM tag \("\*\.sig"\), excluded by default/m,
    );

    const all = json<CheckPolicyReport>(
      await tagpilot([
        'check-policy',
        `--image=${registry.host}/budget`,
        '--build-time-budget=0',
        '-o',
        'json',
        ...auth,
      ]),
    );
    assert.equal(all.provisional, false);
    assert.equal(all.result.tag, 'b5');
    assert.equal(all.requests, undefined, 'requests are reported only when asked');
  });

  it('no tag qualifies: exit 1 with the reason; a bad filter or missing --image: exit 2; no credentials: exit 3', async () => {
    const none = await tagpilot([
      'check-policy',
      `--image=${registry.host}/app`,
      '--filter=semver:^5',
      ...auth,
    ]);
    assert.equal(none.code, 1);
    assert.match(none.stdout, /^winner: +none \(NoMatchingTag\): no tag matches semver:\^5$/m);

    const badFilter = await tagpilot(['check-policy', `--image=${registry.host}/app`, '--filter=semver:^^1']);
    assert.equal(badFilter.code, 2);
    assert.match(badFilter.stderr, /^tagpilot check-policy: invalid semver range "\^\^1"/m);

    const noImage = await tagpilot(['check-policy', '--filter=glob:*']);
    assert.equal(noImage.code, 2);
    assert.match(noImage.stderr, /required option '--image <repo>' not specified/);

    const halfCredentials = await tagpilot(['check-policy', `--image=${registry.host}/app`, '--username=x']);
    assert.equal(halfCredentials.code, 2);
    assert.match(halfCredentials.stderr, /--username and --password go together/);

    const anonymous = await tagpilot(['check-policy', `--image=${registry.host}/app`, '--filter=semver:^1']);
    assert.equal(anonymous.code, 3);
    assert.match(anonymous.stderr, /^tagpilot check-policy: registry UNAUTHORIZED: .*requires credentials/m);
    assert.equal(anonymous.stdout, '');
  });
});

describe('tagpilot usage errors without a cluster', () => {
  let dir: string;
  let tagpilot: (args: string[]) => Promise<CliResult>;

  before(() => {
    dir = makeTempDir('cli-usage');
    tagpilot = cli({ cacheHome: dir });
  });
  after(() => removeTempDir(dir));

  it('wrong flags, commands and values exit 2 with the reason; --help exits 0', async () => {
    const cases: [string[], RegExp][] = [
      [['status', '--bogus'], /unknown option '--bogus'/],
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['status', '-o', 'xml'], /argument 'xml' is invalid. Allowed choices are table, json, yaml/],
      [['lock'], /required option '--workload <ns:kind\/name>' not specified/],
      [['automate', '--workload=fluxdemo'], /--workload "fluxdemo": expected namespace:kind\/name/],
      [['policy', '--workload=a:deployment/b', '--tag=flask'], /--tag flask: expected CONTAINER=FILTER/],
      [
        ['release', '--workload=a:deployment/b', '--update-image=app'],
        /--update-image app: expected REPOSITORY:TAG/,
      ],
      [
        ['lock', '--workload=a:deployment/b', '--author=nobody'],
        /--author "nobody": expected "Name <email>"/,
      ],
      [['list-images', '--limit=-1'], /option '--limit <n>' argument '-1' is invalid/],
    ];
    for (const [args, message] of cases) {
      const result = await tagpilot(args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
    }
    const help = await tagpilot(['list-images', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--workload <ns:kind\/name>/);
  });

  it('a missing kubeconfig or context exits 2; an unreachable API server exits 3', async () => {
    const missing = await tagpilot(['status', `--kubeconfig=${join(dir, 'nope')}`]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^tagpilot status: cannot load .*nope: ENOENT/m);

    const port = await freePort();
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters: [{name: gone, cluster: {server: 'https://127.0.0.1:${port}', insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: gone, context: {cluster: gone, user: u}}]
current-context: gone
`,
    );
    const context = await tagpilot(['status', `--kubeconfig=${kubeconfig}`, '--context=prod']);
    assert.equal(context.code, 2);
    assert.match(context.stderr, /no context "prod" in the kubeconfig \(contexts: gone\)/);

    for (const args of [
      ['status'],
      ['sync', 'flux-demo'],
      ['lock', '--workload=my-demo:deployment/fluxdemo'],
    ]) {
      const result = await tagpilot([...args, `--kubeconfig=${kubeconfig}`]);
      assert.equal(result.code, 3, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /cannot reach the Kubernetes API server: .*ECONNREFUSED/, args.join(' '));
    }
  });
});
