// One Git service (`git-upload-pack` or `git-receive-pack`) run over an SSH exec channel, with
// the protocol's ref advertisement split off the rest of the output: smart HTTP (what
// isomorphic-git speaks) asks for the advertisement and the exchange in two requests, SSH does
// both on one channel, so each request runs the service once and uses the part it needs.
import type { ClientChannel } from 'ssh2';

/** The services a Git client runs over SSH. */
export type GitService = 'git-upload-pack' | 'git-receive-pack';

/** Most of the server's stderr that is kept for a message. */
const STDERR_LIMIT = 4096;

/** A running service: its advertisement read, the rest of its output still to come. */
export interface ServiceOutput {
  /** The ref advertisement, up to and including its flush-pkt; undefined when the output ended first. */
  advertisement: Buffer | undefined;
  /** The output after the advertisement, as it arrives. */
  rest(): AsyncIterableIterator<Uint8Array>;
  /** What the service wrote to stderr so far (capped), trimmed. */
  stderr(): string;
  /** Resolves with the exit code (undefined when the channel closed without one). */
  exited: Promise<number | undefined>;
}

/** Reads the advertisement of the service running on `channel`. */
export async function readService(channel: ClientChannel): Promise<ServiceOutput> {
  let stderr = '';
  channel.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < STDERR_LIMIT) stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | undefined>((resolve) => {
    let code: number | undefined;
    channel.on('exit', (exitCode: number | null) => {
      code = exitCode ?? undefined;
    });
    channel.on('exit', (exitCode: number | null) => resolve(exitCode ?? undefined));
    channel.on('close', () => resolve(code));
  });
  const chunks = channel[Symbol.asyncIterator]() as AsyncIterableIterator<Buffer>;
  let buffered: Buffer = Buffer.alloc(0);
  let offset = 0;
  let advertisement: Buffer | undefined;
  for (;;) {
    const end = flushEnd(buffered, offset);
    if (end.flush !== undefined) {
      advertisement = buffered.subarray(0, end.flush);
      buffered = buffered.subarray(end.flush);
      break;
    }
    offset = end.offset;
    const next = await chunks.next();
    if (next.done) break;
    buffered = buffered.length === 0 ? next.value : Buffer.concat([buffered, next.value]);
  }
  const leftover = buffered;
  return {
    advertisement,
    rest: async function* () {
      if (leftover.length > 0) yield leftover;
      for (;;) {
        const next = await chunks.next();
        if (next.done) return;
        yield next.value;
      }
    },
    stderr: () => stderr.slice(0, STDERR_LIMIT).trim(),
    exited,
  };
}

/**
 * Walks the pkt-lines of `buffer` from `offset`: `flush` is the end of the first flush-pkt when one
 * is complete, else `offset` is where the next incomplete pkt-line starts. Throws on a length that
 * is not a pkt-line length (the server does not speak Git).
 */
function flushEnd(buffer: Buffer, start: number): { flush?: number; offset: number } {
  let offset = start;
  while (buffer.length >= offset + 4) {
    const header = buffer.toString('latin1', offset, offset + 4);
    if (!/^[0-9a-f]{4}$/i.test(header))
      throw new PktLineError(`not a Git pkt-line: ${JSON.stringify(header)}`);
    const length = Number.parseInt(header, 16);
    if (length === 0) return { flush: offset + 4, offset };
    if (length < 4) throw new PktLineError(`not a Git pkt-line length: ${header}`);
    if (buffer.length < offset + length) break;
    offset += length;
  }
  return { offset };
}

/** The service's output is not Git's pkt-line framing (a login banner, a shell's message). */
export class PktLineError extends Error {
  override readonly name = 'PktLineError';
}

/** `text` as one pkt-line. */
export function pktLine(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from((payload.length + 4).toString(16).padStart(4, '0'), 'latin1'), payload]);
}

/** The flush-pkt. */
export const FLUSH = Buffer.from('0000', 'latin1');
