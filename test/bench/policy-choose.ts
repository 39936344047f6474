/**
 * Scenario `choose-latest`: choose the latest tag among 100,000 synthetic tags, per filter kind
 * (DESIGN §6 target: ≤ 100 ms; no peer). Each run parses the policy, filters every tag and chooses;
 * build times for newest-build are prepared beforehand, as the registry cache would hand them in.
 * No servers. Run: npm run bench -- --only choose-latest
 */
import {
  type AnnotationPolicy,
  type CreatedLookup,
  chooseLatestTag,
  filterTags,
  type ImagePolicyRules,
  policyFromAnnotations,
  policyFromSpec,
} from '../../controller/policy/index.ts';
import { expectEqual, type Row, type Scenario, summarize, time } from './harness.ts';

const TAGS = 100_000;
const WARMUP = 3;
const RUNS = 20;
const TARGET_MS = 100;

/** A fixed permutation, so the best tag is not the last one listed. */
const scrambled = (i: number): number => (i * 7919) % TAGS;

interface Case {
  readonly name: string;
  readonly policy: AnnotationPolicy | { readonly spec: ImagePolicyRules };
  readonly tags: readonly string[];
  readonly current: string;
  readonly created?: CreatedLookup;
  /** The tag a correct choice returns. */
  readonly expected: string;
}

function cases(): Case[] {
  const globTags = Array.from({ length: TAGS }, (_, i) => (i % 4 === 0 ? `main-${i}` : `develop-v1.${i}`));
  const created = new Map(
    globTags.map((tag, i) => [tag, new Date(Date.UTC(2024, 0, 1) + scrambled(i) * 1000)]),
  );
  const semverTags = Array.from({ length: TAGS }, (_, i) => {
    const n = scrambled(i);
    return `${i % 2 ? 'v' : ''}${n % 4}.${Math.floor(n / 4) % 50}.${Math.floor(n / 200)}${n % 5 === 0 ? '-rc.1' : ''}`;
  });
  const buildTags = Array.from({ length: TAGS }, (_, i) =>
    i % 3 === 0 ? `pr-${i}` : `build-${scrambled(i)}`,
  );
  const numberTags = Array.from({ length: TAGS }, (_, i) =>
    i % 10 === 0 ? `sha-${i}` : String(scrambled(i)),
  );
  return [
    {
      name: 'glob (newest-build)',
      policy: { filter: 'glob:develop-*' },
      tags: globTags,
      current: 'develop-v1.1',
      created,
      expected: 'develop-v1.82321',
    },
    {
      name: 'semver',
      policy: { filter: 'semver:^2.1' },
      tags: semverTags,
      current: '2.1.0',
      expected: '2.49.499',
    },
    {
      name: 'regex (version group)',
      policy: { filter: 'regex:^build-(?<version>\\d+)$' },
      tags: buildTags,
      current: 'build-1',
      expected: 'build-99999',
    },
    {
      name: 'regex (newest-build)',
      policy: { filter: 'regex:^develop-' },
      tags: globTags,
      current: 'develop-v1.1',
      created,
      expected: 'develop-v1.82321',
    },
    {
      name: 'numerical',
      policy: { spec: { policy: { numerical: {} } } },
      tags: numberTags,
      current: '1',
      expected: '99999',
    },
  ];
}

function runOnce(c: Case): string | undefined {
  const parsed = 'spec' in c.policy ? policyFromSpec(c.policy.spec) : policyFromAnnotations(c.policy);
  if (!parsed.ok) throw new Error(`${c.name}: ${parsed.error.message}`);
  const candidates = filterTags(c.tags, parsed.value);
  return chooseLatestTag({ policy: parsed.value, candidates, current: c.current, created: c.created }).tag;
}

/** The `choose-latest` scenario: one row per filter kind. */
export const chooseLatestScenario: Scenario = {
  id: 'choose-latest',
  title: `choose the latest among ${TAGS.toLocaleString('en')} tags per filter kind (no servers)`,
  async run(context) {
    const runs = context.runs(RUNS);
    const warmup = context.warmup(WARMUP);
    const rows: Row[] = [];
    for (const c of cases()) {
      for (let i = 0; i < warmup; i++) runOnce(c);
      const values: number[] = [];
      const cpu: number[] = [];
      for (let i = 0; i < runs; i++) {
        let winner: string | undefined;
        const cpuBefore = process.cpuUsage();
        values.push(
          await time(() => {
            winner = runOnce(c);
          }),
        );
        const used = process.cpuUsage(cpuBefore);
        cpu.push((used.user + used.system) / 1000);
        expectEqual(`${c.name} winner`, winner, c.expected);
      }
      rows.push({
        scenario: this.id,
        label: `choose latest of 100k: ${c.name}`,
        unit: 'ms',
        ours: { name: 'chooseLatestTag', values },
        target: { text: `≤ ${TARGET_MS} ms`, maxValue: TARGET_MS },
        // CPU time separates the work from waiting for a core on a loaded machine.
        note: `CPU time median ${summarize(cpu).median.toFixed(1)} ms (all threads, GC included)`,
      });
    }
    return rows;
  },
};
