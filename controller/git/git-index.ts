// Writes `.git/index` (format version 2) for a working tree that we materialised ourselves, so that
// `git status` in the cache directory is clean and meaningful to a person debugging it. isomorphic-git
// only updates its index one file at a time (one read + write of the whole index per file), which
// for thousands of files is quadratic; tagpilot itself never reads the index.
import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';

/** One index entry: a file of the commit and how it looks on disk. */
export interface IndexEntry {
  path: string;
  /** Git mode as octal text: `100644`, `100755`, `120000`, `160000`. */
  mode: string;
  oid: string;
  /** The file's lstat (bigint, for nanosecond times); unset for entries not on disk (gitlinks). */
  stat: BigIntStats | undefined;
  /** Size in bytes of the blob. */
  size: number;
}

const HEADER_SIZE = 12;
const ENTRY_FIXED_SIZE = 62;
const MAX_NAME_LENGTH = 0xfff;
const U32 = 0xffffffffn;

/** One entry in its index encoding, with its path bytes for sorting. */
export interface EncodedIndexEntry {
  name: Buffer;
  bytes: Buffer;
}

/** Serialises index entries (sorted by path bytes, as git requires) into the version 2 index format. */
export function encodeIndex(entries: readonly IndexEntry[]): Buffer {
  return assembleIndex(entries.map(encodeIndexEntry));
}

/** Encodes one entry; working-tree.ts keeps these per file so that an index rewrite only concatenates. */
export function encodeIndexEntry(entry: IndexEntry): EncodedIndexEntry {
  const name = Buffer.from(entry.path, 'utf8');
  const bytes = Buffer.alloc(entrySize(name.length));
  writeEntry(bytes, 0, entry, name);
  return { name, bytes };
}

/** Header + entries in path order + SHA-1 trailer. */
export function assembleIndex(entries: readonly EncodedIndexEntry[]): Buffer {
  const sorted = [...entries].sort((a, b) => Buffer.compare(a.name, b.name));
  const size = sorted.reduce((sum, entry) => sum + entry.bytes.length, HEADER_SIZE);
  const out = Buffer.alloc(size + 20);
  out.write('DIRC', 0, 'latin1');
  out.writeUInt32BE(2, 4);
  out.writeUInt32BE(sorted.length, 8);
  let offset = HEADER_SIZE;
  for (const entry of sorted) {
    entry.bytes.copy(out, offset);
    offset += entry.bytes.length;
  }
  createHash('sha1').update(out.subarray(0, offset)).digest().copy(out, offset);
  return out;
}

/** Fixed part + name + 1..8 NUL bytes, padded to a multiple of 8. */
function entrySize(nameLength: number): number {
  return Math.floor((ENTRY_FIXED_SIZE + nameLength + 8) / 8) * 8;
}

function writeEntry(out: Buffer, offset: number, entry: IndexEntry, name: Buffer): void {
  const stat = entry.stat;
  const fields = [
    seconds(stat?.ctimeNs),
    nanos(stat?.ctimeNs),
    seconds(stat?.mtimeNs),
    nanos(stat?.mtimeNs),
    Number((stat?.dev ?? 0n) & U32),
    Number((stat?.ino ?? 0n) & U32),
    Number.parseInt(entry.mode, 8),
    Number((stat?.uid ?? 0n) & U32),
    Number((stat?.gid ?? 0n) & U32),
    entry.size >>> 0,
  ];
  fields.forEach((value, i) => {
    out.writeUInt32BE(value, offset + i * 4);
  });
  out.write(entry.oid, offset + 40, 20, 'hex');
  out.writeUInt16BE(Math.min(name.length, MAX_NAME_LENGTH), offset + 60);
  name.copy(out, offset + ENTRY_FIXED_SIZE);
}

function seconds(ns: bigint | undefined): number {
  return Number(((ns ?? 0n) / 1_000_000_000n) & U32);
}

function nanos(ns: bigint | undefined): number {
  return Number((ns ?? 0n) % 1_000_000_000n);
}
