/**
 * Benchmark: choose the latest tag among 100,000 synthetic tags, per filter kind (DESIGN §6 target:
 * ≤ 100 ms). Each run parses the policy, filters every tag and chooses; build times for
 * newest-build are prepared beforehand, as the registry cache would hand them in.
 * Run: node_modules/.bin/node test/bench/policy-choose.ts
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

const TAGS = 100_000;
const WARMUP = 3;
const RUNS = 20;
const TARGET_MS = 100;

/** A fixed permutation, so the best tag is not the last one listed. */
const scrambled = (i: number): number => (i * 7919) % TAGS;

interface Scenario {
  readonly name: string;
  readonly policy: AnnotationPolicy | { readonly spec: ImagePolicyRules };
  readonly tags: readonly string[];
  readonly current: string;
  readonly created?: CreatedLookup;
}

function scenarios(): Scenario[] {
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
    },
    { name: 'semver', policy: { filter: 'semver:^2.1' }, tags: semverTags, current: '2.1.0' },
    {
      name: 'regex (version group)',
      policy: { filter: 'regex:^build-(?<version>\\d+)$' },
      tags: buildTags,
      current: 'build-1',
    },
    {
      name: 'regex (newest-build)',
      policy: { filter: 'regex:^develop-' },
      tags: globTags,
      current: 'develop-v1.1',
      created,
    },
    { name: 'numerical', policy: { spec: { policy: { numerical: {} } } }, tags: numberTags, current: '1' },
  ];
}

function runOnce(s: Scenario): string | undefined {
  const parsed = 'spec' in s.policy ? policyFromSpec(s.policy.spec) : policyFromAnnotations(s.policy);
  if (!parsed.ok) throw new Error(`${s.name}: ${parsed.error.message}`);
  const candidates = filterTags(s.tags, parsed.value);
  return chooseLatestTag({ policy: parsed.value, candidates, current: s.current, created: s.created }).tag;
}

function measure(s: Scenario): { times: number[]; winner: string | undefined } {
  let winner: string | undefined;
  for (let i = 0; i < WARMUP; i++) winner = runOnce(s);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    winner = runOnce(s);
    times.push(performance.now() - start);
  }
  return { times: times.sort((a, b) => a - b), winner };
}

const ms = (n: number | undefined): string => (n ?? Number.NaN).toFixed(1).padStart(7);

console.log(
  `choose latest among ${TAGS.toLocaleString('en')} tags, ${RUNS} runs after ${WARMUP} warm-up runs (ms)`,
);
console.log(
  `${'filter'.padEnd(24)} ${'median'.padStart(7)} ${'min'.padStart(7)} ${'max'.padStart(7)}  target  winner`,
);
for (const s of scenarios()) {
  const { times, winner } = measure(s);
  const median = times[Math.floor(times.length / 2)] ?? Number.NaN;
  const verdict = median <= TARGET_MS ? 'ok    ' : 'OVER  ';
  console.log(
    `${s.name.padEnd(24)} ${ms(median)} ${ms(times[0])} ${ms(times.at(-1))}  ${verdict}  ${winner ?? '(none)'}`,
  );
}
