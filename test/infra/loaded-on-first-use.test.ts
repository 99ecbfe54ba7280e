import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { EnableSecurityHubCommand, GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { build } from 'esbuild';
import { type Emulator, startMoto } from '../../cli/sandbox/moto';
import { REMEDIATION_IDS, type RemediationId } from '../../functions/lib/ids';
import { S3ReportStore } from '../../functions/lib/report-store';
import type { AccountRecord, RunInfo } from '../../functions/lib/types';
import { type AccountPlan, PATHS } from '../../functions/remediations/documents';
import { asffId } from '../../functions/report/asff';
import {
  assertLoadedOnFirstUseApart,
  BUNDLE_LOAD_ENV,
  type BuiltBundle,
  bundleFunction,
  loadedAtStart,
  loadedOnFirstUse,
} from '../../infra/bundling';
import { REPO_ROOT } from '../../infra/paths';
import { assumedCredentials } from '../support/assumed-credentials';
import { auditRecord, findings, remediationRun } from '../support/remediation-factories';
import { accountFindings, runSummary, trackedFinding } from '../support/report-factories';

// Publish Report leaves Security Hub's client (a quarter of its cold start) to a file built beside its bundle, which it
// `require`s only when the export is on; Audit Account, its current-state checks and their clients, which it
// `require`s only when a run asks for one. What each of those files shares with index.js (the SDK's core, the clients
// both use) is in shared files, loaded once. This checks the builds and runs both bundles, as Lambda would, against
// moto.
const outdir = mkdtempSync(join(tmpdir(), 'ct-audit-first-use-'));
const dir = join(outdir, 'publish-report');
const sinkFile = join(dir, 'security-hub-sink.js');
const auditDir = join(outdir, 'audit-account');
const checksFile = join(auditDir, 'current-state-checks.js');
const planDir = join(outdir, 'remediation-plan');
const applyDir = join(outdir, 'remediation-apply');
let bundle: BuiltBundle;
let auditBundle: BuiltBundle;
let planBundle: BuiltBundle;
let applyBundle: BuiltBundle;
beforeAll(async () => {
  [bundle, auditBundle, planBundle, applyBundle] = await Promise.all([
    bundleFunction('publish-report', dir),
    bundleFunction('audit-account', auditDir),
    bundleFunction('remediation-plan', planDir),
    bundleFunction('remediation-apply', applyDir),
  ]);
}, 180_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** The code a cold start loads: index.js and the shared files it requires. */
const codeAtStart = (built: BuiltBundle) =>
  loadedAtStart(built)
    .map(({ outfile }) => readFileSync(outfile, 'utf8'))
    .join('\n');

describe('modules a function loads on first use (infra/bundling.ts, LOADED_ON_FIRST_USE)', () => {
  test.each([
    ['Publish Report', () => bundle, sinkFile, ['com.amazonaws.securityhub', 'BatchImportFindings']],
    [
      'Audit Account',
      () => auditBundle,
      checksFile,
      ['com.amazonaws.ec2', 'com.amazonaws.kms', 'com.amazonaws.guardduty', 'com.amazonaws.s3control'],
    ],
  ])(
    "%s's cold start leaves the clients only some settings use to the file built beside it",
    (_, built, file, only) => {
      const { files } = built();
      const atStart = codeAtStart(built());
      const beside = readFileSync(file, 'utf8');

      // Beside the settings' schema, which every function that reads settings loads only for text the stack did not
      // write (functions/lib/read-settings.ts).
      expect(
        files
          .filter(({ kind }) => kind === 'first-use')
          .map(({ outfile }) => basename(outfile))
          .sort(),
      ).toEqual([basename(file), 'settings-schema.js'].sort());
      expect(files[0]?.outfile).toBe(built().outfile);
      expect(atStart).toContain(`"./${basename(file)}"`);
      for (const client of only) {
        expect(atStart).not.toContain(client);
        expect(beside).toContain(client);
      }
    },
  );

  // Remediation Plan and Apply leave each action, with its client, to a file of its own: a plan loads only the actions
  // the settings switch on and the account's findings call for.
  const ACTION_CLIENTS: readonly (readonly [RemediationId, string])[] = [
    ['revoke-world-ingress', 'com.amazonaws.ec2'],
    ['cancel-key-deletion', 'com.amazonaws.kms'],
    ['start-config-recorder', 'com.amazonaws.configservice'],
    ['enable-guardduty', 'com.amazonaws.guardduty'],
  ];
  test.each([
    ['Remediation Plan', () => planBundle],
    ['Remediation Apply', () => applyBundle],
  ])("%s's cold start leaves each action and its client to a file of its own", (_, built) => {
    const { files } = built();
    const atStart = codeAtStart(built());
    const firstUse = files.filter(({ kind }) => kind === 'first-use');
    const text = (name: string) =>
      readFileSync(firstUse.find(({ outfile }) => basename(outfile) === name)?.outfile ?? '', 'utf8');

    expect(firstUse.map(({ outfile }) => basename(outfile)).sort()).toEqual(
      [...REMEDIATION_IDS.map((id) => `remediation-${id}.js`), 'settings-schema.js'].sort(),
    );
    for (const id of REMEDIATION_IDS) expect(atStart).toContain(`"./remediation-${id}.js"`);
    for (const [id, client] of ACTION_CLIENTS) {
      expect(atStart).not.toContain(client);
      expect(text(`remediation-${id}.js`)).toContain(client);
      for (const other of REMEDIATION_IDS.filter((action) => action !== id)) {
        expect(text(`remediation-${other}.js`)).not.toContain(client);
      }
    }
  });

  test.each([
    ['Publish Report', () => bundle, sinkFile, 'com.amazonaws.sns'],
    ['Audit Account', () => auditBundle, checksFile, 'com.amazonaws.sts'],
  ])(
    "%s ships the SDK's core and the clients it shares with that file once, in a file both load",
    (_, built, file, client) => {
      const { files } = built();
      const shared = files.filter(({ kind }) => kind === 'shared').map(({ outfile }) => outfile);
      // Signature V4, the SDK's retries and its user agent: every client's, so in one shared file and nowhere else.
      const core = ['AWS4-HMAC-SHA256', 'amz-sdk-invocation-id', 'aws-sdk-js'];

      expect(shared.length).toBeGreaterThan(0);
      for (const text of core) {
        const holding = files.filter(({ outfile }) => readFileSync(outfile, 'utf8').includes(text));
        expect({ text, files: holding.map(({ kind }) => kind) }).toEqual({ text, files: ['shared'] });
        // ... and index.js requires it, so the cold start loads it, and so does the file loaded on first use.
        expect(loadedAtStart(built()).map(({ outfile }) => outfile)).toContain(holding[0]?.outfile);
        expect(files.find(({ outfile }) => outfile === file)?.requires).toContain(holding[0]?.outfile);
      }
      expect(codeAtStart(built())).toContain(client);
    },
  );

  test('the build is the same bytes every time, whichever first-use module esbuild reaches first', async () => {
    // The asset's hash is that of the output: a build that varied would redeploy the function at every synth.
    const files = (folder: string) =>
      readdirSync(folder)
        .sort()
        .map((name) => [name, readFileSync(join(folder, name), 'utf8')]);
    const again = [1, 2, 3].map((n) => join(outdir, `audit-account-${n}`));

    await Promise.all(again.map((folder) => bundleFunction('audit-account', folder)));

    for (const folder of again) expect(files(folder)).toEqual(files(auditDir));
  }, 120_000);

  test('a build in which such a module went into another file anyway fails, naming both', () => {
    // Arrange: esbuild's account of an index.js, and of a shared file, that took the sink in whole (reached by a
    // path the plugin missed).
    const sink = relative(process.cwd(), join(REPO_ROOT, 'functions', 'report', 'security-hub-sink.ts'));
    const handler = relative(process.cwd(), join(REPO_ROOT, 'functions', 'publish-report', 'handler.ts'));
    const inputs = { [sink]: { bytesInOutput: 2048 } };

    // Act and assert
    expect(() =>
      assertLoadedOnFirstUseApart([{ outfile: join(dir, 'index.js'), entryPoint: handler, inputs }]),
    ).toThrow('functions/report/security-hub-sink.ts went into index.js, though functions load it on first use');
    expect(() => assertLoadedOnFirstUseApart([{ outfile: join(dir, 'shared-X.js'), inputs }])).toThrow(
      'functions/report/security-hub-sink.ts went into shared-X.js, though functions load it on first use',
    );
    expect(() => assertLoadedOnFirstUseApart(bundle.files)).not.toThrow();
    expect(() => assertLoadedOnFirstUseApart(auditBundle.files)).not.toThrow();
  });

  test.each([
    [
      'a static import',
      "import { securityHubSink } from './functions/report/security-hub-sink'; export const make = securityHubSink;",
      'import-statement',
    ],
    ['import()', "export const load = () => import('./functions/report/security-hub-sink.js');", 'dynamic-import'],
  ])('%s of such a module fails the build, with what to do instead', async (_, code, kind) => {
    // Act
    const built = build({
      stdin: { contents: `${code}\nexport const x = 1;`, resolveDir: REPO_ROOT, sourcefile: 'eager.ts', loader: 'ts' },
      bundle: true,
      platform: 'node',
      write: false,
      logLevel: 'silent',
      plugins: [loadedOnFirstUse(new Set())],
    });

    // Assert
    await expect(built).rejects.toThrow(
      `eager.ts imports functions/report/security-hub-sink.ts (${kind}), which functions load on first use ` +
        '(infra/bundling.ts, LOADED_ON_FIRST_USE): `require` it inside the function that needs it',
    );
  });
});

const REGION = 'us-east-1';
const BUCKET = 'ct-audit-reports';
const CREDENTIALS = { accessKeyId: 'AKIAFIRSTUSE', secretAccessKey: 'secret' };

// Runs a bundle's handler as Lambda would, on the event and with a context, and prints its result and the files of the
// asset it loaded, on the last line (the metrics sink writes its lines to stdout before).
const CALL = `
const [bundle, event] = process.argv.slice(1);
const context = { getRemainingTimeInMillis: () => 300000 };
require(bundle).handler(JSON.parse(event), context).then(
  (result) => {
    const beside = require('path').dirname(require.resolve(bundle));
    const files = Object.keys(require.cache)
      .filter((loadedFile) => require('path').dirname(loadedFile) === beside)
      .map((loadedFile) => require('path').basename(loadedFile));
    process.stdout.write('\\n' + JSON.stringify({ result, files }));
  },
  (error) => process.stdout.write('\\nERROR ' + error.message),
);
`;

/**
 * Runs `bundle`'s handler on `event` in plain node, with the stack's environment pointed at the emulator with the
 * test's keys and changed by `env`: what it returned, and every file of the asset it loaded.
 */
async function runBundled<T>(
  bundle: string,
  event: unknown,
  emulatorUrl: string,
  env: Record<string, string> = {},
): Promise<{ result: T; files: string[] }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', CALL, bundle, JSON.stringify(event)], {
    env: {
      ...BUNDLE_LOAD_ENV,
      AWS_ENDPOINT_URL: emulatorUrl,
      AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
      AWS_REGION: REGION,
      REPORT_BUCKET: BUCKET,
      ...env,
    },
    timeout: 30_000,
  });
  const last = stdout.trim().split('\n').pop() ?? '';
  if (last.startsWith('ERROR')) throw new Error(last);
  return JSON.parse(last);
}

describe('the bundled Publish Report, run in plain node against the emulator', () => {
  const ACCOUNT = '123456789012';
  const run: RunInfo = {
    id: 'run-2',
    mode: 'audit',
    checks: ['identity', 'cloudtrail-events'],
    role: 'readOnly',
    startedAt: '2030-01-02T06:00:00.000Z',
    maxConcurrency: 10,
    failOnIssues: false,
    reportLocation: `s3://${BUCKET}/runs/2030-01-02/run-2/`,
  };
  const finding = trackedFinding();
  let emulator: Emulator;
  let topicArn = '';
  /** The test's own clients: the emulator, with the keys the bundled handler is given. */
  const clientConfig = () => ({ region: REGION, endpoint: emulator.url, credentials: CREDENTIALS });

  beforeAll(async () => {
    emulator = await startMoto();
    const config = clientConfig();
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    topicArn = (await new SNSClient(config).send(new CreateTopicCommand({ Name: 'runs' }))).TopicArn as string;
    await new SecurityHubClient(config).send(new EnableSecurityHubCommand({}));
    const store = new S3ReportStore(BUCKET, s3);
    await store.putJson(
      run,
      'summary.json',
      runSummary({ totals: { accounts: 1, pass: 0, fail: 1, error: 0, skipped: 0 } }),
    );
    await store.putJson(run, `findings/${finding.accountId}.json`, accountFindings([finding]));
  }, 60_000);
  afterAll(() => emulator?.stop());

  async function publish(settings: unknown) {
    const { result, files } = await runBundled<{ sinks: { sink: string; ok: boolean; detail: string }[] }>(
      bundle.outfile,
      { run },
      emulator.url,
      { RUN_TOPIC_ARN: topicArn, AUDIT_ACCOUNT_ID: ACCOUNT, CT_AUDIT_SETTINGS: JSON.stringify(settings) },
    );
    return { result, loaded: files.includes(basename(sinkFile)) };
  }

  test('with the export on, it loads the sink beside it and imports the run’s findings into Security Hub', async () => {
    // Act
    const { result, loaded } = await publish({ securityHub: { enabled: true } });

    // Assert
    expect(loaded).toBe(true);
    expect(result.sinks.find(({ sink }) => sink === 'securityhub')).toEqual({
      sink: 'securityhub',
      ok: true,
      detail: expect.stringMatching(/^1 imported, 0 refused, 0 invalid; archive queue: 0 sent again, \d+ kept/),
    });
    const found = await new SecurityHubClient(clientConfig()).send(new GetFindingsCommand({}));
    expect((found.Findings ?? []).map(({ Id }) => Id)).toContain(asffId(finding));
  });

  test('with it off, the default, it never loads that file', async () => {
    // Act
    const { result, loaded } = await publish({});

    // Assert
    expect(loaded).toBe(false);
    expect(result.sinks.map(({ sink }) => sink)).not.toContain('securityhub');
    expect(result.sinks.filter(({ ok }) => !ok)).toEqual([]);
  });
});

describe('the bundled Audit Account, run in plain node against the emulator', () => {
  const TARGET = '222222222222';
  let emulator: Emulator;
  let s3: S3Client;

  beforeAll(async () => {
    emulator = await startMoto();
    s3 = new S3Client({ region: REGION, endpoint: emulator.url, credentials: CREDENTIALS, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  }, 60_000);
  afterAll(() => emulator?.stop());

  async function audit(id: string, checks: string[]): Promise<{ status: string; checks: string[]; loaded: boolean }> {
    const run: RunInfo = {
      id,
      mode: 'audit',
      checks,
      role: 'readOnly',
      startedAt: '2030-01-02T06:00:00.000Z',
      maxConcurrency: 10,
      failOnIssues: false,
      reportLocation: `s3://${BUCKET}/runs/2030-01-02/${id}/`,
    };
    const { result, files } = await runBundled<{ status: string }>(
      auditBundle.outfile,
      { accountId: TARGET, run },
      emulator.url,
    );
    // The record the bundle wrote: which checks ran, and how each ended.
    const record = await new S3ReportStore(BUCKET, s3).getJson<AccountRecord>(run, `accounts/${TARGET}.json`);
    return {
      status: result.status,
      checks: Object.entries(record?.checks ?? {}).map(([check, { status }]) => `${check} ${status}`),
      loaded: files.includes(basename(checksFile)),
    };
  }

  test('a run that asks for a current-state check loads the checks beside the bundle, and the check runs', async () => {
    // Act
    const outcome = await audit('run-current-state', ['identity', 'kms-key-deletion', 'network-exposure']);

    // Assert
    expect(outcome).toEqual({
      status: 'PASS',
      checks: ['identity PASS', 'kms-key-deletion PASS', 'network-exposure PASS'],
      loaded: true,
    });
  });

  test('a run that asks for none, the default, never loads that file', async () => {
    // Act
    const outcome = await audit('run-identity', ['identity']);

    // Assert
    expect(outcome).toEqual({ status: 'PASS', checks: ['identity PASS'], loaded: false });
  });
});

describe('the bundled Remediation Plan, run in plain node against the emulator', () => {
  // A member account apart from the emulator's default: the plan assumes the read-only execution role there.
  const TARGET = '210987654321';
  const AUDIT_RUN = { id: 'audit-run-1', startedAt: '2030-01-02T06:00:00.000Z' };
  let emulator: Emulator;
  let s3: S3Client;
  let ruleId = '';

  beforeAll(async () => {
    emulator = await startMoto();
    const config = { region: REGION, endpoint: emulator.url, credentials: CREDENTIALS };
    s3 = new S3Client({ ...config, forcePathStyle: true });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    // The open rule, in the member account (credentials of a role there).
    const ec2 = new EC2Client({
      ...config,
      credentials: await assumedCredentials(config, `arn:aws:iam::${TARGET}:role/seed`, 'seed'),
    });
    const { GroupId: groupId } = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: 'web', Description: 'web servers' }),
    );
    const opened = await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: groupId,
        IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      }),
    );
    ruleId = opened.SecurityGroupRules?.[0]?.SecurityGroupRuleId as string;
    const record = auditRecord(TARGET, [
      findings.worldIngress({ ruleId, groupId, port: 22 }),
      findings.keyPendingDeletion(),
    ]);
    await new S3ReportStore(BUCKET, s3).putJson(AUDIT_RUN, `accounts/${TARGET}.json`, record);
  }, 60_000);
  afterAll(() => emulator?.stop());

  async function plan(id: string, settings: unknown) {
    const run = remediationRun({
      id,
      mode: 'plan',
      auditRun: { ...AUDIT_RUN, location: `s3://${BUCKET}/runs/2030-01-02/audit-run-1/` },
      reportLocation: `s3://${BUCKET}/runs/2030-01-02/${id}/`,
    });
    const { result, files } = await runBundled<{ planned: number }>(
      planBundle.outfile,
      { accountId: TARGET, run },
      emulator.url,
      { CT_AUDIT_SETTINGS: JSON.stringify(settings) },
    );
    const written = await new S3ReportStore(BUCKET, s3).getJson<AccountPlan>(run, PATHS.plan(TARGET));
    return {
      planned: result.planned,
      items: (written?.items ?? []).map((item) => `${item.action} ${item.decision}`),
      stateSeen: written?.items[0]?.stateSeen,
      actionFiles: files.filter((file) => file.startsWith('remediation-')).sort(),
    };
  }

  test('with one action on, it loads that action alone, which reads the resource through the execution role', async () => {
    // Act
    const outcome = await plan('remediation-run-one', {
      adminEnabled: true,
      remediation: { actions: { 'revoke-world-ingress': true } },
    });

    // Assert
    expect(outcome).toEqual({
      planned: 1,
      items: ['revoke-world-ingress PLANNED', 'cancel-key-deletion NOT_ENABLED'],
      stateSeen: expect.objectContaining({ present: true, ruleId, cidrIpv4: '0.0.0.0/0', fromPort: 22 }),
      actionFiles: ['remediation-revoke-world-ingress.js'],
    });
  });

  test('with every action off, the default, it plans from the catalog and loads no action', async () => {
    // Act
    const outcome = await plan('remediation-run-none', { adminEnabled: true });

    // Assert
    expect(outcome).toEqual({
      planned: 0,
      items: ['revoke-world-ingress NOT_ENABLED', 'cancel-key-deletion NOT_ENABLED'],
      stateSeen: undefined,
      actionFiles: [],
    });
  });
});
