// The real test stack for one `npm run bench`: each component (registry, kube-apiserver + etcd,
// Git server) starts on first use and is shared by every scenario after it, so the stack comes up
// once per run. Fixtures built on top of it (the controller) register their own cleanup.
import { type GitServer, startGitServer } from '../support/git-server.ts';
import { type KubeStack, startKube } from '../support/kube.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';

/** Lazily started, shared test servers. */
export class BenchStack {
  #registry: Promise<RegistryStack> | undefined;
  #kube: Promise<KubeStack> | undefined;
  #git: Promise<GitServer> | undefined;
  readonly #shared = new Map<string, Promise<unknown>>();
  /** Cleanups, run last-first by stop(). */
  readonly #cleanups: (() => Promise<void>)[] = [];

  /** An anonymous distribution registry with its access log. */
  registry(): Promise<RegistryStack> {
    this.#registry ??= startRegistry({ auth: 'none' });
    return this.#registry;
  }

  /** etcd + kube-apiserver with an admin kubeconfig. */
  kube(): Promise<KubeStack> {
    this.#kube ??= startKube();
    return this.#kube;
  }

  /** A Git smart-HTTP server with Basic auth. */
  git(): Promise<GitServer> {
    this.#git ??= startGitServer();
    return this.#git;
  }

  /**
   * A fixture shared by several scenarios (e.g. the running controller), made once by `create`;
   * the returned cleanup runs at stop().
   */
  shared<T>(key: string, create: () => Promise<{ value: T; cleanup: () => Promise<void> }>): Promise<T> {
    let existing = this.#shared.get(key) as Promise<T> | undefined;
    if (!existing) {
      existing = create().then(({ value, cleanup }) => {
        this.#cleanups.push(cleanup);
        return value;
      });
      this.#shared.set(key, existing);
    }
    return existing;
  }

  /** Stops fixtures first, then every server that was started. */
  async stop(): Promise<void> {
    const failures: unknown[] = [];
    for (const cleanup of this.#cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        failures.push(error);
      }
    }
    this.#cleanups.length = 0;
    const servers = await Promise.allSettled([this.#registry, this.#kube, this.#git]);
    const stops = servers.flatMap((result) =>
      result.status === 'fulfilled' && result.value ? [result.value.stop()] : [],
    );
    for (const result of await Promise.allSettled(stops)) {
      if (result.status === 'rejected') failures.push(result.reason);
    }
    if (failures.length > 0) throw new AggregateError(failures, 'stopping the bench stack failed');
  }
}
