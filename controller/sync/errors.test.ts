import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KubeError } from '../kube/errors.ts';
import { describeFailure, ImmutableFieldError, immutableFieldsOf, redactValues } from './errors.ts';

describe('immutableFieldsOf', () => {
  it('names the fields an Invalid error calls immutable', () => {
    const error = new KubeError('Invalid', 'Deployment.apps "web" is invalid', {
      causes: [
        {
          reason: 'FieldValueInvalid',
          field: 'spec.selector',
          message: 'Invalid value: {}: field is immutable',
        },
        { reason: 'FieldValueRequired', field: 'spec.x', message: 'Required value' },
      ],
    });
    assert.deepEqual(immutableFieldsOf(error), ['spec.selector']);
    assert.equal(
      immutableFieldsOf(new KubeError('Invalid', 'bad', { causes: [{ message: 'Required value' }] })),
      undefined,
    );
    assert.equal(immutableFieldsOf(new KubeError('Conflict', 'field is immutable')), undefined);
  });
});

describe('describeFailure', () => {
  it('uses the stable code and cuts quoted values for Secrets', () => {
    const error = new KubeError(
      'Invalid',
      'apply Secret ns/s: Secret "s" is invalid: data[x]: Invalid value: "hunter2": bad',
    );
    assert.deepEqual(describeFailure(error, false).reason, 'Invalid');
    assert.doesNotMatch(describeFailure(error, true).message, /hunter2/);
    assert.equal(
      describeFailure(new ImmutableFieldError('Job ns/j', ['spec.template'], error), false).reason,
      'ImmutableField',
    );
  });
  it('redacts every quoted string', () => {
    assert.equal(redactValues('a "b" c "d\\"e"'), 'a "(redacted)" c "(redacted)"');
  });
});
