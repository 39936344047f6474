// The advertisement is split off a service's output however the bytes arrive: one chunk, a byte at
// a time, or with the exchange's first bytes in the same chunk.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import type { ClientChannel } from 'ssh2';
import { FLUSH, pktLine, readService } from './ssh-command.ts';

/** A channel's shape as readService uses it: an async iterable of chunks, stderr, exit/close. */
function channelOf(chunks: Buffer[], exitCode = 0): ClientChannel {
  const events = new EventEmitter();
  const channel = Object.assign(events, {
    stderr: new EventEmitter(),
    async *[Symbol.asyncIterator]() {
      for (const chunk of chunks) yield chunk;
      events.emit('exit', exitCode);
      events.emit('close');
    },
  });
  return channel as unknown as ClientChannel;
}

const ADVERTISEMENT = Buffer.concat([
  pktLine('1111111111111111111111111111111111111111 HEAD\0multi_ack side-band-64k\n'),
  pktLine('1111111111111111111111111111111111111111 refs/heads/main\n'),
  FLUSH,
]);
const EXCHANGE = Buffer.concat([pktLine('NAK\n'), Buffer.from('PACK…')]);

async function collect(iterator: AsyncIterableIterator<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of iterator) parts.push(part);
  return Buffer.concat(parts);
}

describe('readService', () => {
  const whole = Buffer.concat([ADVERTISEMENT, EXCHANGE]);
  const cases: { name: string; chunks: Buffer[] }[] = [
    { name: 'one chunk', chunks: [whole] },
    { name: 'a byte at a time', chunks: [...whole].map((byte) => Buffer.from([byte])) },
    {
      name: 'split inside a length header',
      chunks: [whole.subarray(0, 2), whole.subarray(2, 61), whole.subarray(61)],
    },
  ];
  for (const { name, chunks } of cases) {
    it(name, async () => {
      const output = await readService(channelOf(chunks));
      assert.deepEqual(output.advertisement, ADVERTISEMENT);
      assert.deepEqual(await collect(output.rest()), EXCHANGE);
      assert.equal(await output.exited, 0);
    });
  }

  it('an output that ends before a flush has no advertisement', async () => {
    const output = await readService(channelOf([Buffer.from('')], 128));
    assert.equal(output.advertisement, undefined);
    assert.equal(await output.exited, 128);
  });

  it('refuses output that is not pkt-lines', async () => {
    await assert.rejects(readService(channelOf([Buffer.from('<html>login</html>')])), /not a Git pkt-line/);
  });
});
