// The peer tools the benchmark compares with, each run as its own process the way a user (or
// Flux, for crane's go-containerregistry) would: `crane ls` and Debian's `skopeo list-tags`.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { binary } from '../support/processes.ts';

const exec = promisify(execFile);
const MAX_BUFFER = 64 * 1024 * 1024;

/** `crane ls --insecure <image>` (crane from scripts/build-binaries.sh --with-bench): the number of tags. */
export async function craneListTags(image: string): Promise<number> {
  const { stdout } = await exec(binary('crane'), ['ls', '--insecure', image], { maxBuffer: MAX_BUFFER });
  return stdout.split('\n').filter(Boolean).length;
}

/** `skopeo list-tags --tls-verify=false docker://<image>`: the number of tags. */
export async function skopeoListTags(image: string): Promise<number> {
  const { stdout } = await exec('skopeo', ['list-tags', '--tls-verify=false', `docker://${image}`], {
    maxBuffer: MAX_BUFFER,
  });
  const parsed: unknown = JSON.parse(stdout);
  if (typeof parsed !== 'object' || parsed === null || !('Tags' in parsed) || !Array.isArray(parsed.Tags)) {
    throw new Error(`skopeo list-tags printed no Tags array: ${stdout.slice(0, 200)}`);
  }
  return parsed.Tags.length;
}

/** `crane config --insecure <image:tag>` (one process, one manifest GET + one config GET): the config's `created`. */
export async function craneConfigCreated(reference: string): Promise<string | undefined> {
  const { stdout } = await exec(binary('crane'), ['config', '--insecure', reference], {
    maxBuffer: MAX_BUFFER,
  });
  const parsed: unknown = JSON.parse(stdout);
  if (typeof parsed !== 'object' || parsed === null || !('created' in parsed)) return undefined;
  return typeof parsed.created === 'string' ? parsed.created : undefined;
}
