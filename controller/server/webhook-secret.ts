// The webhook secret: read once at start from a file (in a cluster, a mounted Secret).
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config.ts';

/** Reads the secret from `path`, without the trailing newline editors and `kubectl create secret --from-file` leave. */
export function readWebhookSecret(
  path: string,
  read: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): string {
  let text: string;
  try {
    text = read(path);
  } catch (error) {
    throw new ConfigError(`--webhook-secret-file: cannot read ${path}: ${(error as Error).message}`);
  }
  const secret = text.replace(/[\r\n]+$/, '');
  // An empty HMAC key is a key everyone knows.
  if (secret.trim() === '') throw new ConfigError(`--webhook-secret-file: ${path} is empty`);
  return secret;
}
