// A real OpenSSH server for tests (Debian's openssh-server, installed by scripts/setup.sh): our own
// `sshd -D` on a loopback port with a fresh host key and an authorized_keys file in a temp dir,
// every login forced through `git-shell` (only git-upload-pack / git-receive-pack run), serving
// the bare repositories under `root` (e.g. a GitServer's root, so HTTP and SSH see the same
// repositories). It logs in the user the tests run as (sshd can only switch to other users as root).
import { appendFileSync, chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, makeTempDir, removeTempDir, run, startProcess, waitFor } from './processes.ts';

/** Where Debian puts the daemon. */
export const SSHD = '/usr/sbin/sshd';

/** A running SSH server. */
export interface SshServer {
  readonly host: string;
  readonly port: number;
  /** The login name (the user running the tests). */
  readonly user: string;
  /** Directory of the bare repositories. */
  readonly root: string;
  /** `ssh://user@127.0.0.1:port/<root>/<name>.git` */
  repoUrl(name: string): string;
  /**
   * `user@<host>:<root>/<name>.git` (scp-like, port 22) when the server could also listen on port 22
   * of a spare loopback address (only as root); undefined otherwise.
   */
  scpLikeUrl(name: string): string | undefined;
  /** The known_hosts lines for this server (both addresses), as `ssh-keyscan` would print them. */
  knownHosts(): string;
  /** The host public key line (`ssh-ed25519 AAAA…`). */
  readonly hostPublicKey: string;
  /** Adds a public key line to authorized_keys (read by sshd on every login). */
  authorize(publicKey: string): void;
  /** Makes a client key pair with ssh-keygen (`ed25519`, `ecdsa` or `rsa`), optionally encrypted. */
  makeKey(
    type: 'ed25519' | 'ecdsa' | 'rsa',
    passphrase?: string,
  ): Promise<{ privateKey: string; publicKey: string }>;
  /** Environment for the git CLI to use this server with `key` (a private key file path). */
  gitEnv(keyFile: string): NodeJS.ProcessEnv;
  logTail(): string;
  stop(): Promise<void>;
}

/** True when sshd is installed (scripts/setup.sh installs it). */
export function sshdAvailable(): boolean {
  return existsSync(SSHD);
}

/** Starts sshd serving the bare repositories under `root`. */
export async function startSshServer(options: { root: string }): Promise<SshServer> {
  const dir = makeTempDir('sshd');
  const hostKey = join(dir, 'host_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'tagpilot-test-host', '-f', hostKey]);
  const hostPublicKey = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' ');
  const authorizedKeys = join(dir, 'authorized_keys');
  writeFileSync(authorizedKeys, '');
  chmodSync(authorizedKeys, 0o600);
  const host = '127.0.0.1';
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  // Port 22 for scp-like URLs, on a loopback address nothing else uses.
  const spare = asRoot ? `127.${20 + (process.pid % 200)}.${(port >> 8) & 255}.${port & 255}` : undefined;
  const config = [
    `HostKey ${hostKey}`,
    `AuthorizedKeysFile ${authorizedKeys}`,
    `ListenAddress ${host}:${port}`,
    ...(spare ? [`ListenAddress ${spare}:22`] : []),
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'UsePAM no',
    'StrictModes no',
    'PidFile none',
    'PermitRootLogin prohibit-password',
    'AllowTcpForwarding no',
    'X11Forwarding no',
    'PermitTTY no',
    // Only Git's own services, like a git-shell account.
    'ForceCommand /usr/bin/git-shell -c "$SSH_ORIGINAL_COMMAND"',
    'LogLevel VERBOSE',
  ];
  const configFile = join(dir, 'sshd_config');
  writeFileSync(configFile, `${config.join('\n')}\n`);
  const sshd = startProcess({
    name: 'sshd',
    command: SSHD,
    args: ['-D', '-e', '-f', configFile],
    logFile: join(dir, 'sshd.log'),
  });
  await waitFor(
    'sshd to listen',
    () =>
      new Promise<boolean>((resolve) => {
        const socket = connect({ host, port }, () => {
          socket.destroy();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      }),
    { timeoutMs: 15_000, onTimeout: () => sshd.logTail() },
  );
  const user = userInfo().username;
  const knownHosts = [`[${host}]:${port} ${hostPublicKey}`, ...(spare ? [`${spare} ${hostPublicKey}`] : [])];
  let keys = 0;
  return {
    host,
    port,
    user,
    root: options.root,
    hostPublicKey,
    repoUrl: (name) => `ssh://${user}@${host}:${port}${join(options.root, `${name}.git`)}`,
    scpLikeUrl: (name) => (spare ? `${user}@${spare}:${join(options.root, `${name}.git`)}` : undefined),
    knownHosts: () => `${knownHosts.join('\n')}\n`,
    authorize: (publicKey) => appendFileSync(authorizedKeys, `${publicKey.trim()}\n`),
    async makeKey(type, passphrase) {
      const file = join(dir, `client-${type}-${++keys}`);
      const bits = type === 'rsa' ? ['-b', '2048'] : [];
      await run('ssh-keygen', [
        '-q',
        '-t',
        type,
        ...bits,
        '-N',
        passphrase ?? '',
        '-C',
        `test-${type}`,
        '-f',
        file,
      ]);
      return {
        privateKey: readFileSync(file, 'utf8'),
        publicKey: readFileSync(`${file}.pub`, 'utf8').trim(),
      };
    },
    gitEnv(keyFile) {
      const knownHostsFile = join(dir, 'known_hosts');
      writeFileSync(knownHostsFile, `${knownHosts.join('\n')}\n`);
      return {
        ...process.env,
        GIT_SSH_COMMAND: `ssh -i ${keyFile} -o IdentitiesOnly=yes -o UserKnownHostsFile=${knownHostsFile} -o StrictHostKeyChecking=yes -o BatchMode=yes`,
      };
    },
    logTail: () => sshd.logTail(),
    async stop() {
      await sshd.stop();
      removeTempDir(dir);
    },
  };
}
