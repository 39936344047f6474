// The Git HTTP client asks the write fence before every push request and hands it the fence's
// signal; fetches are never fenced. MockAgent: network closed, every answer must be used.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { MockAgent } from 'undici';
import { createGitHttpClient } from './http-client.ts';

const ORIGIN = 'https://git.test';

async function* body(): AsyncIterableIterator<Uint8Array> {
  yield Buffer.from('0000');
}

class Refused extends Error {
  readonly code = 'FENCED';
}

describe('Git HTTP client fence', () => {
  let agent: MockAgent;
  let open: boolean;
  let term: AbortController;
  const fence = {
    check: (what: string) => {
      if (!open) throw new Refused(`${what}: refused`);
    },
    get signal() {
      return term.signal;
    },
  };

  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
    open = true;
    term = new AbortController();
  });
  afterEach(async () => {
    agent.assertNoPendingInterceptors();
    await agent.close();
  });

  const http = () => createGitHttpClient({ dispatcher: agent, fence });
  const push = () =>
    http().request({ url: `${ORIGIN}/repo.git/git-receive-pack`, method: 'POST', headers: {}, body: body() });

  it('fetches while the fence is closed, and refuses a push without sending it', async () => {
    open = false;
    agent
      .get(ORIGIN)
      .intercept({ path: '/repo.git/info/refs?service=git-upload-pack', method: 'GET' })
      .reply(200, '');
    const answer = await http().request({
      url: `${ORIGIN}/repo.git/info/refs?service=git-upload-pack`,
      method: 'GET',
      headers: {},
    });
    assert.equal(answer.statusCode, 200);
    await assert.rejects(push(), { code: 'FENCED', message: /push to https:\/\/git\.test\/repo\.git/ });
  });

  it('cuts off a push in flight when the fence closes, with the fence reason', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: '/repo.git/git-receive-pack', method: 'POST' })
      .reply(200, '')
      .delay(60_000);
    const pending = push().then(
      () => undefined,
      (error: unknown) => error,
    );
    while (agent.pendingInterceptors().some((i) => !i.consumed)) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    term.abort(new Refused('writes stopped'));
    const error = await pending;
    assert.ok(error instanceof Refused, String(error));
  });
});
