import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kubeErrorFromResponse, kubeErrorFromStatus } from './errors.ts';

const status = (code: number, reason: string, message: string, causes?: unknown[]) =>
  JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    code,
    reason,
    message,
    details: { causes },
  });

describe('kubeErrorFromResponse', () => {
  const cases: { name: string; status: number; body: string; code: string; retryable: boolean }[] = [
    {
      name: 'not found',
      status: 404,
      body: status(404, 'NotFound', 'x not found'),
      code: 'NotFound',
      retryable: false,
    },
    {
      name: 'conflict',
      status: 409,
      body: status(409, 'Conflict', 'modified'),
      code: 'Conflict',
      retryable: true,
    },
    { name: 'invalid', status: 422, body: status(422, 'Invalid', 'bad'), code: 'Invalid', retryable: false },
    { name: 'gone', status: 410, body: status(410, 'Gone', 'too old'), code: 'Gone', retryable: false },
    {
      name: 'unavailable without a Status body',
      status: 503,
      body: 'upstream down',
      code: 'ServiceUnavailable',
      retryable: true,
    },
    {
      name: 'a manifest that does not fit the schema is invalid, not an internal error',
      status: 500,
      body: status(
        500,
        'InternalError',
        'failed to create typed patch object (ns/x; apps/v1, Kind=Deployment): .spec.foo: field not declared in schema',
      ),
      code: 'Invalid',
      retryable: false,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const error = kubeErrorFromResponse(c.status, c.body, 'apply Deployment ns/x');
      assert.equal(error.code, c.code);
      assert.equal(error.retryable, c.retryable);
      assert.equal(error.status, c.status);
      assert.match(error.message, /^apply Deployment ns\/x: /);
    });
  }

  it('keeps field causes', () => {
    const body = status(422, 'Invalid', 'bad', [
      { reason: 'FieldValueInvalid', field: 'spec.selector', message: 'field is immutable' },
    ]);
    assert.deepEqual(kubeErrorFromResponse(422, body, 'x').causes, [
      { reason: 'FieldValueInvalid', field: 'spec.selector', message: 'field is immutable' },
    ]);
  });

  it('reads the Status of a watch ERROR event', () => {
    const error = kubeErrorFromStatus(
      { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' },
      'watch x',
    );
    assert.equal(error.code, 'Expired');
    assert.equal(error.status, 410);
  });
});
