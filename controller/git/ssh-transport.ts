// Turns an SSH repository URL and its SSH credentials into the transport a working copy uses:
// an SSH-backed HttpClient and the stand-in URL isomorphic-git is given.
import { isSshAuth } from './auth.ts';
import { GitError } from './errors.ts';
import { createSshHttpClient, type SshHttpClient } from './ssh-client.ts';
import { loadIdentity, SshKeyError } from './ssh-keys.ts';
import { parseSshUrl } from './ssh-url.ts';
import type { OpenRepositoryOptions } from './types.ts';

/**
 * The SSH transport for `options.url` (an SSH URL). Throws INVALID_URL for a malformed URL and
 * INVALID_IDENTITY when the credentials hold no readable private key; host keys are checked on the
 * first request.
 */
export function openSshTransport(options: OpenRepositoryOptions): { display: string; client: SshHttpClient } {
  const target = parseSshUrl(options.url);
  if (target === undefined) {
    throw new GitError('INVALID_URL', `open ${options.url}: not a valid SSH Git URL`, {
      url: options.url,
      operation: 'clone',
    });
  }
  const fail = (message: string) =>
    new GitError('INVALID_IDENTITY', `clone ${target.display}: ${message}`, {
      url: target.display,
      operation: 'clone',
      retryable: false,
    });
  const auth = options.auth;
  if (!isSshAuth(auth)) {
    throw fail(
      'an SSH URL needs an SSH private key: put it under the key identity of the secretRef Secret, or name no identity and let tagpilot make one (`tagpilot identity <gitsync>`)',
    );
  }
  let identity: ReturnType<typeof loadIdentity>;
  try {
    identity = loadIdentity(auth.identity, auth.passphrase);
  } catch (error) {
    throw fail(error instanceof SshKeyError ? error.message : 'the SSH private key cannot be read');
  }
  const client = createSshHttpClient({
    target,
    identity,
    privateKey: auth.identity,
    passphrase: auth.passphrase,
    knownHosts: auth.knownHosts,
    ...options.ssh,
  });
  return { display: target.display, client };
}
