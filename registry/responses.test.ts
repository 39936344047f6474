import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isRegistryError } from './errors.ts';
import { checkStatus, nextLink, nextPagePath, sha256Digest, verifyDigest } from './responses.ts';

const asked = { registry: 'r.example', repository: 'app', what: 'tags of r.example/app' };

describe('nextLink', () => {
  const cases: [string, string | string[] | undefined, string | undefined][] = [
    ['distribution form', '</v2/app/tags/list?last=b&n=2>; rel="next"', '/v2/app/tags/list?last=b&n=2'],
    ['unquoted rel', '<https://r.example/v2/x?last=1>;rel=next', 'https://r.example/v2/x?last=1'],
    [
      'next among several links',
      '<https://a/prev>; rel="prev", <https://a/next>; rel="next"',
      'https://a/next',
    ],
    ['several rel values', '</p2>; title="x"; rel="last next"', '/p2'],
    ['no next', '<https://a/prev>; rel="prev"', undefined],
    ['header given twice', ['<https://a/1>; rel="prev"', '<https://a/2>; rel="next"'], 'https://a/2'],
    ['absent', undefined, undefined],
  ];
  for (const [name, header, expected] of cases) {
    test(name, () => assert.equal(nextLink(header), expected));
  }
});

describe('checkStatus', () => {
  const response = (status: number, body = '') => ({ status, headers: {}, body: Buffer.from(body) });

  const cases: [number, boolean, string, RegExp][] = [
    [401, false, 'UNAUTHORIZED', /requires credentials/],
    [401, true, 'UNAUTHORIZED', /rejected the credentials/],
    [403, true, 'FORBIDDEN', /HTTP 403/],
    [404, true, 'NOT_FOUND', /not found \(HTTP 404, NAME_UNKNOWN: repository name not known/],
    [502, true, 'UNAVAILABLE', /HTTP 502/],
    [400, true, 'INVALID_RESPONSE', /HTTP 400/],
  ];
  for (const [status, hadCredentials, code, message] of cases) {
    test(`${status} -> ${code}`, () => {
      const body = '{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}';
      assert.throws(
        () => checkStatus(response(status, body), asked, hadCredentials),
        (error: unknown) => {
          assert.ok(isRegistryError(error, code as 'NOT_FOUND'));
          assert.match(error.message, message);
          assert.equal(error.status, status);
          assert.equal(error.registry, 'r.example');
          assert.equal(error.repository, 'app');
          return true;
        },
      );
    });
  }

  test('2xx passes', () => {
    checkStatus(response(200), asked, false);
    checkStatus(response(204), asked, false);
  });
});

describe('verifyDigest', () => {
  test('accepts matching bytes and rejects others', () => {
    const body = Buffer.from('{"a":1}');
    verifyDigest(body, sha256Digest(body), asked);
    assert.throws(() => verifyDigest(Buffer.from('{"a":2}'), sha256Digest(body), asked), /does not match/);
  });
});

describe('nextPagePath', () => {
  const origin = 'https://r.example';
  const current = '/v2/app/tags/list?n=2';
  test('a relative link resolves against the current page', () => {
    assert.equal(
      nextPagePath(origin, current, '/v2/app/tags/list?last=b&n=2', asked),
      '/v2/app/tags/list?last=b&n=2',
    );
    assert.equal(nextPagePath(origin, current, 'list?last=b', asked), '/v2/app/tags/list?last=b');
  });
  test('an absolute link on the same origin is followed', () => {
    assert.equal(
      nextPagePath(origin, current, 'https://r.example/v2/app/tags/list?last=c', asked),
      '/v2/app/tags/list?last=c',
    );
  });
  const foreign = [
    'https://evil.example/v2/app/tags/list',
    'http://r.example/v2/x',
    'https://r.example:8443/v2/x',
    '//evil.example/x',
  ];
  for (const link of foreign) {
    test(`refuses ${link}`, () => {
      assert.throws(
        () => nextPagePath(origin, current, link, asked),
        (error: unknown) => isRegistryError(error, 'FOREIGN_LINK') && !error.retryable,
      );
    });
  }
});
