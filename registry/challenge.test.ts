import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bearerChallenge, offersBasic, parseChallenges } from './challenge.ts';

describe('parseChallenges', () => {
  const cases: [string, string, ReturnType<typeof parseChallenges>][] = [
    [
      'distribution token challenge',
      'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:team/app:pull"',
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://auth.example/token',
            service: 'registry.example',
            scope: 'repository:team/app:pull',
          },
        },
      ],
    ],
    [
      'commas inside quoted values are not separators',
      'Bearer realm="https://a/t",scope="repository:x:pull,push"',
      [{ scheme: 'bearer', params: { realm: 'https://a/t', scope: 'repository:x:pull,push' } }],
    ],
    ['basic', 'Basic realm="Registry Realm"', [{ scheme: 'basic', params: { realm: 'Registry Realm' } }]],
    [
      'two challenges in one header (RFC 9110 example)',
      'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"',
      [
        { scheme: 'newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
        { scheme: 'basic', params: { realm: 'simple' } },
      ],
    ],
    [
      'case-insensitive scheme and names, spaces around =',
      'BEARER Realm = "r" , Service=svc',
      [{ scheme: 'bearer', params: { realm: 'r', service: 'svc' } }],
    ],
    ['scheme only', 'Negotiate', [{ scheme: 'negotiate', params: {} }]],
    [
      'token68',
      'Negotiate abc123==, Basic realm="x"',
      [
        { scheme: 'negotiate', params: { token68: 'abc123==' } },
        { scheme: 'basic', params: { realm: 'x' } },
      ],
    ],
    [
      'unterminated quote keeps the rest',
      'Bearer realm="https://a/t',
      [{ scheme: 'bearer', params: { realm: 'https://a/t' } }],
    ],
    ['empty', '', []],
  ];
  for (const [name, header, expected] of cases) {
    test(name, () => {
      assert.deepEqual(parseChallenges(header), expected);
    });
  }

  test('bearerChallenge takes the first Bearer with a realm', () => {
    const challenges = parseChallenges('Basic realm="b", Bearer service="s", Bearer realm="r",service="s"');
    assert.deepEqual(bearerChallenge(challenges), { realm: 'r', service: 's', scope: undefined });
    assert.equal(offersBasic(challenges), true);
    assert.equal(bearerChallenge(parseChallenges('Basic realm="b"')), undefined);
  });
});
