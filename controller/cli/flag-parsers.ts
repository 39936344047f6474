// Parsers for flag values; a bad value is commander's InvalidArgumentError (exit 2 with the flag named).
import { InvalidArgumentError } from 'commander';

/** A non-negative integer (`--limit`). */
export function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a count (0, 1, 2, …)');
  return n;
}

/** Collects a repeatable flag's values in order. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
