// Large manifest files are parsed in a worker thread. The YAML parser cannot be interrupted, and a
// 1.1 MB file (a ConfigMap with 100,000 keys) held the event loop for 2-6 s on a busy machine: long
// enough for /healthz probes to time out and, with other work, for the leadership Lease to lapse.
// In a worker the parse runs beside the event loop; the objects come back as plain data.
import { Worker } from 'node:worker_threads';
import { type ManifestFile, type RenderedObjects, readManifests, toKubeObjects } from '../manifests/index.ts';

/** Files from this size (in UTF-16 code units, about bytes) are parsed in a worker: 256 Ki. */
export const WORKER_PARSE_MIN_LENGTH = 256 * 1024;

const WORKER = new URL('./parse-worker.ts', import.meta.url);

/** The objects of one file, with the problems of both its parse and its objects. */
export function objectsOfFile(file: ManifestFile): RenderedObjects {
  const set = readManifests([file]);
  const objects = toKubeObjects(set);
  return { objects: objects.objects, problems: [...set.problems, ...objects.problems] };
}

/** `objectsOfFile`, run here for a small file and in a worker thread for a large one. */
export async function parseManifestObjects(file: ManifestFile): Promise<RenderedObjects> {
  if (file.content.length < WORKER_PARSE_MIN_LENGTH) return objectsOfFile(file);
  const worker = new Worker(WORKER, { workerData: file });
  try {
    return await new Promise<RenderedObjects>((resolve, reject) => {
      worker.once('message', (result: RenderedObjects) => resolve(result));
      worker.once('error', reject);
      worker.once('exit', (code) =>
        reject(new Error(`the parse worker for ${file.path} exited (code ${code})`)),
      );
    });
  } finally {
    await worker.terminate();
  }
}
