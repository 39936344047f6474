// The GitSync reconciler's own logic against fakes of its ports (ports.ts): the Flux shape (one
// status patch per reconcile, suspend, failures as conditions), when it syncs and automates, what
// it writes, and state taken from status after a failover. Git, the API server and the sync loop are
// exercised for real in test/ (e2e, safety, tenancy).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { ConditionUpdate } from '../api/conditions.ts';
import type { GitSync, GitSyncStatus, ImagePolicy } from '../api/types.ts';
import { type CommitSigner, generateIdentity, type HeadCommit } from '../git/index.ts';
import type { EventInput } from '../kube/events.ts';
import type { SigningKeyResult } from '../kube/secrets.ts';
import type { DriftReport, HealthVerdict, SyncRequest, SyncResult } from '../sync/types.ts';
import { GitSyncReconciler } from './gitsync-reconciler.ts';
import type { AutomationOutcome as AutomationRun, DriftHandlers, GitSyncPorts } from './ports.ts';

const KEY = 'apps/demo';

function gitsync(overrides: Partial<GitSync['spec']> = {}, status?: GitSyncStatus): GitSync {
  return {
    apiVersion: 'tagpilot.io/v1alpha1',
    kind: 'GitSync',
    metadata: { name: 'demo', namespace: 'apps', uid: 'u1', generation: 1 },
    spec: { url: 'https://git.test/config.git', ...overrides },
    ...(status ? { status } : {}),
  };
}

function syncResult(overrides: Partial<SyncResult> = {}): SyncResult {
  return {
    inventory: [
      {
        id: 'apps_web_apps_Deployment',
        namespace: 'apps',
        name: 'web',
        group: 'apps',
        kind: 'Deployment',
        version: 'v1',
      },
    ],
    objects: [],
    problems: [],
    health: [
      { id: 'apps_web_apps_Deployment', object: 'Deployment apps/web', status: 'Current', message: 'ready' },
    ],
    counts: { created: 1, configured: 0, recreated: 0, unchanged: 0, pruned: 0, failed: 0, skipped: 0 },
    writes: 1,
    durationMs: 5,
    ...overrides,
  } as SyncResult;
}

const noAutomation = (policies: string[] = []): AutomationRun => ({
  plan: { decisions: [], automatedWorkloads: 0 },
  push: undefined,
  credentialProblems: [],
  referencedPolicies: policies,
});

/** An automation run that pushed `commit` to main (the fake repository's head moves to it first). */
const pushedTo =
  (commit: string, message: string, moveHead: () => void) => async (): Promise<AutomationRun> => {
    moveHead();
    return {
      ...noAutomation(),
      push: {
        commit,
        pushed: true,
        branch: 'main',
        message,
        changes: [],
        unapplied: [],
        problems: [],
        retries: 0,
      },
    } as AutomationRun;
  };

/** Fakes of every port, with what they were asked recorded. */
function fakes(
  options: {
    auth?: 'ok' | 'missing';
    automation?: () => Promise<AutomationRun>;
    signingKey?: () => SigningKeyResult;
  } = {},
) {
  const signers: (CommitSigner | undefined)[] = [];
  const writes: { status: GitSyncStatus; conditions: ConditionUpdate[] }[] = [];
  const events: EventInput[] = [];
  const syncs: SyncRequest[] = [];
  const repo = { head: 'a'.repeat(40), opened: 0, automations: 0 };
  let syncAnswer: () => Promise<SyncResult> = async () => syncResult();
  let healthNow: HealthVerdict[] | undefined;
  let handlers: DriftHandlers | undefined;
  let stopped = 0;
  const ports: GitSyncPorts = {
    status: {
      write: async (_gitsync, status, conditions) => {
        writes.push({ status, conditions: [...conditions] });
      },
      forget: () => undefined,
    },
    events: { record: async (event) => void events.push(event) },
    engines: (engine) => {
      handlers = engine.handlers;
      return {
        sync: async (request) => {
          syncs.push(request);
          return syncAnswer();
        },
        ...(healthNow ? { health: () => healthNow ?? [] } : {}),
        stop: async () => void stopped++,
      };
    },
    readGitAuth: async (_identity, namespace, secret) =>
      options.auth === 'missing'
        ? { ok: false, message: `Secret ${namespace}/${secret} not found` }
        : { ok: true, auth: undefined },
    readSigningKey: async (_identity, _namespace, secret) =>
      secret === undefined
        ? { ok: true, key: undefined }
        : (options.signingKey?.() ?? { ok: true, key: undefined }),
    openRepository: async ({ signer }) => {
      signers.push(signer);
      repo.opened++;
      return {
        refresh: async (): Promise<HeadCommit> => ({ oid: repo.head, message: 'm' }),
        readFiles: async () => [],
        renderFiles: async () => ({ files: [], problems: [] }),
        automate: async () => {
          repo.automations++;
          return (options.automation ?? (async () => noAutomation()))();
        },
      };
    },
  };
  return {
    ports,
    signers,
    writes,
    events,
    syncs,
    repo,
    handlers: () => handlers,
    stopped: () => stopped,
    answerSyncWith: (answer: () => Promise<SyncResult>) => {
      syncAnswer = answer;
    },
    /** What the engine's watches say of health after the sync (set before the engine is made). */
    watchedHealth: (verdicts: HealthVerdict[]) => {
      healthNow = verdicts;
    },
  };
}

function reconciler(ports: GitSyncPorts, object: () => GitSync, now: () => Date = () => new Date(1_000_000)) {
  return new GitSyncReconciler({
    ports,
    logger: pino({ level: 'silent' }),
    get: () => object(),
    policies: (): ImagePolicy[] => [],
    now,
  });
}

const condition = (write: { conditions: ConditionUpdate[] } | undefined, type: string) =>
  write?.conditions.find((c) => c.type === type);

describe('GitSyncReconciler', () => {
  it('syncs a new commit, writes one status patch per reconcile, and does not sync the same commit again', async () => {
    const f = fakes();
    const r = reconciler(f.ports, () => gitsync());
    const first = await r.reconcile(KEY);
    assert.equal(f.writes.length, 1);
    assert.equal(f.writes[0]?.status.lastSyncedCommit, f.repo.head);
    assert.deepEqual(f.writes[0]?.status.inventory, [{ id: 'apps_web_apps_Deployment', v: 'v1' }]);
    assert.equal(condition(f.writes[0], 'Ready')?.status, 'True');
    assert.equal(condition(f.writes[0], 'Synced')?.reason, 'Applied');
    assert.ok(first?.requeueAfterMs !== undefined && first.requeueAfterMs <= 60_000);
    await r.reconcile(KEY);
    assert.equal(f.syncs.length, 1, 'an unchanged commit is not synced again before the full re-sync');
    assert.equal(f.writes.length, 2);
    assert.equal(f.writes[1]?.status.lastSyncedCommit, undefined);
    f.repo.head = 'b'.repeat(40);
    await r.reconcile(KEY);
    assert.equal(f.syncs.length, 2);
    assert.equal(f.repo.opened, 1, 'the working copy is reused');
  });

  it("Healthy takes the watches' view: a rollout that finished before the sync step wrote status counts", async () => {
    const f = fakes();
    const web = { id: 'apps_web_apps_Deployment', object: 'Deployment apps/web' };
    f.answerSyncWith(async () =>
      syncResult({
        health: [{ ...web, status: 'InProgress', message: 'not yet observed by its controller' }],
      }),
    );
    f.watchedHealth([{ ...web, status: 'Current', message: '2 replicas available' }]);
    await reconciler(f.ports, () => gitsync()).reconcile(KEY);
    assert.equal(condition(f.writes[0], 'Healthy')?.status, 'True');
  });

  it('a suspended GitSync is Ready=False Suspended, its drift watches stop, and nothing is fetched', async () => {
    const f = fakes();
    let object = gitsync();
    const r = reconciler(f.ports, () => object);
    await r.reconcile(KEY);
    object = gitsync({ suspend: true });
    assert.equal(await r.reconcile(KEY), undefined);
    assert.equal(f.stopped(), 1);
    assert.equal(f.syncs.length, 1);
    assert.deepEqual(f.writes[1]?.conditions, [
      { type: 'Ready', status: 'False', reason: 'Suspended', message: 'spec.suspend is true' },
    ]);
  });

  it('write-back-only (sync.enabled false): automation commits, nothing is synced, Ready says why; turning it off stops the watches', async () => {
    const pushedCommit = 'c'.repeat(40);
    const f = fakes({
      automation: pushedTo(pushedCommit, 'm', () => {
        f.repo.head = pushedCommit;
      }),
    });
    let object = gitsync();
    const r = reconciler(f.ports, () => object);
    await r.reconcile(KEY);
    assert.equal(f.syncs.length, 2, 'while enabled, the automated commit is synced at once');
    object = gitsync({ sync: { enabled: false } });
    r.requestAutomation(KEY);
    await r.reconcile(KEY);
    assert.equal(f.stopped(), 1, "the applying engine's drift watches stop");
    assert.equal(f.syncs.length, 2, 'nothing more is synced');
    assert.equal(f.repo.automations, 2, 'automation still runs');
    const write = f.writes[1];
    assert.equal(write?.status.lastAutomationCommit, pushedCommit);
    assert.equal(write?.status.lastSyncedCommit, undefined);
    assert.equal(condition(write, 'Synced')?.reason, 'SyncDisabled');
    assert.equal(condition(write, 'Synced')?.status, 'Unknown');
    assert.deepEqual(condition(write, 'Ready'), {
      type: 'Ready',
      status: 'True',
      reason: 'WriteBackOnly',
      message: 'fetched commit ccccccc; applying is left to another tool (spec.sync.enabled is false)',
    });
  });

  it('credentials that cannot be read are Ready=False with an Event, retried at the poll interval', async () => {
    const f = fakes({ auth: 'missing' });
    const r = reconciler(f.ports, () => gitsync({ secretRef: { name: 'git' }, interval: '30s' }));
    assert.deepEqual(await r.reconcile(KEY), { requeueAfterMs: 30_000 });
    assert.equal(f.repo.opened, 0);
    assert.equal(f.writes.length, 1);
    assert.equal(condition(f.writes[0], 'Ready')?.reason, 'AuthenticationFailed');
    assert.equal(f.events[0]?.reason, 'AuthenticationFailed');
    assert.equal(f.events[0]?.note, 'Secret apps/git not found');
  });

  it('TLS: a bad certSecretRef is InvalidTLSConfig; a changed CA reopens the repository; skip-verify is in Ready', async () => {
    const f = fakes();
    let tls: { ok: true; settings: { ca: string } } | { ok: false; message: string } = {
      ok: false,
      message: 'spec.certSecretRef: Secret apps/git-ca key ca.crt holds no PEM certificate',
    };
    const opened: unknown[] = [];
    f.ports.readTlsSettings = async () => tls;
    const open = f.ports.openRepository;
    f.ports.openRepository = (input) => {
      opened.push(input.tls);
      return open(input);
    };
    let spec: Partial<GitSync['spec']> = { certSecretRef: { name: 'git-ca' } };
    const r = reconciler(f.ports, () => gitsync(spec));
    await r.reconcile(KEY);
    assert.equal(condition(f.writes[0], 'Ready')?.reason, 'InvalidTLSConfig');
    assert.equal(f.events[0]?.reason, 'InvalidTLSConfig');
    assert.equal(f.repo.opened, 0);
    tls = { ok: true, settings: { ca: 'CA one' } };
    await r.reconcile(KEY);
    await r.reconcile(KEY);
    assert.deepEqual(opened, [{ ca: 'CA one' }], 'opened once while the Secret stays the same');
    tls = { ok: true, settings: { ca: 'CA two' } };
    spec = { ...spec, insecureSkipTLSVerify: true };
    await r.reconcile(KEY);
    assert.deepEqual(opened, [{ ca: 'CA one' }, { ca: 'CA two' }], 'a changed Secret reopens the repository');
    assert.match(
      condition(f.writes.at(-1), 'Ready')?.message ?? '',
      /WARNING: spec\.insecureSkipTLSVerify is true, the Git server's certificate is not verified$/,
    );
  });

  it('a signing key that cannot sign: Ready=False SigningKeyInvalid, said once, no automation, sync goes on; a fixed Secret reopens with the signer', async () => {
    let signingKey: SigningKeyResult = {
      ok: true,
      key: { format: 'ssh', privateKey: 'not a key', source: 'Secret apps/signing key identity' },
    };
    const f = fakes({ signingKey: () => signingKey });
    const spec = { automation: { commit: { signingKey: { secretRef: { name: 'signing' } } } } };
    const now = { ms: 1_000_000 };
    const r = reconciler(
      f.ports,
      () => gitsync(spec),
      () => new Date(now.ms),
    );
    await r.reconcile(KEY);
    const ready = condition(f.writes[0], 'Ready');
    assert.equal(ready?.reason, 'SigningKeyInvalid');
    assert.equal(ready?.status, 'False');
    assert.match(
      ready?.message ?? '',
      /^Secret apps\/signing key identity: the SSH private key cannot be read/,
    );
    assert.equal(f.syncs.length, 1, 'the sync is not held back');
    assert.equal(f.repo.automations, 0, 'no automation: nothing may be committed unsigned');
    assert.equal(f.signers.length, 1);
    now.ms += 600_000;
    await r.reconcile(KEY);
    assert.equal(f.repo.automations, 0);
    assert.equal(f.repo.opened, 1, 'the same Secret is not parsed again');
    assert.deepEqual(
      f.events.filter((e) => e.reason === 'SigningKeyInvalid').map((e) => e.type),
      ['Warning'],
    );
    signingKey = {
      ok: true,
      key: {
        format: 'ssh',
        privateKey: generateIdentity('c').privateKey,
        source: 'Secret apps/signing key identity',
      },
    };
    now.ms += 600_000;
    await r.reconcile(KEY);
    assert.equal(f.repo.opened, 2, 'a changed Secret reopens the repository');
    assert.deepEqual(
      f.signers.map((signer) => signer?.format),
      [undefined, 'ssh'],
    );
    assert.equal(f.repo.automations, 1);
    assert.notEqual(condition(f.writes.at(-1), 'Ready')?.reason, 'SigningKeyInvalid');
  });

  it('a signing key Secret that cannot be read is SigningKeyInvalid too', async () => {
    const f = fakes({
      signingKey: () => ({ ok: false, message: 'signing key: Secret apps/signing not found' }),
    });
    const r = reconciler(f.ports, () =>
      gitsync({ automation: { commit: { signingKey: { secretRef: { name: 'signing' } } } } }),
    );
    await r.reconcile(KEY);
    assert.equal(condition(f.writes[0], 'Ready')?.reason, 'SigningKeyInvalid');
    assert.equal(f.repo.automations, 0);
  });

  it('a sync that throws keeps the inventory, says SyncError, and retries within seconds', async () => {
    const f = fakes();
    f.answerSyncWith(async () => {
      throw new Error('the API server went away');
    });
    const r = reconciler(f.ports, () => gitsync());
    const outcome = await r.reconcile(KEY);
    assert.equal(f.writes[0]?.status.inventory, undefined);
    assert.equal(condition(f.writes[0], 'Synced')?.reason, 'SyncError');
    assert.equal(condition(f.writes[0], 'Ready')?.status, 'False');
    assert.ok(outcome?.requeueAfterMs !== undefined && outcome.requeueAfterMs <= 2000);
  });

  it('records the ImagePolicies the manifests name, with the commit they were read at', async () => {
    const f = fakes({ automation: async () => noAutomation(['apps/web']) });
    const r = reconciler(f.ports, () => gitsync());
    await r.reconcile(KEY);
    assert.deepEqual(f.writes[0]?.status.imagePolicyRefs, { commit: f.repo.head, policies: ['apps/web'] });
    await r.reconcile(KEY);
    assert.equal(f.repo.automations, 1, 'automation waits for its interval');
    r.requestAutomation(KEY);
    await r.reconcile(KEY);
    assert.equal(f.repo.automations, 2, 'a requested run does not wait');
  });

  it('an automated commit on the synced branch is announced and synced at once', async () => {
    const pushedCommit = 'c'.repeat(40);
    const f = fakes({
      automation: pushedTo(pushedCommit, 'Auto-release web:2', () => {
        f.repo.head = pushedCommit;
      }),
    });
    const r = reconciler(f.ports, () => gitsync());
    await r.reconcile(KEY);
    assert.equal(f.syncs.length, 2);
    assert.equal(f.writes.length, 1);
    assert.equal(f.writes[0]?.status.lastAutomationCommit, pushedCommit);
    assert.equal(f.writes[0]?.status.lastSyncedCommit, pushedCommit);
    assert.deepEqual(
      f.events.map((event) => [event.reason, event.note]),
      [['AutomatedCommit', 'ccccccc Auto-release web:2']],
    );
  });

  it('a review-branch push with a pull request: Opened/Updated with the URL in an Event and status; no sync of the sync branch; failures and an unneeded PR said once', async () => {
    const outcomes: NonNullable<AutomationRun['pullRequest']>[] = [
      { action: 'opened', branch: 'tagpilot/web', number: 3, url: 'http://forge.test/apps/config/pulls/3' },
      {
        action: 'unchanged',
        branch: 'tagpilot/web',
        number: 3,
        url: 'http://forge.test/apps/config/pulls/3',
      },
      { action: 'updated', branch: 'tagpilot/web', number: 3, url: 'http://forge.test/apps/config/pulls/3' },
      { action: 'failed', branch: 'tagpilot/web', message: 'HTTP 401' },
      { action: 'failed', branch: 'tagpilot/web', message: 'HTTP 401' },
      {
        action: 'notNeeded',
        branch: 'tagpilot/web',
        number: 3,
        url: 'http://forge.test/apps/config/pulls/3',
      },
      {
        action: 'notNeeded',
        branch: 'tagpilot/web',
        number: 3,
        url: 'http://forge.test/apps/config/pulls/3',
      },
    ];
    let run = 0;
    const f = fakes({
      automation: async () => {
        const pullRequest = outcomes[run++];
        const pushed = pullRequest?.action === 'opened' || pullRequest?.action === 'updated';
        return {
          ...noAutomation(),
          push: pushed
            ? {
                commit: 'd'.repeat(40),
                pushed: true,
                branch: 'tagpilot/web',
                message: 'Auto-release web:2',
                changes: [],
                unapplied: [],
                problems: [],
                retries: 0,
              }
            : undefined,
          pullRequest,
        } as AutomationRun;
      },
    });
    const spec = {
      automation: {
        push: {
          branch: 'tagpilot/web',
          pullRequest: { provider: 'gitea' as const, secretRef: { name: 'forge' } },
        },
      },
    };
    const r = reconciler(f.ports, () => gitsync(spec));
    for (let i = 0; i < outcomes.length; i++) {
      if (i > 0) r.requestAutomation(KEY);
      await r.reconcile(KEY);
    }
    assert.equal(f.syncs.length, 1, 'a push to the review branch syncs nothing');
    assert.deepEqual(
      f.events.map((event) => event.reason),
      [
        'AutomatedCommit',
        'PullRequestOpened',
        'AutomatedCommit',
        'PullRequestUpdated',
        'PullRequestFailed',
        'PullRequestNotNeeded',
      ],
    );
    assert.equal(
      f.events.find((e) => e.reason === 'PullRequestOpened')?.note,
      '#3 http://forge.test/apps/config/pulls/3 (tagpilot/web into main)',
    );
    assert.deepEqual(f.writes[0]?.status.pullRequest, {
      number: 3,
      url: 'http://forge.test/apps/config/pulls/3',
      branch: 'tagpilot/web',
    });
  });

  it('per-image branches ({{policy}}): status.pullRequests one entry per branch; a merged one goes; a failure keeps the number; Events per branch, failures once', async () => {
    const url = (n: number) => `http://forge.test/apps/config/pulls/${n}`;
    const flask = { branch: 'tagpilot/flask', policy: 'flask', image: 'r/flask:2' };
    const worker = { branch: 'tagpilot/worker', policy: 'worker', image: 'r/worker:2' };
    const runs: NonNullable<AutomationRun['pullRequests']>[] = [
      [
        { ...flask, action: 'opened', number: 3, url: url(3) },
        { ...worker, action: 'opened', number: 4, url: url(4) },
      ],
      [
        { ...flask, action: 'failed', message: 'HTTP 502' },
        { ...worker, action: 'unchanged', number: 4, url: url(4) },
      ],
      [
        { ...flask, action: 'failed', message: 'HTTP 502' },
        { ...worker, action: 'notNeeded', number: 4, url: url(4) },
      ],
    ];
    let run = 0;
    const f = fakes({
      automation: async () => {
        const pullRequests = runs[run++] ?? [];
        const branches = pullRequests.map((p) => ({
          branch: p.branch,
          policy: p.policy,
          image: p.image,
          push: {
            commit: 'e'.repeat(40),
            pushed: p.action === 'opened',
            branch: p.branch,
            message: `Auto-release ${p.image}`,
            changes: [],
            unapplied: [],
            retries: 0,
          },
        }));
        return { ...noAutomation(), branches, pullRequests };
      },
    });
    const spec = {
      automation: {
        push: {
          branch: 'tagpilot/{{policy}}',
          pullRequest: { provider: 'gitea' as const, secretRef: { name: 'forge' } },
        },
      },
    };
    const r = reconciler(f.ports, () => gitsync(spec, f.writes.at(-1)?.status));
    for (let i = 0; i < runs.length; i++) {
      if (i > 0) r.requestAutomation(KEY);
      await r.reconcile(KEY);
    }
    assert.equal(f.syncs.length, 1, 'pushes to per-image branches sync nothing');
    assert.deepEqual(
      f.events.map((event) => `${event.reason} ${event.note}`),
      [
        `AutomatedCommit ${'e'.repeat(7)} Auto-release r/flask:2`,
        `AutomatedCommit ${'e'.repeat(7)} Auto-release r/worker:2`,
        `PullRequestOpened #3 ${url(3)} (tagpilot/flask into main: r/flask:2)`,
        `PullRequestOpened #4 ${url(4)} (tagpilot/worker into main: r/worker:2)`,
        'PullRequestFailed pull request from tagpilot/flask (r/flask:2): HTTP 502',
        `PullRequestNotNeeded #4 ${url(4)}: the sync branch needs no update from tagpilot/worker any more; the pull request is left open (merge or close it)`,
      ],
    );
    const statuses = f.writes.map((w) => w.status.pullRequests).filter((p) => p !== undefined);
    assert.deepEqual(statuses[0], [
      { ...flask, state: 'Open', number: 3, url: url(3) },
      { ...worker, state: 'Open', number: 4, url: url(4) },
    ]);
    assert.deepEqual(statuses[1], [
      { ...flask, state: 'Failed', message: 'HTTP 502', number: 3, url: url(3) },
      { ...worker, state: 'Open', number: 4, url: url(4) },
    ]);
    assert.deepEqual(statuses[2], [
      { ...flask, state: 'Failed', message: 'HTTP 502', number: 3, url: url(3) },
    ]);
  });

  it('a drift revert patches DriftDetected at once; a full re-sync interval without drift clears it', async () => {
    const f = fakes();
    let now = 1_000_000;
    const r = reconciler(
      f.ports,
      () => gitsync({ sync: { interval: '10m' } }),
      () => new Date(now),
    );
    await r.reconcile(KEY);
    f.handlers()?.onDrift({
      object: 'Deployment apps/web',
      managers: ['kubectl'],
      message: 'spec.replicas 4 -> 1',
    } as DriftReport);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(condition(f.writes.at(-1), 'DriftDetected')?.status, 'True');
    now += 600_000;
    await r.reconcile(KEY);
    assert.equal(condition(f.writes.at(-1), 'DriftDetected')?.reason, 'NoRecentDrift');
  });

  it('after a failover, drift older than the re-sync interval is cleared from what status says', async () => {
    const f = fakes();
    const since = new Date(1_000_000 - 700_000).toISOString();
    const status: GitSyncStatus = {
      conditions: [
        {
          type: 'DriftDetected',
          status: 'True',
          reason: 'DriftReverted',
          message: 'x',
          lastTransitionTime: since,
        },
      ],
    };
    const r = reconciler(f.ports, () => gitsync({}, status));
    await r.reconcile(KEY);
    assert.equal(condition(f.writes[0], 'DriftDetected')?.reason, 'NoRecentDrift');
  });
});
