// What an AutomationSkipped Event says about an image update that was decided but could not be
// written into Git (an alias, a block scalar, a :digest marker without a digest, ...), so that a
// user sees why a tag was not committed instead of silence.
import { formatImageReference, type UnappliedUpdate } from '../manifests/index.ts';

/**
 * One line per update (or target) that was not written: where (file and line), what (workload and
 * container, or the marker's policy), the value it would have written, and why not.
 */
export function describeSkippedUpdates(unapplied: readonly UnappliedUpdate[]): string[] {
  return unapplied.map((skipped) => {
    const { target, image } = skipped.update;
    const file = target.type === 'container' ? target.path : skipped.path;
    const where =
      file === undefined ? '' : `${file}${skipped.line === undefined ? '' : `:${skipped.line}`}: `;
    const what =
      target.type === 'container'
        ? `${target.workload.kind} ${target.workload.namespace ?? ''}/${target.workload.name} container ${target.container}`
        : `marker ${target.policy.namespace}:${target.policy.name}`;
    return `${where}${what}: ${formatImageReference(image)} not written (${skipped.code}): ${skipped.reason}`;
  });
}
