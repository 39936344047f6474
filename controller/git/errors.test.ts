import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Errors } from 'isomorphic-git';
import { type ErrorContext, GitError, type GitErrorCode, redact, toGitError } from './errors.ts';

const context: ErrorContext = {
  url: 'https://git.example.test/org/config.git',
  operation: 'fetch',
  branch: 'main',
  secrets: ['s3cr3t-token'],
};

function systemError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

describe('toGitError', () => {
  const cases: { name: string; error: unknown; code: GitErrorCode; retryable: boolean; says: RegExp }[] = [
    {
      name: 'HTTP 401',
      error: new Errors.HttpError(401, 'Unauthorized', 'bad credentials'),
      code: 'UNAUTHORIZED',
      retryable: false,
      says: /authentication failed \(HTTP 401\)/,
    },
    {
      name: 'HTTP 403',
      error: new Errors.HttpError(403, 'Forbidden', ''),
      code: 'FORBIDDEN',
      retryable: false,
      says: /HTTP 403/,
    },
    {
      name: 'HTTP 404',
      error: new Errors.HttpError(404, 'Not Found', ''),
      code: 'NOT_FOUND',
      retryable: false,
      says: /repository not found/,
    },
    {
      name: 'HTTP 503',
      error: new Errors.HttpError(503, 'Service Unavailable', ''),
      code: 'UNAVAILABLE',
      retryable: true,
      says: /HTTP 503/,
    },
    {
      name: 'HTTP 429',
      error: new Errors.HttpError(429, 'Too Many Requests', ''),
      code: 'UNAVAILABLE',
      retryable: true,
      says: /HTTP 429/,
    },
    {
      name: 'a redirect is not followed',
      error: new Errors.HttpError(302, 'Found', ''),
      code: 'INVALID_RESPONSE',
      retryable: false,
      says: /unexpected HTTP 302/,
    },
    {
      name: 'missing ref',
      error: new Errors.NotFoundError('main'),
      code: 'BRANCH_NOT_FOUND',
      retryable: false,
      says: /branch main does not exist/,
    },
    {
      name: 'not a smart-HTTP server',
      error: new Errors.SmartHttpError('<html>', '<html>login</html>'),
      code: 'INVALID_RESPONSE',
      retryable: false,
      says: /smart-HTTP/,
    },
    {
      name: 'connection refused',
      error: systemError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9'),
      code: 'UNREACHABLE',
      retryable: true,
      says: /unreachable \(ECONNREFUSED\)/,
    },
    {
      name: 'undici wraps the system error in a cause',
      error: new TypeError('fetch failed', { cause: systemError('ENOTFOUND') }),
      code: 'UNREACHABLE',
      retryable: true,
      says: /ENOTFOUND/,
    },
    {
      name: 'undici timeout',
      error: systemError('UND_ERR_HEADERS_TIMEOUT', 'Headers Timeout Error'),
      code: 'UNREACHABLE',
      retryable: true,
      says: /UND_ERR_HEADERS_TIMEOUT/,
    },
    {
      name: 'anything else is local',
      error: systemError('ENOSPC', 'no space left on device'),
      code: 'LOCAL',
      retryable: false,
      says: /no space left/,
    },
  ];
  for (const { name, error, code, retryable, says } of cases) {
    it(name, () => {
      const gitError = toGitError(error, context);
      assert.ok(gitError instanceof GitError);
      assert.equal(gitError.code, code);
      assert.equal(gitError.retryable, retryable);
      assert.match(gitError.message, says);
      assert.ok(gitError.message.startsWith(`fetch ${context.url}: `), gitError.message);
      assert.equal(gitError.url, context.url);
      assert.equal(gitError.operation, 'fetch');
    });
  }

  it('passes a GitError through unchanged', () => {
    const original = new GitError('PUSH_REJECTED', 'push x: refused', { url: 'x', operation: 'push' });
    assert.equal(toGitError(original, context), original);
  });

  it('keeps secrets out of the message and the cause', () => {
    const gitError = toGitError(new Error('failed with s3cr3t-token inside'), context);
    assert.doesNotMatch(gitError.message, /s3cr3t-token/);
    assert.match(gitError.message, /failed with \*\*\* inside/);
    const cause = gitError.cause as Error;
    assert.doesNotMatch(`${cause.message}${cause.stack}`, /s3cr3t-token/);
  });

  it('redact replaces every occurrence and ignores empty secrets', () => {
    assert.equal(redact('a-b-a', ['a', '']), '***-b-***');
  });
});
