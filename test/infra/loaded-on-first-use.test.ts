import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { EnableSecurityHubCommand, GetFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { build, type Metafile } from 'esbuild';
import { type Emulator, startMoto } from '../../cli/sandbox/moto';
import { S3ReportStore } from '../../functions/lib/report-store';
import type { RunInfo } from '../../functions/lib/types';
import { asffId } from '../../functions/report/asff';
import {
  assertLoadedOnFirstUseApart,
  BUNDLE_LOAD_ENV,
  type BuiltBundle,
  bundleFunction,
  loadedOnFirstUse,
} from '../../infra/bundling';
import { REPO_ROOT } from '../../infra/paths';
import { accountFindings, runSummary, trackedFinding } from '../support/report-factories';

// Publish Report leaves Security Hub's client (a quarter of its cold start) to a file built beside its bundle, which it
// `require`s only when the export is on. This checks the build and runs the bundle, as Lambda would, against moto.
const outdir = mkdtempSync(join(tmpdir(), 'ct-audit-first-use-'));
const dir = join(outdir, 'publish-report');
const sinkFile = join(dir, 'security-hub-sink.js');
let bundle: BuiltBundle;
beforeAll(async () => {
  bundle = await bundleFunction('publish-report', dir);
}, 120_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('modules a function loads on first use (infra/bundling.ts, LOADED_ON_FIRST_USE)', () => {
  test("Publish Report's bundle leaves Security Hub's client to the file built beside it", () => {
    const main = readFileSync(bundle.outfile, 'utf8');
    const beside = readFileSync(sinkFile, 'utf8');

    expect(bundle.loadedOnFirstUse.map(({ outfile }) => outfile)).toEqual([sinkFile]);
    expect(main).toContain('require("./security-hub-sink.js")');
    for (const client of ['com.amazonaws.securityhub', 'BatchImportFindings']) {
      expect(main).not.toContain(client);
      expect(beside).toContain(client);
    }
  });

  test('a build in which such a module went into another file anyway fails, naming both', () => {
    // Arrange: esbuild's account of an index.js that took the sink in whole (reached by a path the plugin missed).
    const sink = relative(process.cwd(), join(REPO_ROOT, 'functions', 'report', 'security-hub-sink.ts'));
    const handler = relative(process.cwd(), join(REPO_ROOT, 'functions', 'publish-report', 'handler.ts'));
    const metafile = {
      inputs: {},
      outputs: { 'index.js': { entryPoint: handler, inputs: { [sink]: { bytesInOutput: 2048 } } } },
    } as unknown as Metafile;

    // Act and assert
    expect(() => assertLoadedOnFirstUseApart([{ outfile: join(dir, 'index.js'), metafile }])).toThrow(
      'functions/report/security-hub-sink.ts went into index.js, though functions load it on first use',
    );
    expect(() => assertLoadedOnFirstUseApart([bundle, ...bundle.loadedOnFirstUse])).not.toThrow();
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

describe('the bundled Publish Report, run in plain node against the emulator', () => {
  const REGION = 'us-east-1';
  const ACCOUNT = '123456789012';
  const BUCKET = 'ct-audit-reports';
  const credentials = { accessKeyId: 'AKIAFIRSTUSE', secretAccessKey: 'secret' };
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
  const clientConfig = () => ({ region: REGION, endpoint: emulator.url, credentials });

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

  // The handler's result and whether the file beside the bundle was loaded, on the last line (the metrics sink writes
  // its embedded-metric lines to stdout before it).
  const CALL = `
require(process.argv[1]).handler({ run: JSON.parse(process.argv[2]) }).then(
  (result) => {
    const loaded = Object.keys(require.cache).some((file) => file.endsWith('security-hub-sink.js'));
    process.stdout.write('\\n' + JSON.stringify({ result, loaded }));
  },
  (error) => process.stdout.write('\\nERROR ' + error.message),
);
`;

  async function publish(
    settings: unknown,
  ): Promise<{ result: { sinks: { sink: string; ok: boolean; detail: string }[] }; loaded: boolean }> {
    const env = {
      ...BUNDLE_LOAD_ENV,
      AWS_ENDPOINT_URL: emulator.url,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_REGION: REGION,
      REPORT_BUCKET: BUCKET,
      RUN_TOPIC_ARN: topicArn,
      AUDIT_ACCOUNT_ID: ACCOUNT,
      CT_AUDIT_SETTINGS: JSON.stringify(settings),
    };
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', CALL, bundle.outfile, JSON.stringify(run)], {
      env,
      timeout: 30_000,
    });
    const last = stdout.trim().split('\n').pop() ?? '';
    if (last.startsWith('ERROR')) throw new Error(last);
    return JSON.parse(last);
  }

  test('with the export on, it loads the sink beside it and imports the run’s findings into Security Hub', async () => {
    // Act
    const { result, loaded } = await publish({ securityHub: { enabled: true } });

    // Assert
    expect(loaded).toBe(true);
    expect(result.sinks.find(({ sink }) => sink === 'securityhub')).toEqual({
      sink: 'securityhub',
      ok: true,
      detail: '1 imported, 0 refused, 0 invalid',
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
