/**
 * Public API of controller/automation, the image update loop, each step once:
 * scan (`scanImage`) -> plan (`planImageUpdates`) -> apply + commit (`commitAndPush`, through git's
 * `commitWithRetry`); `runAutomation` runs them for one GitSync.
 */
export {
  type CommitChange,
  formatCommitMessage,
  MESSAGE_PLACEHOLDERS,
  type MessageTemplate,
  toCommitChanges,
  unknownPlaceholders,
} from './commit-message.ts';
export {
  type CommitAndPushOptions,
  type CommitAndPushResult,
  commitAndPush,
  type UpdatesSource,
} from './commit-updates.ts';
export { type ImageScanner, memoizeScanner } from './image-scanner.ts';
export {
  type Decision,
  type DecisionOutcome,
  type PlanInput,
  type PolicyState,
  planImageUpdates,
  type UpdatePlan,
} from './plan-updates.ts';
export { registryScanners, type ScanOptions } from './registry-scanner.ts';
export {
  type ImageScan,
  type ScanFailure,
  type ScanImageInput,
  type ScanOutcome,
  scanImage,
} from './scan-image.ts';
