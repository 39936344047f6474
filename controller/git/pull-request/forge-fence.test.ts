// Forge writes are fenced like `git push`: a replica that does not hold the leadership Lease opens
// and edits no pull request, and one in flight is cut off when the fence closes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MockAgent } from 'undici';
import { WriteFencedError } from '../../kube/write-fence.ts';
import { createForgeClient } from './index.ts';

const json = { headers: { 'content-type': 'application/json' } };
const pr = {
  number: 3,
  html_url: 'http://forge.test/team/app/pulls/3',
  title: 'T',
  body: 'B',
  head: { ref: 'tp' },
  base: { ref: 'main' },
};

function fenceOf(open: () => boolean) {
  const controller = new AbortController();
  return {
    controller,
    fence: {
      signal: controller.signal,
      check(what: string) {
        if (!open()) throw new WriteFencedError(`not the leader: refused ${what}`);
      },
    },
  };
}

describe('forge writes behind the write fence', () => {
  it('a closed fence refuses the POST before it is sent; reads still go', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const pool = agent.get('http://forge.test');
    pool.intercept({ path: /\/api\/v1\/repos\/team\/app\/pulls\?/, method: 'GET' }).reply(200, [pr], json);
    pool.intercept({ path: '/api/v1/repos/team/app/pulls', method: 'POST' }).reply(201, pr, json);
    const { fence } = fenceOf(() => false);
    const forge = createForgeClient('gitea', {
      dispatcher: agent,
      fence,
      repoUrl: 'http://forge.test/team/app.git',
      token: 't',
    });
    assert.equal((await forge.findOpen('tp', 'main'))?.number, 3);
    await assert.rejects(forge.create('tp', 'main', { title: 'T', body: 'B' }), (error: unknown) => {
      assert.ok(error instanceof WriteFencedError);
      assert.equal(error.code, 'FENCED');
      assert.match(error.message, /POST http:\/\/forge\.test\/api\/v1\/repos\/team\/app\/pulls/);
      return true;
    });
    assert.equal(agent.pendingInterceptors().length, 1, 'the POST was never sent');
  });

  it('a write in flight is cut off when the fence closes, with the fence reason', async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    agent
      .get('http://forge.test')
      .intercept({ path: '/api/v1/repos/team/app/pulls/3', method: 'PATCH' })
      .reply(200, pr, json)
      .delay(5_000);
    const { fence, controller } = fenceOf(() => true);
    const forge = createForgeClient('gitea', {
      dispatcher: agent,
      fence,
      repoUrl: 'http://forge.test/team/app.git',
      token: 't',
    });
    const pending = forge.update(3, { title: 'T', body: 'B' });
    setImmediate(() => controller.abort(new WriteFencedError('lease lost')));
    await assert.rejects(pending, (error: unknown) => error instanceof WriteFencedError);
  });
});
