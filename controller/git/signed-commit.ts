// Writes a commit object, signed when a signer is given. isomorphic-git's `writeCommit` takes no
// `onSign`, so this does what its `GitCommit.sign` does for `git.commit`: sign the commit as it
// renders without a signature, then write it with the signature in the `gpgsig` header. The written
// object is read back and checked against the signed payload, so a rendering difference can never
// produce (and push) a commit whose signature does not verify.
import git, { type CommitObject } from 'isomorphic-git';
import type { CommitSigner } from './commit-signing.ts';
import type { GitContext } from './context.ts';
import { GitError } from './errors.ts';

/** Writes `commit` into the object store of `ctx.dir` (signed with `signer` when given); returns its oid. */
export async function writeCommitObject(
  ctx: GitContext,
  commit: CommitObject,
  signer: CommitSigner | undefined,
): Promise<string> {
  const { gitFs: fs, dir } = ctx;
  if (signer === undefined) return git.writeCommit({ fs, dir, commit });
  const payload = commitPayload(commit);
  let gpgsig: string;
  try {
    gpgsig = await signer.sign(payload);
  } catch (error) {
    throw new GitError(
      'SIGNING_FAILED',
      `sign commit for ${ctx.url} with ${signer.format} key ${signer.fingerprint}: ${error instanceof Error ? error.message : String(error)}`,
      { url: ctx.url, operation: 'push', retryable: false, cause: error },
    );
  }
  const oid = await git.writeCommit({ fs, dir, commit: { ...commit, gpgsig } });
  const { object } = await git.readObject({ fs, dir, oid, format: 'content' });
  if (withoutSignature(Buffer.from(object as Uint8Array).toString('utf8')) !== payload)
    throw new Error(`writeCommitObject: commit ${oid} does not hold the payload that was signed`);
  return oid;
}

/** The commit object as git renders it without a signature: what `git verify-commit` checks. */
export function commitPayload(commit: CommitObject): string {
  const person = (p: CommitObject['author']) =>
    `${p.name} <${p.email}> ${p.timestamp} ${offset(p.timezoneOffset)}`;
  const parents = commit.parent.map((oid) => `parent ${oid}\n`).join('');
  return (
    `tree ${commit.tree}\n${parents}author ${person(commit.author)}\ncommitter ${person(commit.committer)}\n` +
    `\n${normalizeNewlines(commit.message)}`
  );
}

/** The commit object without its gpgsig header (the header line and its space-indented continuation lines). */
export function withoutSignature(object: string): string {
  const end = object.indexOf('\n\n');
  const headers = object.slice(0, end).split('\n');
  const kept: string[] = [];
  let inSignature = false;
  for (const line of headers) {
    if (line.startsWith('gpgsig ')) inSignature = true;
    else if (!(inSignature && line.startsWith(' '))) {
      inSignature = false;
      kept.push(line);
    }
  }
  return `${kept.join('\n')}${object.slice(end)}`;
}

/** isomorphic-git's rendering of a timezone offset (minutes, sign as in Date#getTimezoneOffset). */
function offset(minutes: number): string {
  const sign = minutes > 0 || Object.is(minutes, -0) ? '-' : '+';
  const abs = Math.abs(minutes);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

/** isomorphic-git's message normalisation: no CR, no leading newlines, exactly one trailing newline. */
function normalizeNewlines(text: string): string {
  return `${text.replace(/\r/g, '').replace(/^\n+/, '').replace(/\n+$/, '')}\n`;
}
