// What makes the test API server a living cluster: kube-controller-manager (Deployments make
// ReplicaSets make Pods; namespaces finish deleting; garbage collection), kube-scheduler (Pods get
// a node) and kwok, which plays kubelet for simulated nodes (Pods become Running and Ready, their
// containers report the image they run). All three are upstream binaries built by
// scripts/build-binaries.sh; nothing here imitates a Kubernetes component.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binary, type ManagedProcess, run, startProcess, waitFor } from './processes.ts';

/** The running controllers and simulated nodes of a test cluster. */
export interface ClusterNodes {
  /** Names of the simulated nodes. */
  readonly nodes: string[];
  stop(): Promise<void>;
}

/** An image whose tag ends with this is reported missing by kwok (ErrImagePull): its Pod never gets Ready. */
export const FAILING_TAG_SUFFIX = '-broken';

/** jq over a Pod: does any container run an image whose tag ends with FAILING_TAG_SUFFIX? */
const FAILING_IMAGE_QUERY = `[.spec.containers[].image | endswith("${FAILING_TAG_SUFFIX}")] | any`;

/**
 * kwok's stages for Pods (giving any Pod stage replaces kwok's built-in ones, so all three are
 * here): a scheduled Pod becomes Running and Ready with every container running its image, unless
 * one of its images has a tag ending in `-broken`: its containers wait in ErrImagePull as a kubelet
 * reports a missing image; a Pod being deleted is removed at once.
 */
const POD_STAGES = `apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata: {name: tagpilot-pod-running}
spec:
  resourceRef: {apiGroup: v1, kind: Pod}
  selector:
    matchExpressions:
    - {key: .metadata.deletionTimestamp, operator: DoesNotExist}
    - {key: .status.podIP, operator: DoesNotExist}
    - {key: '${FAILING_IMAGE_QUERY}', operator: NotIn, values: ["true"]}
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - {type: Initialized, status: "True", lastTransitionTime: {{ $now | Quote }}}
      - {type: Ready, status: "True", lastTransitionTime: {{ $now | Quote }}}
      - {type: ContainersReady, status: "True", lastTransitionTime: {{ $now | Quote }}}
      containerStatuses:
      {{ range .spec.containers }}
      - name: {{ .name | Quote }}
        image: {{ .image | Quote }}
        ready: true
        started: true
        restartCount: 0
        state: {running: {startedAt: {{ $now | Quote }}}}
      {{ end }}
      hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
      podIP: {{ PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote }}
      phase: Running
      startTime: {{ $now | Quote }}
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata: {name: tagpilot-pod-image-pull-fails}
spec:
  resourceRef: {apiGroup: v1, kind: Pod}
  selector:
    matchExpressions:
    - {key: .metadata.deletionTimestamp, operator: DoesNotExist}
    - {key: .status.podIP, operator: DoesNotExist}
    - {key: '${FAILING_IMAGE_QUERY}', operator: In, values: ["true"]}
  next:
    statusTemplate: |
      {{ $now := Now }}
      conditions:
      - {type: Initialized, status: "True", lastTransitionTime: {{ $now | Quote }}}
      - {type: Ready, status: "False", reason: ContainersNotReady, lastTransitionTime: {{ $now | Quote }}}
      - {type: ContainersReady, status: "False", reason: ContainersNotReady, lastTransitionTime: {{ $now | Quote }}}
      containerStatuses:
      {{ range .spec.containers }}
      - name: {{ .name | Quote }}
        image: {{ .image | Quote }}
        ready: false
        restartCount: 0
        state: {waiting: {reason: ErrImagePull, message: {{ printf "failed to pull image %s: not found" .image | Quote }}}}
      {{ end }}
      hostIP: {{ NodeIPWith .spec.nodeName | Quote }}
      podIP: {{ PodIPWith .spec.nodeName ( or .spec.hostNetwork false ) ( or .metadata.uid "" ) ( or .metadata.name "" ) ( or .metadata.namespace "" ) | Quote }}
      phase: Pending
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: Stage
metadata: {name: tagpilot-pod-delete}
spec:
  resourceRef: {apiGroup: v1, kind: Pod}
  selector:
    matchExpressions:
    - {key: .metadata.deletionTimestamp, operator: Exists}
  next:
    finalizers: {empty: true}
    delete: true
`;

/**
 * Starts kube-controller-manager, kube-scheduler and kwok against the API server of `kubeconfig`
 * (an admin identity), and registers `count` simulated nodes; resolves when every node is Ready.
 */
export async function startClusterNodes(options: {
  dir: string;
  kubeconfig: string;
  serviceAccountPrivateKey: string;
  caCert: string;
  count: number;
}): Promise<ClusterNodes> {
  const { dir, kubeconfig } = options;
  const processes: ManagedProcess[] = [];
  const start = (name: string, args: string[]) => {
    const started = startProcess({ name, command: binary(name), args, logFile: join(dir, `${name}.log`) });
    processes.push(started);
    return started;
  };
  start('kube-controller-manager', [
    `--kubeconfig=${kubeconfig}`,
    `--service-account-private-key-file=${options.serviceAccountPrivateKey}`,
    `--root-ca-file=${options.caCert}`,
    '--leader-elect=false',
    '--secure-port=0',
    '--use-service-account-credentials=false',
    // Fast enough for tests; the defaults favour big clusters.
    '--concurrent-deployment-syncs=10',
    '--concurrent-replicaset-syncs=10',
    '--node-monitor-grace-period=60s',
    '--controllers=*,-nodeipam,-service-lb-controller,-cloud-node-lifecycle-controller,-persistentvolume-binder-controller,-persistentvolume-attach-detach-controller',
  ]);
  start('kube-scheduler', [`--kubeconfig=${kubeconfig}`, '--leader-elect=false', '--secure-port=0']);
  const stages = join(dir, 'kwok-stages.yaml');
  writeFileSync(stages, POD_STAGES);
  start('kwok', [
    `--kubeconfig=${kubeconfig}`,
    '--manage-all-nodes=false',
    '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
    '--node-lease-duration-seconds=40',
    '--cidr=10.0.0.1/24',
    '--node-ip=10.0.0.1',
    `--config=${stages}`,
    '--server-address=127.0.0.1:0',
  ]);
  const nodes = Array.from({ length: options.count }, (_, i) => `kwok-node-${i}`);
  const kubectl = (args: string[], input?: string) =>
    run('kubectl', [`--kubeconfig=${kubeconfig}`, ...args], input === undefined ? {} : { input });
  await kubectl(['apply', '-f', '-'], nodes.map(nodeYaml).join('---\n'));
  await waitFor(
    `${nodes.length} kwok nodes Ready`,
    async () => {
      const { stdout } = await kubectl([
        'get',
        'nodes',
        '-o',
        'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
      ]);
      return stdout.split('\n').filter((status) => status === 'True').length === nodes.length;
    },
    { timeoutMs: 60_000, intervalMs: 250, onTimeout: () => processes.map((p) => p.logTail(10)).join('\n') },
  );
  return {
    nodes,
    async stop() {
      await Promise.allSettled(processes.reverse().map((p) => p.stop()));
    },
  };
}

function nodeYaml(name: string): string {
  return `apiVersion: v1
kind: Node
metadata:
  name: ${name}
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/hostname: ${name}
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "110"}
  capacity: {cpu: "32", memory: 256Gi, pods: "110"}
`;
}
