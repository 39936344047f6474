// Promise 3 (exact values), one row per YAML type: a `:tag` marker written with a tag that YAML 1.2
// (core schema), YAML 1.1 (what kubectl's and Helm's go-yaml read) or go-yaml's own resolver would
// read as anything but that string is quoted, whatever the old scalar's style; a tag that reads
// back as itself keeps the old style.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { applyImageUpdates } from './apply-image-updates.ts';
import type { ImageUpdate } from './types.ts';

const MARKER = '# {"$imagepolicy": "apps:app:tag"}';

/** [YAML type, new tag, how it is written over a plain scalar (`tag: 1.9` or `tag: develop`)]. */
const ROWS: Array<[string, string, string]> = [
  ['int, decimal', '10', '"10"'],
  ['int, decimal with sign', '-1', '"-1"'],
  ['int, date-like digits', '20240101', '"20240101"'],
  ['int, octal (YAML 1.1)', '017', '"017"'],
  ['int, octal (YAML 1.2)', '0o17', '"0o17"'],
  ['int, octal with capital O (go-yaml)', '0O17', '"0O17"'],
  ['int, hex', '0x1F', '"0x1F"'],
  ['int, hex with capital X (go-yaml)', '0X1F', '"0X1F"'],
  ['int, hex with sign (YAML 1.1)', '-0x1F', '"-0x1F"'],
  ['int, binary (YAML 1.1)', '0b101', '"0b101"'],
  ['int, underscores (YAML 1.1)', '1_000', '"1_000"'],
  ['int, trailing underscore (YAML 1.1)', '1_', '"1_"'],
  ['int, underscore before the base prefix (go-yaml)', '0_x1', '"0_x1"'],
  ['float, 1.10 reads as 1.1', '1.10', '"1.10"'],
  ['float, trailing dot', '1.', '"1."'],
  ['float, leading dot', '.5', '".5"'],
  ['float, exponent', '1e3', '"1e3"'],
  ['float, underscores (YAML 1.1)', '1_0.5', '"1_0.5"'],
  ['float, a lone dot (YAML 1.1)', '.', '"."'],
  ['float, .inf', '.inf', '".inf"'],
  ['float, -.Inf', '-.Inf', '"-.Inf"'],
  ['float, .nan', '.nan', '".nan"'],
  ['float, .NaN', '.NaN', '".NaN"'],
  ['bool, YAML 1.2 true', 'true', '"true"'],
  ['bool, YAML 1.2 False', 'False', '"False"'],
  ['bool, YAML 1.1 yes', 'yes', '"yes"'],
  ['bool, YAML 1.1 no', 'no', '"no"'],
  ['bool, YAML 1.1 on', 'on', '"on"'],
  ['bool, YAML 1.1 OFF', 'OFF', '"OFF"'],
  ['bool, YAML 1.1 y', 'y', '"y"'],
  ['bool, YAML 1.1 N', 'N', '"N"'],
  ['null, ~', '~', '"~"'],
  ['null, null', 'null', '"null"'],
  ['null, Null', 'Null', '"Null"'],
  ['null, NULL', 'NULL', '"NULL"'],
  ['timestamp, date', '2024-01-01', '"2024-01-01"'],
  ['timestamp, short date', '2024-1-1', '"2024-1-1"'],
  ['timestamp, date and time', '2024-01-01T10:00:00Z', '"2024-01-01T10:00:00Z"'],
  ['sexagesimal int (YAML 1.1)', '1:20', '"1:20"'],
  ['sexagesimal float (YAML 1.1)', '190:20:30.15', '"190:20:30.15"'],
  ['merge key (YAML 1.1)', '<<', '"<<"'],
  ['string, semver', '1.9.0', '1.9.0'],
  ['string, branch and version', 'develop-v1.9.0', 'develop-v1.9.0'],
  ['string, v-prefixed', 'v1.10', 'v1.10'],
  ['string, a number with a suffix', '1.10-alpine', '1.10-alpine'],
  ['string, a date with a suffix', '2024-01-01-abc', '2024-01-01-abc'],
  ['string, nan without the dot', 'nan', 'nan'],
  ['string, latest', 'latest', 'latest'],
  ['string, underscore first', '_1', '_1'],
];

/** [old scalar as written, how any tag is written over it when the old scalar is quoted]. */
const OLD_STYLES: Array<[string, (tag: string) => string]> = [
  ['1.9', () => ''],
  ['develop', () => ''],
  ["'1.9'", (tag) => `'${tag}'`],
  ['"1.9"', (tag) => `"${tag}"`],
];

function update(tag: string): ImageUpdate {
  return {
    target: { type: 'marker', policy: { namespace: 'apps', name: 'app' } },
    image: { repo: 'r', tag },
  };
}

function valuesFile(scalar: string): string {
  return `# Helm values\nimage:\n  repository: r\n  tag: ${scalar} ${MARKER}\n  pullPolicy: IfNotPresent\n`;
}

describe('exact values: one row per YAML type', () => {
  for (const [type, tag, plain] of ROWS) {
    test(`${type}: ${tag} is written as ${plain}`, () => {
      for (const [old, quoted] of OLD_STYLES) {
        const oldIsPlain = !old.startsWith("'") && !old.startsWith('"');
        const expected = oldIsPlain ? plain : quoted(tag);
        const content = valuesFile(old);
        const result = applyImageUpdates([{ path: 'values.yaml', content }], [update(tag)]);
        assert.deepEqual(result.unapplied, []);
        const written = result.files[0]?.content;
        assert.equal(written, valuesFile(expected), `over ${old}`);
        for (const version of ['1.2', '1.1'] as const) {
          const values = parse(written ?? '', { version }) as { image: { tag: unknown } };
          assert.equal(values.image.tag, tag, `YAML ${version} reads back the tag (over ${old})`);
        }
      }
    });
  }
});
