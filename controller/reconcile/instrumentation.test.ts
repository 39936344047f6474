import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMetrics } from '../metrics.ts';
import { recordRegistryRequest } from './instrumentation.ts';

test('registry requests are counted by host, kind and code; rate-limit headers become gauges', async () => {
  const metrics = createMetrics();
  const base = { host: 'registry-1.docker.io', method: 'GET', rateLimitLimit: undefined };
  recordRegistryRequest(metrics, { ...base, kind: 'list', status: 200, rateLimitRemaining: undefined });
  recordRegistryRequest(metrics, {
    ...base,
    kind: 'manifest',
    status: 200,
    rateLimitRemaining: 99,
    rateLimitLimit: 100,
  });
  recordRegistryRequest(metrics, {
    ...base,
    kind: 'manifest',
    status: 200,
    rateLimitRemaining: 98,
    rateLimitLimit: 100,
  });
  recordRegistryRequest(metrics, {
    ...base,
    kind: 'manifest',
    status: 429,
    rateLimitRemaining: 0,
    rateLimitLimit: 100,
  });
  const text = await metrics.registry.metrics();
  const host = 'registry="registry-1.docker.io"';
  assert.match(
    text,
    new RegExp(`^tagpilot_registry_requests_total\\{${host},kind="list",code="200"\\} 1$`, 'm'),
  );
  assert.match(
    text,
    new RegExp(`^tagpilot_registry_requests_total\\{${host},kind="manifest",code="200"\\} 2$`, 'm'),
  );
  assert.match(
    text,
    new RegExp(`^tagpilot_registry_requests_total\\{${host},kind="manifest",code="429"\\} 1$`, 'm'),
  );
  assert.match(text, new RegExp(`^tagpilot_registry_ratelimit_remaining\\{${host}\\} 0$`, 'm'));
  assert.match(text, new RegExp(`^tagpilot_registry_ratelimit_limit\\{${host}\\} 100$`, 'm'));
});
