// A person's clone of a repository on the test Git server: change files, commit, push with the git
// CLI, the way a user's typo or removal reaches tagpilot.
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { GitServer } from '../support/git-server.ts';
import { makeTempDir, removeTempDir } from '../support/processes.ts';

/** A working clone of one repository. */
export interface UserClone {
  /**
   * Writes (string) or deletes (null) files, commits them as `Dev <dev@example.test>` and pushes
   * to `main` (pulling first); returns the new commit id.
   */
  commit(files: Record<string, string | null>, message: string): Promise<string>;
  remove(): void;
}

/** Clones `repo` from `git` into a temporary directory. */
export async function cloneAsUser(git: GitServer, repo: string): Promise<UserClone> {
  const home = makeTempDir('user-clone');
  const dir = join(home, 'repo');
  const env = {
    ...process.env,
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 'Dev',
    GIT_AUTHOR_EMAIL: 'dev@example.test',
    GIT_COMMITTER_NAME: 'Dev',
    GIT_COMMITTER_EMAIL: 'dev@example.test',
  };
  const gitCli = (args: string[], cwd = dir) =>
    new Promise<string>((resolve, reject) => {
      execFile('git', args, { cwd, env }, (error, stdout, stderr) => {
        if (error) reject(new Error(`git ${args.join(' ')}: ${stderr}`, { cause: error }));
        else resolve(stdout.trim());
      });
    });
  await gitCli(['clone', '--quiet', git.authedRepoUrl(repo), dir], home);
  return {
    async commit(files, message) {
      await gitCli(['pull', '--quiet', '--rebase', 'origin', 'main']);
      for (const [path, content] of Object.entries(files)) {
        const full = join(dir, path);
        if (content === null) rmSync(full, { force: true });
        else {
          mkdirSync(dirname(full), { recursive: true });
          writeFileSync(full, content);
        }
      }
      await gitCli(['add', '-A']);
      await gitCli(['commit', '--quiet', '-m', message]);
      await gitCli(['push', '--quiet', 'origin', 'HEAD:main']);
      return gitCli(['rev-parse', 'HEAD']);
    },
    remove: () => removeTempDir(home),
  };
}
