// The narrow interfaces the reconcilers use to reach the outside (API server, registries, Git),
// so each reconciler states exactly what it needs and tests can pass the real implementations.
import type { CredentialProvider } from '../../registry/credentials.ts';
import type { ImageScanner } from '../automation/image-scanner.ts';

/** Records a Kubernetes Event on an object. */
export interface EventRecorder {
  record(
    object: {
      apiVersion: string;
      kind: string;
      metadata: { name: string; namespace?: string; uid?: string };
    },
    event: { type: 'Normal' | 'Warning'; reason: string; message: string; action?: string },
  ): Promise<void>;
}

/** Makes an ImageScanner that uses the given credentials (and platform for newest-build). */
export type ScannerFactory = (options: {
  credentials?: CredentialProvider;
  platform?: string;
}) => ImageScanner;
