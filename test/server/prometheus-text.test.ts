// The test's own Prometheus parser must refuse what a scraper refuses, or the /metrics test could
// pass on broken output.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseExposition, sumOf } from './prometheus-text.ts';

describe('parseExposition', () => {
  it('reads families, labels with escapes and histogram samples', () => {
    const exposition = parseExposition(
      [
        '# HELP jobs_total Jobs done.',
        '# TYPE jobs_total counter',
        'jobs_total{kind="a",note="say \\"hi\\"\\n"} 3',
        'jobs_total{kind="b"} 4',
        '# TYPE latency_seconds histogram',
        'latency_seconds_bucket{le="+Inf"} 2',
        'latency_seconds_sum 0.5',
        'latency_seconds_count 2',
        '',
      ].join('\n'),
    );
    assert.deepEqual(exposition.families.get('jobs_total'), { type: 'counter', help: 'Jobs done.' });
    assert.equal(exposition.samples[0]?.labels.note, 'say "hi"\n');
    assert.equal(sumOf(exposition, 'jobs_total'), 7);
    assert.equal(sumOf(exposition, 'jobs_total', { kind: 'b' }), 4);
    assert.equal(sumOf(exposition, 'latency_seconds_count'), 2);
  });

  it('reads NaN and Inf in any letter case, as Prometheus does', () => {
    const exposition = parseExposition('# TYPE g gauge\ng{a="1"} Nan\ng{a="2"} +Inf\ng{a="3"} -inf\n');
    assert.deepEqual(
      exposition.samples.map((sample) => sample.value),
      [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
    );
  });

  const broken: [string, string][] = [
    ['a sample without TYPE', 'orphan 1'],
    ['a value that is not a number', '# TYPE x gauge\nx one'],
    ['unterminated labels', '# TYPE x gauge\nx{a="b} 1'],
    ['a label twice', '# TYPE x gauge\nx{a="1",a="2"} 1'],
    ['a histogram sample without suffix', '# TYPE h histogram\nh 1'],
    ['two TYPE lines', '# TYPE x gauge\n# TYPE x gauge'],
  ];
  for (const [name, text] of broken) {
    it(`refuses ${name}`, () => assert.throws(() => parseExposition(text)));
  }
});
