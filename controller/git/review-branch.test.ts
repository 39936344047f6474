import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hasAutomationTrailer, withAutomationTrailer } from './review-branch.ts';

describe('automation trailer', () => {
  const cases: { name: string; message: string; expected: string }[] = [
    {
      name: 'subject only',
      message: 'Auto-release a:1',
      expected: 'Auto-release a:1\n\nTagpilot-Automation: true\n',
    },
    {
      name: 'subject and body',
      message: 'Auto-release 2 images\n\n- a:1\n- b:2\n',
      expected: 'Auto-release 2 images\n\n- a:1\n- b:2\n\nTagpilot-Automation: true\n',
    },
    {
      name: 'joins an existing trailer block',
      message: 'Auto-release a:1\n\nSigned-off-by: Bot <bot@example.test>',
      expected: 'Auto-release a:1\n\nSigned-off-by: Bot <bot@example.test>\nTagpilot-Automation: true\n',
    },
    {
      name: 'added once',
      message: 'Auto-release a:1\n\nTagpilot-Automation: true\n',
      expected: 'Auto-release a:1\n\nTagpilot-Automation: true\n',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const marked = withAutomationTrailer(c.message);
      assert.equal(marked, c.expected);
      assert.equal(hasAutomationTrailer(marked), true);
    });
  }

  it('is read only from the last paragraph', () => {
    assert.equal(hasAutomationTrailer('Auto-release a:1'), false);
    assert.equal(
      hasAutomationTrailer('Revert\n\nTagpilot-Automation: true\n\nThis reverts commit abc.'),
      false,
    );
  });
});
