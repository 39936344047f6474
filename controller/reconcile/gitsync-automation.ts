// The automation step of a GitSync, as the reconciler calls it: the Kubernetes side of the run (pull
// secrets read with the GitSync's rights) plugged into automation/'s `runAutomation`, which plans,
// applies and commits.
import type { GitSync, ImagePolicy } from '../api/types.ts';
import { type AutomationRun, runAutomation as automate } from '../automation/run-automation.ts';
import type { Repository } from '../git/index.ts';
import type { KubeClient } from '../kube/client.ts';
import { readPullSecrets } from '../kube/secrets.ts';
import type { ManifestCache, ManifestFile } from '../manifests/index.ts';
import type { ScannerFactory } from './ports.ts';

export type { AutomationRun } from '../automation/run-automation.ts';

/** Runs image automation for one GitSync on the files of its current commit. */
export function runAutomation(options: {
  gitsync: GitSync;
  repo: Repository;
  files: readonly ManifestFile[];
  policies: readonly ImagePolicy[];
  /** Reads pull secrets (with the GitSync's rights). */
  client: KubeClient;
  scanners: ScannerFactory;
  /** The GitSync's parse cache, kept between runs. Default: none. */
  manifestCache?: ManifestCache | undefined;
  /**
   * With `--no-cross-namespace-refs`: the only namespace whose pull secrets are read and whose
   * ImagePolicies may be named (the GitSync's, or its targetNamespace). Default: any namespace.
   */
  confineTo?: string | undefined;
}): Promise<AutomationRun> {
  const { client, ...rest } = options;
  return automate({
    ...rest,
    readPullSecrets: (namespace, refs) => readPullSecrets(client, namespace, refs),
  });
}
