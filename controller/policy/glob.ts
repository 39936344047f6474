/** Compiling glob patterns with micromatch: the whole tag must match, errors as values. */
import micromatch from 'micromatch';
import { invalid, ok, type Result } from './result.ts';

/** A compiled glob: true when the whole string matches. */
export type GlobMatcher = (value: string) => boolean;

/** Compiles a micromatch glob once; empty or unparseable patterns are error values. */
export function compileGlob(pattern: string): Result<GlobMatcher> {
  if (pattern === '') return invalid('empty glob pattern');
  try {
    return ok(micromatch.matcher(pattern));
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return invalid(`invalid glob "${pattern}": ${detail}`);
  }
}
