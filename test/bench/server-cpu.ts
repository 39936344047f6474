// CPU time of the test servers (kube-apiserver, etcd) while a scenario runs, read from /proc, to
// tell whether a slow step waits on the API server or on the client.
import { readdirSync, readFileSync } from 'node:fs';
import type { KubeStack } from '../support/kube.ts';

const TICKS_PER_SECOND = 100;

function cmdline(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** The pid of the process whose command line contains every one of `parts`. */
function findProcess(parts: readonly string[]): string | undefined {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .find((pid) => {
      const line = cmdline(pid);
      return parts.every((part) => line.includes(part));
    });
}

/** User + system CPU milliseconds a process has used so far. */
function cpuMs(pid: string): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at state, field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** Reads the CPU time kube-apiserver and etcd of `kube` use; undefined parts when not found. */
export function serverCpu(kube: KubeStack): () => { apiserver: number; etcd: number } {
  const port = new URL(kube.server).port;
  const apiserver = findProcess(['kube-apiserver', `--secure-port=${port}`]);
  const etcdUrl = apiserver ? /--etcd-servers=(\S+)/.exec(cmdline(apiserver))?.[1] : undefined;
  const etcd = etcdUrl ? findProcess(['etcd', `--listen-client-urls=${etcdUrl}`]) : undefined;
  const read = () => ({
    apiserver: apiserver ? cpuMs(apiserver) : Number.NaN,
    etcd: etcd ? cpuMs(etcd) : Number.NaN,
  });
  const start = read();
  return () => {
    const now = read();
    return { apiserver: now.apiserver - start.apiserver, etcd: now.etcd - start.etcd };
  };
}
