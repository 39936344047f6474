// Bounded parallelism: the one worker pool of the code base (sync stages, prune, listing, the
// planner's container scans, the registry's build-time reads, the working tree's file reads).

/**
 * Maps items with at most `limit` calls in flight; results keep the input order. After the first
 * failure no further item is started; the calls in flight are awaited, then the first error is thrown
 * (no work is left running behind a rejected promise).
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T);
      } catch (error) {
        if (!failed) failure = error;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  if (failed) throw failure;
  return results;
}
