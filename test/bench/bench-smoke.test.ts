// Keeps `npm run bench` from rotting without putting timings into CI: the runner runs the one
// scenario that needs no servers, once, and must print its rows and write the raw runs. The
// verdicts are not asserted (timings on a shared CI machine are not a test).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { makeTempDir, removeTempDir } from '../support/processes.ts';
import { type ObjectsPoint, scaleObjectsRows } from './scale-curves.ts';
import { formatTable } from './table.ts';

const exec = promisify(execFile);
const runner = join(import.meta.dirname, 'run.ts');

describe('bench runner', () => {
  it('runs choose-latest once: a table row per filter kind and the raw runs in JSON', async () => {
    const dir = makeTempDir('bench-smoke');
    try {
      const output = join(dir, 'bench-results.json');
      const { stdout } = await exec(
        process.execPath,
        [runner, '--only', 'choose-latest', '--runs', '1', '--warmup', '0', '--output', output],
        { timeout: 60_000 },
      );
      for (const kind of ['glob (newest-build)', 'semver', 'regex (version group)', 'numerical']) {
        assert.match(
          stdout,
          new RegExp(`choose latest of 100k: ${kind.replace(/[()]/g, '\\$&')} +\\| +[\\d.]+ ms`),
        );
      }
      const results = JSON.parse(readFileSync(output, 'utf8')) as {
        rows: { scenario: string; ours: { values: number[] }; verdict: string }[];
      };
      assert.equal(results.rows.length, 5);
      for (const row of results.rows) {
        assert.equal(row.scenario, 'choose-latest');
        assert.equal(row.ours.values.length, 1);
        assert.ok(row.ours.values.every((ms) => ms > 0));
        assert.match(row.verdict, /^(ok|MISS)$/);
      }
    } finally {
      removeTempDir(dir);
    }
  });

  it('lists every scenario: each module loads and names itself (the flux scenario among them)', async () => {
    const { stdout } = await exec(process.execPath, [runner, '--list'], { timeout: 60_000 });
    assert.match(stdout, /^flux +tagpilot GitSync vs Flux GitRepository \+ Kustomization/m);
    assert.match(stdout, /^apply +first apply/m);
  });

  it('prints the flux rows as not measured, with the reason, where Flux is not built', async () => {
    const dir = makeTempDir('bench-smoke-flux');
    try {
      const output = join(dir, 'bench-results.json');
      // An empty binary cache: the scenario must say what is missing before it starts any server.
      const { stdout } = await exec(process.execPath, [runner, '--only', 'flux', '--output', output], {
        timeout: 60_000,
        env: { ...process.env, TAGPILOT_CACHE: dir },
      });
      assert.match(stdout, /vs Flux: first apply, 1,000 objects +\| +source-controller not built/);
      const results = JSON.parse(readFileSync(output, 'utf8')) as {
        rows: { scenario: string; verdict: string }[];
      };
      assert.equal(results.rows.length, 7);
      assert.ok(results.rows.every((row) => row.scenario === 'flux' && row.verdict === 'n/a'));
    } finally {
      removeTempDir(dir);
    }
  });

  it('puts Flux next to tagpilot at every size of the object curve, with growth rows for both', () => {
    const point = (objects: number, k: number): ObjectsPoint => ({
      objects,
      firstApplyMs: 10 * objects,
      firstApplyRequests: objects + 30,
      resyncMs: objects,
      resyncRequests: 20 * k,
      resyncWrites: 0,
      resyncCpuSeconds: 0.3 * k,
      idleRss: 100,
      rss: 100 + 0.03 * objects,
      flux: {
        firstApplyMs: 40 * objects,
        firstApplyRequests: 2 * objects,
        noop: { ms: 3 * objects, requests: 2 * objects, cpuMs: [50 * k, 900 * k] },
        idleRssMb: 60,
        rssMb: 60 + 0.1 * objects,
        rssParts: [40, 20 + 0.1 * objects],
        versions: 'source-controller v1, kustomize-controller v1',
      },
    });
    const rows = scaleObjectsRows('scale-objects', [point(1_000, 1), point(2_000, 2)]);
    const table = formatTable(rows);
    assert.match(table, /first apply, 1,000 objects +\| +10000 ms .*\| Flux +\| +40000 ms .*\| 0\.25×/);
    assert.match(
      table,
      /controller RSS, 2,000 objects +\| +160 MB .*\| source- \+ kustomize-controller \| +260 MB/,
    );
    assert.match(table, /first apply time per unit, 1,000 → 2,000 +\| +1\.00× .*\| Flux +\| +1\.00×/);
    assert.equal(rows.filter((row) => row.label.includes('per unit')).length, 6);
    assert.ok(rows.every((row) => row.peer !== undefined));

    const tagpilotOnly = (objects: number): ObjectsPoint => {
      const { flux: _, ...rest } = point(objects, 1);
      return rest;
    };
    const leftOut = scaleObjectsRows(
      'scale-objects',
      [tagpilotOnly(1_000), tagpilotOnly(2_000)],
      'not built',
    );
    assert.match(formatTable(leftOut), /vs Flux: 2,000 objects +\| not built/);
    assert.ok(leftOut.every((row) => row.peer === undefined));
  });
});
