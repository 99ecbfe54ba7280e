import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { type Emulator, startMoto } from '../../cli/sandbox/moto';
import { lambdaCredentials, sdkSchemas } from '../../infra/bundling';
import { REPO_ROOT } from '../../infra/paths';
import { CHECKED_BY_CLASS, type TrimmedRegistry, trimErrorRegistry } from '../../infra/sdk-error-registry';
import { filesUnder, SDK_DIR as SDK, sdkClientDependencies } from './support';

// The rewrite changes what error a bundled client throws (its class, never its name): checked on made-up files, on
// every client the functions use as installed (package-lock.json), and with bundled clients against moto.

/** A schemas file as the SDK generates it, with the registrations given. */
function schemasFile(...errors: string[]): string {
  return [
    'const _s = "smithy.ts.sdk.synthetic.com.amazonaws.demo";',
    'const n0 = "com.amazonaws.demo";',
    'const _aQE = "awsQueryError";',
    'const _e = "error";',
    'const _c = "client";',
    'const _NF = "NotFound";',
    'const _NFE = "NotFoundException";',
    'const _NST = "NoSuchThing";',
    'const _TE = "ThrottlingException";',
    'import { TypeRegistry } from "@smithy/core/schema";',
    'const _s_registry = new TypeRegistry(_s);',
    'export var DemoServiceException$ = [-3, _s, "DemoServiceException", 0, [], []];',
    '_s_registry.registerError(DemoServiceException$, DemoServiceException);',
    'const n0_registry = new TypeRegistry(n0);',
    ...errors,
    'export const errorTypeRegistries = [',
    '    _s_registry,',
    '    n0_registry,',
    '];',
    '',
  ].join('\n');
}

describe('trimErrorRegistry', () => {
  test('removes the registration of an error the fallback names as its class, and keeps those it would not', () => {
    const source = schemasFile(
      'export var NoSuchThing$ = [-3, n0, _NST,',
      '    { [_e]: _c },',
      '    [_M],',
      '    [0]',
      '];',
      'n0_registry.registerError(NoSuchThing$, NoSuchThing);',
      // Another error's query code: the registry resolves `NotFound` to NotFoundException when NotFound is not held.
      'export var NotFound$ = [-3, n0, _NF,',
      '    { [_e]: _c },',
      '    [_M],',
      '    [0]',
      '];',
      'n0_registry.registerError(NotFound$, NotFound);',
      // A query code other than its name: the service may send `NotFound`, which only the registry maps.
      'export var NotFoundException$ = [-3, n0, _NFE,',
      '    { [_aQE]: [`NotFound`, 404], [_e]: _c },',
      '    [_M],',
      '    [0]',
      '];',
      'n0_registry.registerError(NotFoundException$, NotFoundException);',
      'export var ThrottlingException$ = [-3, n0, _TE,',
      '    { [_aQE]: [`ThrottlingException`, 400], [_e]: _c },',
      '    [_M],',
      '    [0]',
      '];',
      'n0_registry.registerError(ThrottlingException$, ThrottlingException);',
    );

    const { text, unregistered, kept } = trimErrorRegistry(source);

    expect(unregistered).toEqual(['NoSuchThing', 'ThrottlingException']);
    expect(kept).toEqual(['NotFound', 'NotFoundException']);
    // Only those two lines go: the service exception's registration, the declarations and the rest stay.
    expect(text).toBe(
      source
        .replace('n0_registry.registerError(NoSuchThing$, NoSuchThing);\n', '')
        .replace('n0_registry.registerError(ThrottlingException$, ThrottlingException);\n', ''),
    );
    expect(text).toContain('_s_registry.registerError(DemoServiceException$, DemoServiceException);');
  });

  test('reads the registries of clients generated before 3.11xx (TypeRegistry.for) and literal trait keys', () => {
    const source = schemasFile(
      'export var Gone$ = [-3, n0, "Gone", { "error": "client", "awsQueryError": [`Gone`, 410] }, [], []];',
      'n0_registry.registerError(Gone$, Gone);',
      'export var Missing$ = [-3, n0, "Missing",',
      '    { "awsQueryError": ["NoSuchThing", 404] }, [], []];',
      'n0_registry.registerError(Missing$, Missing);',
    ).replace(/new TypeRegistry\(/g, 'TypeRegistry.for(');

    const { unregistered, kept } = trimErrorRegistry(source);

    expect(unregistered).toEqual(['Gone']);
    expect(kept).toEqual(['Missing']);
  });

  test('keeps an error a bundled dependency checks by class (CHECKED_BY_CLASS), unless told otherwise', () => {
    const source = schemasFile(
      'export var ParameterNotFound$ = [-3, n0, "ParameterNotFound", { [_e]: _c }, [], []];',
      'n0_registry.registerError(ParameterNotFound$, ParameterNotFound);',
    );

    expect(trimErrorRegistry(source).kept).toEqual(['ParameterNotFound']);
    expect(trimErrorRegistry(source, new Set()).unregistered).toEqual(['ParameterNotFound']);
  });

  test.each([
    [
      'a declared name other than the class name',
      ['export var Renamed$ = [-3, n0, _NF, { [_e]: _c }, [], []];', 'n0_registry.registerError(Renamed$, Renamed);'],
    ],
    ['an error with no declaration it can read', ['n0_registry.registerError(Missing$, Missing);']],
    ['a schema registered under another class', ['n0_registry.registerError(NotFound$, Other);']],
    [
      'every error of a file with a query code that is not a plain string (it could be any name)',
      [
        'export var NotFound$ = [-3, n0, _NF, { [_aQE]: [code, 404], [_e]: _c }, [], []];',
        'n0_registry.registerError(NotFound$, NotFound);',
        'export var NoSuchThing$ = [-3, n0, _NST, { [_e]: _c }, [], []];',
        'n0_registry.registerError(NoSuchThing$, NoSuchThing);',
      ],
    ],
    [
      'a registry whose namespace it cannot read',
      [
        'const n1_registry = new TypeRegistry(unknownNamespace);',
        'export var NotFound$ = [-3, n0, _NF, { [_e]: _c }, [], []];',
        'n1_registry.registerError(NotFound$, NotFound);',
      ],
    ],
  ])('keeps %s', (_case, lines) => {
    const source = schemasFile(...lines);

    const { text, unregistered } = trimErrorRegistry(source);

    expect(unregistered).toEqual([]);
    expect(text).toBe(source);
  });
});

/** The SDK clients the functions depend on (package.json). */
const CLIENTS = sdkClientDependencies();

/** What the rewrite does to a client's schemas file, as the bundles build it (CHECKED_BY_CLASS kept). */
const TRIMMED = new Map(CLIENTS.map((client) => [client, trimmed(client)]));

function trimmed(client: string, checkedByClass?: ReadonlySet<string>): TrimmedRegistry {
  const file = join(SDK, client.slice('@aws-sdk/'.length), 'dist-es/schemas/schemas_0.js');
  return trimErrorRegistry(readFileSync(file, 'utf8'), checkedByClass);
}

function unregisteredBy(client: string): readonly string[] {
  return TRIMMED.get(client)?.unregistered ?? [];
}

/**
 * The names a file imports from SDK clients: `{ local, client, imported, typeOnly }` for each binding of an
 * `import { ... } from '@aws-sdk/client-x'`, and of a relative import in a client's own files (`own`).
 */
function clientImports(source: string, own?: string) {
  const found: { local: string; client: string; imported: string; typeOnly: boolean }[] = [];
  for (const [, type, bindings, from] of source.matchAll(/import\s*(type\s*)?\{([^}]*)\}\s*from\s*["']([^"']+)["']/g)) {
    const client = /^@aws-sdk\/client-[\w-]+$/.test(from as string) ? from : from?.startsWith('.') ? own : undefined;
    if (client === undefined) continue;
    for (const binding of (bindings as string).split(',')) {
      const typeOnly = type !== undefined || /^\s*type\s/.test(binding);
      const [imported, local = imported] = binding
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/);
      if (imported && local) found.push({ local, client, imported, typeOnly });
    }
  }
  return found;
}

type ErrorClass = new (options: { $metadata: object; message: string }) => Error & Record<string, unknown>;

describe('the error registries of the installed AWS SDK clients', () => {
  test('the functions depend on clients, and the rewrite has errors to remove', () => {
    expect(CLIENTS).toEqual(expect.arrayContaining(['@aws-sdk/client-s3', '@aws-sdk/client-ssm']));
    // When this fails, the SDK no longer registers errors this way: infra/sdk-error-registry.ts has nothing to do.
    expect(CLIENTS.reduce((sum, client) => sum + unregisteredBy(client).length, 0)).toBeGreaterThan(300);
  });

  test.each(CLIENTS)('%s: an error it unregisters is named as its class, and its fault is its status', (client) => {
    const exports = require(client) as Record<string, unknown>;
    const { unregistered, kept } = TRIMMED.get(client) as TrimmedRegistry;

    // Every error's query code, by code: the registry resolves a code to the error that has it.
    const byQueryCode = new Map<string, string[]>();
    for (const [key, schema] of Object.entries(exports)) {
      if (!key.endsWith('$') || !Array.isArray(schema) || schema[0] !== -3) continue;
      const code = ((schema[3] as Record<string, unknown>).awsQueryError as [string] | undefined)?.[0];
      if (code !== undefined) byQueryCode.set(code, [...(byQueryCode.get(code) ?? []), key.slice(0, -1)]);
    }
    for (const name of unregistered) {
      expect([name, byQueryCode.get(name) ?? [name]]).toEqual([name, [name]]);
      const error = new (exports[name] as ErrorClass)({ $metadata: {}, message: 'm' });
      const [, , declared, traits] = exports[`${name}$`] as [number, string, string, Record<string, unknown>];
      // The fallback names the error with the code the service sends: the shape's name, or its query code.
      expect([name, error.name, declared]).toEqual([name, name, name]);
      expect((traits.awsQueryError as [string] | undefined)?.[0] ?? name).toBe(name);
      // The SDK's retries read $retryable, which the fallback does not have.
      expect(error.$retryable).toBeUndefined();
      // The fallback's fault comes from the status: client below 500.
      if (typeof traits.httpError === 'number') {
        expect([name, traits.httpError < 500 ? 'client' : 'server']).toEqual([name, error.$fault]);
      }
    }
    // Kept only for a query code: their own, or another error's that is their name; or for a dependency that checks
    // the class. A declaration the rewrite could not read shows up here.
    for (const name of kept) {
      const [, , , traits] = exports[`${name}$`] as [number, string, string, Record<string, unknown>];
      const code = (traits.awsQueryError as [string] | undefined)?.[0];
      const reason =
        code !== undefined && code !== name
          ? 'a query code of its own'
          : (byQueryCode.get(name) ?? []).some((other) => other !== name)
            ? "another error's query code"
            : CHECKED_BY_CLASS.has(name)
              ? 'checked by class'
              : 'none';
      expect([name, reason]).not.toEqual([name, 'none']);
    }
  });

  test('nothing bundled tests an error the rewrite removes with instanceof, but for CHECKED_BY_CLASS', () => {
    // Without CHECKED_BY_CLASS: what the rewrite would remove if no dependency checked a class, by client.
    const removable = new Map(CLIENTS.map((client) => [client, new Set(trimmed(client, new Set()).unregistered)]));
    const files = [
      ...filesUnder(join(REPO_ROOT, 'functions'), /\.ts$/),
      ...filesUnder(join(REPO_ROOT, 'node_modules', '@aws-lambda-powertools'), /[\\/]lib[\\/]esm[\\/].*\.js$/),
      ...filesUnder(SDK, /[\\/]dist-es[\\/].*\.js$/),
      ...filesUnder(join(REPO_ROOT, 'node_modules', '@smithy'), /[\\/]dist-es[\\/].*\.js$/),
    ];
    const checked = new Map<string, string[]>();
    for (const file of files) {
      const source = readFileSync(file, 'utf8');
      if (!source.includes('instanceof')) continue;
      // The classes the file imports from a client (a client's own files import its errors by a relative path).
      const own = /[\\/](@aws-sdk[\\/]client-[\w-]+)[\\/]dist-es[\\/]/.exec(file)?.[1]?.replace('\\', '/');
      const clientOf = new Map(
        clientImports(source, own).map(({ local, client, imported }) => [local, { client, imported }]),
      );
      for (const [, local] of source.matchAll(/\binstanceof\s+([A-Za-z_$][\w$]*)/g)) {
        const { client, imported } = clientOf.get(local as string) ?? {};
        if (client && imported && removable.get(client)?.has(imported)) {
          checked.set(imported, [...(checked.get(imported) ?? []), file.slice(REPO_ROOT.length + 1)]);
        }
      }
    }

    expect(files.length).toBeGreaterThan(1_000);
    // Powertools Parameters' SSMProvider (throwOnMissing). When it stops, CHECKED_BY_CLASS can lose it.
    expect(checked.get('ParameterNotFound')).toEqual([expect.stringContaining('SSMProvider.js')]);
    for (const [name, where] of checked) expect([name, CHECKED_BY_CLASS.has(name), where]).toEqual([name, true, where]);
    for (const client of CLIENTS) {
      for (const name of unregisteredBy(client)) expect(CHECKED_BY_CLASS.has(name)).toBe(false);
    }
  });

  test('no function imports an error class whose registration the bundles remove: they tell errors by name', () => {
    const files = filesUnder(join(REPO_ROOT, 'functions'), /\.ts$/);

    const imported = files.flatMap((file) =>
      clientImports(readFileSync(file, 'utf8'))
        .filter(({ client, imported, typeOnly }) => !typeOnly && unregisteredBy(client).includes(imported))
        .map(({ imported }) => `${file.slice(REPO_ROOT.length + 1)}: ${imported}`),
    );

    expect(files.length).toBeGreaterThan(50);
    expect(imported).toEqual([]);
  });
});

describe('bundled clients against moto, with and without the rewrite', () => {
  // Each call fails in moto as it would in AWS; the same code is bundled twice, as the stack bundles it and with the
  // registries as shipped, and run in plain node.
  const PROBE = `
import { CreateBucketCommand, GetBucketPolicyCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ConfigServiceClient, DescribeConfigurationRecorderStatusCommand } from '@aws-sdk/client-config-service';
import { DescribeEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetDetectorCommand, GuardDutyClient } from '@aws-sdk/client-guardduty';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DescribeAccountCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { DescribeHubCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
const s3 = new S3Client({ forcePathStyle: true });
const calls = [
  ['SSM GetParameter', () => new SSMClient({}).send(new GetParameterCommand({ Name: '/no/such/parameter' }))],
  ['S3 GetObject', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'probe-bucket' }));
    return s3.send(new GetObjectCommand({ Bucket: 'probe-bucket', Key: 'none' }));
  }],
  ['S3 HeadObject', () => s3.send(new HeadObjectCommand({ Bucket: 'probe-bucket', Key: 'none' }))],
  ['S3 GetBucketPolicy', () => s3.send(new GetBucketPolicyCommand({ Bucket: 'no-such-probe-bucket' }))],
  ['KMS DescribeKey', () => new KMSClient({}).send(new DescribeKeyCommand({ KeyId: '11111111-2222-3333-4444-555555555555' }))],
  ['SFN DescribeExecution', () => new SFNClient({}).send(new DescribeExecutionCommand({ executionArn: 'arn:aws:states:us-east-1:123456789012:execution:none:none' }))],
  ['Organizations DescribeAccount', () => new OrganizationsClient({}).send(new DescribeAccountCommand({ AccountId: '111111111111' }))],
  ['Config DescribeConfigurationRecorderStatus', () => new ConfigServiceClient({}).send(new DescribeConfigurationRecorderStatusCommand({ ConfigurationRecorderNames: ['none'] }))],
  ['EventBridge DescribeEventBus', () => new EventBridgeClient({}).send(new DescribeEventBusCommand({ Name: 'none' }))],
  ['SNS Publish', () => new SNSClient({}).send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:123456789012:none', Message: 'm' }))],
  ['GuardDuty GetDetector', () => new GuardDutyClient({}).send(new GetDetectorCommand({ DetectorId: 'none' }))],
  ['Security Hub DescribeHub', () => new SecurityHubClient({}).send(new DescribeHubCommand({}))],
];
const out = [];
for (const [call, send] of calls) {
  try {
    await send();
    out.push({ call, thrown: false });
  } catch (error) {
    out.push({ call, name: error.name, fault: error.$fault, status: error.$metadata?.httpStatusCode, message: error.message, class: error.constructor.name });
  }
}
process.stdout.write(JSON.stringify(out));
`;
  const outdir = mkdtempSync(join(tmpdir(), 'ct-audit-sdk-errors-'));
  let moto: Emulator;
  beforeAll(async () => {
    moto = await startMoto();
  }, 60_000);
  afterAll(async () => {
    await moto?.stop();
    rmSync(outdir, { recursive: true, force: true });
  });

  type Outcome = { call: string; name?: string; fault?: string; status?: number; message?: string; class?: string };

  async function probe(trimErrors: boolean): Promise<Outcome[]> {
    const result = await build({
      stdin: { contents: PROBE, resolveDir: REPO_ROOT, sourcefile: 'probe.ts', loader: 'ts' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      mainFields: ['module', 'main'],
      write: false,
      logLevel: 'silent',
      plugins: [sdkSchemas({ literalKeys: true, trimErrors }), lambdaCredentials],
    });
    const file = join(outdir, `probe-${trimErrors}.mjs`);
    writeFileSync(file, result.outputFiles[0]?.text ?? '');
    const { stdout } = await promisify(execFile)(process.execPath, [file], {
      env: {
        PATH: process.env.PATH,
        AWS_ENDPOINT_URL: moto.url,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      timeout: 60_000,
    });
    return JSON.parse(stdout) as Outcome[];
  }

  test('every call fails with the same name, fault, status and message; only the class differs', async () => {
    const [asShipped, rewritten] = await Promise.all([probe(false), probe(true)]);

    const withoutClass = (outcomes: Outcome[]) => outcomes.map(({ class: _class, ...rest }) => rest);
    expect(withoutClass(rewritten)).toEqual(withoutClass(asShipped));
    expect(asShipped).toHaveLength(12);
    for (const outcome of asShipped) expect(outcome).toEqual(expect.objectContaining({ name: expect.any(String) }));
    // The rewrite did something: these errors come from the fallback, the client's service exception. (esbuild may
    // prefix a class's name with `_` where two modules declare the same name.)
    const byCall = new Map(rewritten.map((outcome) => [outcome.call, outcome]));
    expect(byCall.get('S3 GetObject')).toEqual(
      expect.objectContaining({
        name: 'NoSuchKey',
        status: 404,
        class: expect.stringMatching(/^_?S3ServiceException$/),
      }),
    );
    expect(byCall.get('S3 HeadObject')).toEqual(
      expect.objectContaining({
        name: 'NotFound',
        status: 404,
        class: expect.stringMatching(/^_?S3ServiceException$/),
      }),
    );
    expect(byCall.get('SFN DescribeExecution')).toEqual(
      expect.objectContaining({
        name: 'ExecutionDoesNotExist',
        class: expect.stringMatching(/^_?SFNServiceException$/),
      }),
    );
    expect(asShipped.find(({ call }) => call === 'S3 GetObject')?.class).toMatch(/^_?NoSuchKey$/);
    // Kept: SNS speaks the query protocol and sends `NotFound`; Powertools checks ParameterNotFound by class.
    expect(byCall.get('SNS Publish')).toEqual(
      expect.objectContaining({ name: 'NotFoundException', class: expect.stringMatching(/^_?NotFoundException$/) }),
    );
    expect(byCall.get('SSM GetParameter')).toEqual(
      expect.objectContaining({ name: 'ParameterNotFound', class: expect.stringMatching(/^_?ParameterNotFound$/) }),
    );
  }, 120_000);
});
