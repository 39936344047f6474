// The keep-alive undici Agent for one API server, with the KubeConfig's TLS material (CA, client
// certificate and key, inline or from files) and its server name and verification settings.
import { bufferFromFileOrString, type KubeConfig } from '@kubernetes/client-node';
import { Agent } from 'undici';

/** A keep-alive Agent for the KubeConfig's current cluster and user. */
export function makeAgent(kubeConfig: KubeConfig): Agent {
  const cluster = kubeConfig.getCurrentCluster();
  const user = kubeConfig.getCurrentUser();
  return new Agent({
    keepAliveTimeout: 30_000,
    connect: {
      ca: bufferFromFileOrString(cluster?.caFile, cluster?.caData) ?? undefined,
      cert: bufferFromFileOrString(user?.certFile, user?.certData) ?? undefined,
      key: bufferFromFileOrString(user?.keyFile, user?.keyData) ?? undefined,
      servername: cluster?.tlsServerName,
      rejectUnauthorized: cluster?.skipTLSVerify !== true,
    },
  });
}
