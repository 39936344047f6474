// For unit tests of the Kubernetes edge: a KubeConfig for a server that only undici's MockAgent answers.
import { KubeConfig } from '@kubernetes/client-node';

/** A KubeConfig for `server` with the bearer token `token` (default `t`). */
export function testKubeConfig(server: string, token = 't'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server }],
    users: [{ name: 'u', token }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}
