/** Public API of controller/manifests: read manifests, find workloads and markers, edit images. */
export { type ApplyOptions, applyImageUpdates, markerValue } from './apply-image-updates.ts';
export {
  annotationKeyFor,
  PREFIX_PRECEDENCE,
  parseAnnotationKey,
  resolveAnnotations,
  TAGPILOT_PREFIX,
} from './automation-annotations.ts';
export { findMarkers, MARKER_KEY, type MarkerComment, parseMarkerComment } from './find-markers.ts';
export { findWorkloads, podSpecPath } from './find-workloads.ts';
export { formatImageReference, type ImageReference, splitImageReference } from './image-reference.ts';
export { type RenderedObjects, toKubeObjects } from './kube-objects.ts';
export { createManifestCache, type ManifestCache } from './manifest-cache.ts';
export { type ReadOptions, readManifests } from './read-manifests.ts';
export {
  type AnnotatedObjectRef,
  type AnnotationEditResult,
  setWorkloadAnnotation,
} from './set-workload-annotation.ts';
export type * from './types.ts';
