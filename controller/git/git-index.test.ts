import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { encodeIndex } from './git-index.ts';

const oid = (n: number) => n.toString(16).padStart(40, '0');

describe('encodeIndex', () => {
  const index = encodeIndex([
    { path: 'b.yaml', mode: '100644', oid: oid(2), stat: undefined, size: 7 },
    { path: 'a/x.yaml', mode: '100755', oid: oid(1), stat: undefined, size: 3 },
    { path: 'a.yaml', mode: '100644', oid: oid(3), stat: undefined, size: 0 },
  ]);

  it('writes a version 2 header with the entry count and a SHA-1 trailer', () => {
    assert.equal(index.subarray(0, 4).toString('latin1'), 'DIRC');
    assert.equal(index.readUInt32BE(4), 2);
    assert.equal(index.readUInt32BE(8), 3);
    const body = index.subarray(0, index.length - 20);
    assert.deepEqual(index.subarray(index.length - 20), createHash('sha1').update(body).digest());
  });

  it('sorts entries by path bytes and pads each to a multiple of 8 with at least one NUL', () => {
    const paths: string[] = [];
    let offset = 12;
    while (offset < index.length - 20) {
      const nameLength = index.readUInt16BE(offset + 60) & 0xfff;
      const name = index.subarray(offset + 62, offset + 62 + nameLength).toString('utf8');
      paths.push(name);
      const size = Math.floor((62 + nameLength + 8) / 8) * 8;
      assert.equal(index[offset + 62 + nameLength], 0, `${name} is NUL-terminated`);
      if (name === 'a/x.yaml') {
        assert.equal(index.readUInt32BE(offset + 24), 0o100755);
        assert.equal(index.readUInt32BE(offset + 36), 3);
        assert.equal(index.subarray(offset + 40, offset + 60).toString('hex'), oid(1));
      }
      offset += size;
    }
    assert.equal(offset, index.length - 20);
    assert.deepEqual(paths, ['a.yaml', 'a/x.yaml', 'b.yaml']);
  });
});
