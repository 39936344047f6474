// The real distribution registry from the test stack: token auth, Basic auth and pagination.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '../support/processes.ts';
import { type RegistryStack, startRegistry } from '../support/registry.ts';

async function json(response: Response): Promise<unknown> {
  return response.json();
}

describe('distribution registry with token auth', () => {
  let registry: RegistryStack;
  before(async () => {
    registry = await startRegistry({ auth: 'token' });
  });
  after(async () => {
    await registry?.stop();
  });

  it('pushes an image with 3 tags and lists them through the token flow (401 -> token -> 200)', async () => {
    await registry.push.pushImage('team/app', ['1.0.0', '1.1.0', 'develop-v1.8.0']);
    const anonymous = await fetch(`${registry.url}/v2/team/app/tags/list`);
    assert.equal(anonymous.status, 401);
    const challenge = anonymous.headers.get('www-authenticate') ?? '';
    await anonymous.body?.cancel();
    assert.match(
      challenge,
      /^Bearer realm="[^"]+",service="tagpilot-test-registry",scope="repository:team\/app:pull"/,
    );

    const realm = new URL(/realm="([^"]+)"/.exec(challenge)?.[1] ?? '');
    realm.searchParams.set('service', 'tagpilot-test-registry');
    realm.searchParams.set('scope', 'repository:team/app:pull');
    const basic = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
    const tokenResponse = await fetch(realm, { headers: { authorization: `Basic ${basic}` } });
    assert.equal(tokenResponse.status, 200);
    const { token } = (await json(tokenResponse)) as { token: string };

    const listed = await fetch(`${registry.url}/v2/team/app/tags/list`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(listed.status, 200);
    assert.deepEqual(await json(listed), { name: 'team/app', tags: ['1.0.0', '1.1.0', 'develop-v1.8.0'] });
  });

  it('refuses a token issued to bad credentials', async () => {
    const realm = registry.tokenServer?.realm ?? '';
    const bad = Buffer.from(`${registry.username}:wrong`).toString('base64');
    const response = await fetch(`${realm}?service=x&scope=repository:team/app:pull`, {
      headers: { authorization: `Basic ${bad}` },
    });
    await response.body?.cancel();
    assert.equal(response.status, 401);
  });
});

describe('distribution registry with Basic auth and pagination', () => {
  let registry: RegistryStack;
  before(async () => {
    registry = await startRegistry({ auth: 'basic' });
  });
  after(async () => {
    await registry?.stop();
  });

  it('lists 250 tags with n=100 across pages linked by Link rel="next"', async () => {
    const tags = Array.from({ length: 250 }, (_, i) => `1.0.${i}`);
    await registry.push.pushManyTags('paged', tags);
    const authorization = `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}`;
    const seen: string[] = [];
    const links: string[] = [];
    let next: string | undefined = '/v2/paged/tags/list?n=100';
    while (next) {
      const response = await fetch(new URL(next, registry.url), { headers: { authorization } });
      assert.equal(response.status, 200);
      seen.push(...((await json(response)) as { tags: string[] }).tags);
      const link = response.headers.get('link');
      next = link ? /<([^>]+)>;\s*rel="next"/.exec(link)?.[1] : undefined;
      if (next) links.push(next);
    }
    assert.equal(links.length, 2);
    assert.equal(seen.length, 250);
    assert.deepEqual([...seen].sort(), [...tags].sort());
  });

  it('rejects a wrong password with 401', async () => {
    const authorization = `Basic ${Buffer.from(`${registry.username}:nope`).toString('base64')}`;
    const response = await fetch(`${registry.url}/v2/paged/tags/list`, { headers: { authorization } });
    await response.body?.cancel();
    assert.equal(response.status, 401);
  });

  it('serves a multi-arch OCI index whose platforms have their own created time', async () => {
    await registry.push.pushIndex('multi', 'v2', [
      { architecture: 'amd64', created: '2026-01-02T00:00:00Z' },
      { architecture: 'arm64', created: '2026-03-04T00:00:00Z' },
    ]);
    const authorization = `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}`;
    const response = await fetch(`${registry.url}/v2/multi/manifests/v2`, {
      headers: { authorization, accept: 'application/vnd.oci.image.index.v1+json' },
    });
    assert.equal(response.headers.get('content-type'), 'application/vnd.oci.image.index.v1+json');
    const index = (await json(response)) as { manifests: { platform: { architecture: string } }[] };
    assert.deepEqual(
      index.manifests.map((m) => m.platform.architecture),
      ['amd64', 'arm64'],
    );
    // The registry writes its access-log line after the answer: wait for it rather than read once.
    await waitFor('the manifest GET in the access log', () =>
      registry.requests().some((line) => line.startsWith('GET /v2/multi/manifests/v2 200')),
    );
  });

  it('deletes a tag', async () => {
    await registry.push.pushImage('gone', ['keep', 'drop'], {});
    await registry.push.pushImage('gone', 'drop', { labels: { different: 'yes' } });
    await registry.push.deleteTag('gone', 'drop');
    const authorization = `Basic ${Buffer.from(`${registry.username}:${registry.password}`).toString('base64')}`;
    const listed = (await json(
      await fetch(`${registry.url}/v2/gone/tags/list`, { headers: { authorization } }),
    )) as {
      tags: string[];
    };
    assert.deepEqual(listed.tags, ['keep']);
  });
});
