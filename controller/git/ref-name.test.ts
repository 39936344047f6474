import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { checkBranchName, MAX_REF_COMPONENT, sanitizeRefComponent } from './ref-name.ts';

/** The real judge: git itself. */
function gitAccepts(branch: string): boolean {
  return spawnSync('git', ['check-ref-format', '--branch', branch], { encoding: 'utf8' }).status === 0;
}

const NASTY = [
  'flask',
  'deployment-fluxdemo-flask',
  'apps/flask',
  '..',
  '.hidden',
  'name.lock',
  'a..b',
  'a@{b',
  '@',
  '',
  '-leading',
  'trailing.',
  'trailing-',
  'spaces and\ttabs',
  'ctrl\x01\x7fchars',
  'q?u*e[s]t~i^o:n\\',
  '////',
  'UPPER.case_under',
  'x'.repeat(300),
  `${'y'.repeat(99)}.lock`,
  'ünïcödé-名前',
  '.lock',
  '-.-.-',
];

describe('sanitizeRefComponent', () => {
  const table: { name: string; input: string; expected: string }[] = [
    { name: 'a plain name stays', input: 'flask', expected: 'flask' },
    { name: 'a slash becomes a dash', input: 'apps/flask', expected: 'apps-flask' },
    { name: 'runs of refused characters become one dash', input: 'a: b?*c', expected: 'a-b-c' },
    { name: 'double dots are broken up', input: 'a..b', expected: 'a.b' },
    { name: 'a leading dot goes', input: '.hidden', expected: 'hidden' },
    { name: '.lock loses its dot', input: 'name.lock', expected: 'name-lock' },
    { name: 'nothing left is "image"', input: '..', expected: 'image' },
    { name: '@ alone is "image"', input: '@', expected: 'image' },
    { name: '@{ is broken up', input: 'a@{b', expected: 'a-{b' },
    { name: 'dots and underscores stay', input: 'v1.2_x', expected: 'v1.2_x' },
  ];
  for (const { name, input, expected } of table) {
    it(name, () => assert.equal(sanitizeRefComponent(input), expected));
  }

  it('always gives a component git accepts as a branch, alone and under a prefix', () => {
    for (const input of NASTY) {
      const out = sanitizeRefComponent(input);
      assert.ok(out.length > 0 && out.length <= MAX_REF_COMPONENT, `${JSON.stringify(input)} -> ${out}`);
      assert.ok(!out.includes('/'), out);
      assert.ok(gitAccepts(out), `git refuses ${JSON.stringify(out)} (from ${JSON.stringify(input)})`);
      assert.ok(gitAccepts(`tagpilot/${out}`), `git refuses tagpilot/${out}`);
      assert.equal(checkBranchName(out), undefined, out);
    }
  });

  it('is idempotent', () => {
    for (const input of NASTY) {
      const once = sanitizeRefComponent(input);
      assert.equal(sanitizeRefComponent(once), once);
    }
  });
});

describe('checkBranchName agrees with git check-ref-format --branch', () => {
  const names = [
    ...NASTY,
    'tagpilot/flask',
    'tagpilot//flask',
    '/tagpilot',
    'tagpilot/',
    'tagpilot/.x',
    'tagpilot/x.lock',
    'tagpilot/x.lock/y',
    'feature/a-b_c.d',
  ];
  // `@` alone: git's --branch reads it as HEAD's shorthand; tagpilot refuses it (stricter, on purpose).
  for (const name of names.filter((n) => n !== '@')) {
    it(JSON.stringify(name).slice(0, 60), () => {
      assert.equal(checkBranchName(name) === undefined, gitAccepts(name), checkBranchName(name) ?? 'valid');
    });
  }
});
