import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { advertiseMissingHead, withHead } from './head-advertisement.ts';

const OID = '813bfabcf515627d5f08694632ed14c7565c6bbe';
const OTHER = 'aa3bfabcf515627d5f08694632ed14c7565c6bbe';
const CAPS = 'multi_ack thin-pack side-band side-band-64k ofs-delta shallow agent=git/2.39.5\n';

const pkt = (payload: string) => (payload.length + 4).toString(16).padStart(4, '0') + payload;
const SERVICE = `${pkt('# service=git-upload-pack\n')}0000`;
/** What git-http-backend sends for a bare repository whose HEAD names a branch that does not exist. */
const DANGLING = `${SERVICE}${pkt(`${OID} refs/heads/master\0${CAPS}`)}${pkt(`${OTHER} refs/tags/v1\n`)}0000`;

describe('withHead', () => {
  it('adds HEAD (first ref, with the capabilities) to an advertisement without one', () => {
    const fixed = withHead(Buffer.from(DANGLING, 'latin1'));
    assert.equal(
      fixed?.toString('latin1'),
      `${SERVICE}${pkt(`${OID} HEAD\0${CAPS}`)}${pkt(`${OID} refs/heads/master\n`)}${pkt(`${OTHER} refs/tags/v1\n`)}0000`,
    );
  });

  it('does the same for an SSH advertisement (no service line)', () => {
    const ssh = `${pkt(`${OID} refs/heads/master\0${CAPS}`)}0000`;
    assert.equal(
      withHead(Buffer.from(ssh, 'latin1'))?.toString('latin1'),
      `${pkt(`${OID} HEAD\0${CAPS}`)}${pkt(`${OID} refs/heads/master\n`)}0000`,
    );
  });

  it('leaves an advertisement that has HEAD alone', () => {
    const normal = `${SERVICE}${pkt(`${OID} HEAD\0${CAPS}`)}${pkt(`${OID} refs/heads/main\n`)}0000`;
    assert.equal(withHead(Buffer.from(normal, 'latin1')), undefined);
  });

  const untouched: [string, string][] = [
    ['an empty repository', `${SERVICE}${pkt(`${'0'.repeat(40)} capabilities^{}\0${CAPS}`)}0000`],
    ['protocol v2', `${SERVICE}${pkt('version 2\n')}${pkt('ls-refs\n')}0000`],
    ['no refs at all', `${SERVICE}0000`],
    ['a truncated stream', DANGLING.slice(0, 60)],
    ['not pkt-lines', '<html>login</html>'],
  ];
  for (const [name, body] of untouched) {
    it(`leaves ${name} alone`, () => assert.equal(withHead(Buffer.from(body, 'latin1')), undefined));
  }
});

describe('advertiseMissingHead', () => {
  const serving = (body: string, statusCode = 200): HttpClient => ({
    async request(request: GitHttpRequest): Promise<GitHttpResponse> {
      return {
        url: request.url,
        method: request.method ?? 'GET',
        headers: {},
        statusCode,
        statusMessage: 'OK',
        body: (async function* () {
          yield Buffer.from(body.slice(0, 10), 'latin1');
          yield Buffer.from(body.slice(10), 'latin1');
        })(),
      };
    },
  });
  const read = async (response: GitHttpResponse) => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of response.body ?? []) chunks.push(chunk);
    return Buffer.concat(chunks).toString('latin1');
  };

  it('rewrites only upload-pack advertisements', async () => {
    const http = advertiseMissingHead(serving(DANGLING));
    const fetched = await http.request({ url: 'https://git.test/r.git/info/refs?service=git-upload-pack' });
    assert.match(await read(fetched), /HEAD\0/);
    const pushing = await http.request({ url: 'https://git.test/r.git/info/refs?service=git-receive-pack' });
    assert.equal(await read(pushing), DANGLING);
  });

  it('passes error answers through', async () => {
    const http = advertiseMissingHead(serving(DANGLING, 401));
    const response = await http.request({ url: 'https://git.test/r.git/info/refs?service=git-upload-pack' });
    assert.equal(response.statusCode, 401);
    assert.equal(await read(response), DANGLING);
  });
});
