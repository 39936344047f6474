// Commits of tens of thousands of files, pushed to the test Git server the way a user's push
// arrives: `git fast-import` builds the commit in a bare clone (no working tree, so 50,000 files
// take a second instead of a minute of writes and `git add`), then `git push` sends it.
import { join } from 'node:path';
import type { GitServer } from '../support/git-server.ts';
import { makeTempDir, removeTempDir, run } from '../support/processes.ts';

/** A bare clone of one repository that commits and pushes to `main`. */
export interface BulkClone {
  /**
   * One commit on top of the remote `main`: `files` written (path -> content), `remove` deleted
   * (files or whole directories); pushed to `main`. Returns the new commit id.
   */
  commit(change: { files?: Iterable<[string, string]>; remove?: string[]; message: string }): Promise<string>;
  remove(): void;
}

/** Clones `repo` bare into a temporary directory. */
export async function bulkClone(git: GitServer, repo: string): Promise<BulkClone> {
  const home = makeTempDir('bulk-clone');
  const dir = join(home, 'repo.git');
  const env = { ...process.env, HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' };
  const gitCli = async (args: string[], input?: string) =>
    (await run('git', args, { cwd: dir, env, ...(input === undefined ? {} : { input }) })).stdout.trim();
  await run('git', ['clone', '--quiet', '--bare', git.authedRepoUrl(repo), dir], { cwd: home, env });
  return {
    async commit({ files = [], remove = [], message }) {
      await gitCli(['fetch', '--quiet', 'origin', '+main:main']);
      const parent = await gitCli(['rev-parse', 'main']);
      const lines = [
        'commit refs/heads/main',
        `committer Dev <dev@example.test> ${Math.floor(Date.now() / 1000)} +0000`,
        ...data(message),
        `from ${parent}`,
        ...remove.map((path) => `D ${path}`),
      ];
      for (const [path, content] of files) lines.push(`M 100644 inline ${path}`, ...data(content));
      await gitCli(['fast-import', '--quiet'], `${lines.join('\n')}\n`);
      await gitCli(['push', '--quiet', 'origin', 'main:main']);
      return gitCli(['rev-parse', 'main']);
    },
    remove: () => removeTempDir(home),
  };
}

/** A fast-import `data` command with its exact byte count. */
function data(content: string): string[] {
  return [`data ${Buffer.byteLength(content)}`, content];
}
