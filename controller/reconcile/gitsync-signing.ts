// The commit signer of a GitSync (spec.automation.commit.signingKey): its Secret read with the
// GitSync's rights, parsed and decrypted once per change of the Secret (the digest is part of the
// state's credentials digest, so a changed Secret reopens the repository with the new signer). A
// key that cannot sign is a problem that stops automation (no unsigned commit is ever made when
// signing was asked for) and turns Ready False with reason SigningKeyInvalid; syncing goes on.
import { createHash } from 'node:crypto';
import type { GitSync } from '../api/types.ts';
import { type CommitSigner, loadCommitSigner, SigningKeyError } from '../git/index.ts';
import type { SigningKeyResult } from '../kube/secrets.ts';

/** The condition reason of a signing key that cannot be used. */
export const SIGNING_KEY_INVALID = 'SigningKeyInvalid';

/** A GitSync's signer, or why it has none although one was asked for. */
export type SigningSetup = { signer: CommitSigner | undefined } | { problem: string };

/** The name of the signing key Secret, when automation is on and names one (the controller commits only then). */
export function signingSecretName(gitsync: GitSync): string | undefined {
  const automation = gitsync.spec.automation;
  if (automation?.enabled === false) return undefined;
  return automation?.commit?.signingKey?.secretRef?.name;
}

/** A digest of what was read, to notice a changed key, passphrase or error without keeping a copy. */
export function signingDigest(read: SigningKeyResult): string {
  return createHash('sha256').update(JSON.stringify(read)).digest('hex');
}

/** Parses and decrypts the key that was read; a key that cannot sign is a `problem`. */
export async function signingSetupOf(read: SigningKeyResult): Promise<SigningSetup> {
  if (!read.ok) return { problem: read.message };
  if (read.key === undefined) return { signer: undefined };
  try {
    return { signer: await loadCommitSigner(read.key) };
  } catch (error) {
    if (error instanceof SigningKeyError) return { problem: error.message };
    throw error;
  }
}
