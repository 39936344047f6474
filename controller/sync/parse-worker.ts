// The worker side of `parseManifestObjects` (parse-in-worker.ts): parses one manifest file into
// plain Kubernetes objects and problems, and posts them back.
import { parentPort, workerData } from 'node:worker_threads';
import type { ManifestFile } from '../manifests/index.ts';
import { objectsOfFile } from './parse-in-worker.ts';

parentPort?.postMessage(objectsOfFile(workerData as ManifestFile));
