import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_READ_LIMITS, ReadBudget, ReadLimitError } from './read-limits.ts';

const limits = {
  ...DEFAULT_READ_LIMITS,
  maxFiles: 3,
  maxFileBytes: 100,
  maxTotalBytes: 250,
  maxDocumentsPerFile: 3,
};

function thrown(fn: () => void): ReadLimitError | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof ReadLimitError) return error;
    throw error;
  }
  return undefined;
}

describe('ReadBudget', () => {
  const documents = [
    { name: 'one document', content: 'a: 1\n', over: false },
    {
      name: 'a leading marker starts the first document',
      content: '---\na: 1\n---\nb: 1\n---\nc: 1\n',
      over: false,
    },
    { name: 'four documents', content: 'a: 1\n---\nb: 1\n--- \nc: 1\n---\n', over: true },
    {
      name: '--- inside a line or a longer dash run is not a marker',
      content: 'a: "x---"\n----\nb: |\n  ---\n',
      over: false,
    },
  ];
  for (const c of documents) {
    test(`documents: ${c.name}`, () => {
      const error = thrown(() => new ReadBudget(limits, '.').countDocuments('f.yaml', c.content));
      assert.equal(error !== undefined, c.over, error?.message);
      if (error) {
        assert.equal(error.code, 'RepositoryTooLarge');
        assert.equal(
          error.message,
          'f.yaml holds 4 YAML documents, over the limit of 3 per file; limit set by --max-manifest-documents',
        );
      }
    });
  }

  test('files, bytes per file and bytes in all, each with the number and the limit', () => {
    assert.equal(
      thrown(() => new ReadBudget(limits, 'apps').countFiles(3)),
      undefined,
    );
    assert.equal(
      thrown(() => new ReadBudget(limits, 'apps').countFiles(4))?.message,
      'apps holds 4 manifest files, over the limit of 3; limit set by --max-manifest-files',
    );
    assert.match(
      thrown(() => new ReadBudget(limits, 'apps').addBytes('apps/a.yaml', 101))?.message ?? '',
      /^apps\/a\.yaml is 101 bytes, over the limit of 100 bytes per manifest file/,
    );
    const budget = new ReadBudget(limits, 'apps');
    budget.addBytes('apps/a.yaml', 100);
    budget.addBytes('apps/b.yaml', 100);
    const error = thrown(() => budget.addBytes('apps/c.yaml', 100));
    assert.equal(error?.limit, 'totalBytes');
    assert.equal(error?.actual, 300);
    assert.equal(error?.max, 250);
  });
});
