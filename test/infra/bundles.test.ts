import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { build, type Metafile } from 'esbuild';
import { NO_LAMBDA_CREDENTIALS } from '../../functions/lib/lambda-credentials';
import { SETTINGS_SHA256_ENV, settingsFingerprint } from '../../functions/lib/read-settings';
import type { SettingsInput } from '../../functions/lib/settings';
import { SDK_TIMEOUTS_ENV, SETTINGS_ENV } from '../../functions/lib/settings-env';
import { SETTINGS_PARAMETER_ENV } from '../../functions/lib/settings-parameter';
import {
  BUNDLE_LOAD_ENV,
  type BuiltBundle,
  bundleFunction,
  bundleFunctionSync,
  handlerNames,
  lambdaCredentials,
  PACKAGE_VERSION_NAMESPACE,
} from '../../infra/bundling';
import { AuditFunction } from '../../infra/constructs/audit-function';
import { REPO_ROOT } from '../../infra/paths';
import { settingsSchemaId } from '../../infra/settings-schema-id';
import { synthesize } from './support';

// Every function's bundle, built with the options the stack deploys (ES module builds of the SDK first, minified,
// source maps on), loaded in a plain `node` as Lambda loads it: its module scope runs (clients made, settings read)
// and it exports a handler. The unit tests run the TypeScript sources, so this is what checks the bundling itself.
const outdir = mkdtempSync(join(tmpdir(), 'ct-audit-bundles-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const LOAD = `
const loaded = require(process.argv[1]);
process.stdout.write(typeof loaded.handler);
`;

// As LOAD, whether zod has started (its core sets this global when it first runs) and whether the settings' schema
// file was loaded: a function reading settings that carry the stack's fingerprint does not validate them again
// (functions/lib/read-settings.ts).
const LOAD_AS_DEPLOYED = `
const loaded = require(process.argv[1]);
process.stdout.write(JSON.stringify({
  handler: typeof loaded.handler,
  zod: globalThis.__zod_globalConfig !== undefined,
  schema: Object.keys(require.cache).some((file) => file.endsWith('settings-schema.js')),
}));
`;

/**
 * The functions that build the zod schema of their input at load: every invocation validates its input with it
 * (Remediation Apply with Remediation Plan's, functions/remediations/plan.ts).
 */
const VALIDATES_INPUT_AT_LOAD = [
  'audit-account',
  'resolve-targets',
  'remediation-start',
  'remediation-plan',
  'remediation-apply',
];

const names = handlerNames();
const bundles = new Map(names.map((name) => [name, join(outdir, name, 'index.js')]));
/** What each function's build made: `index.js`, the files it loads on first use and those they share. */
const built = new Map<string, BuiltBundle>();
beforeAll(async () => {
  await Promise.all(names.map(async (name) => built.set(name, await bundleFunction(name, join(outdir, name)))));
}, 120_000);

/**
 * The source files whose code is in any file a function ships, with their bytes there and what they import: one
 * shaken out entirely is left out.
 */
function shippedInputs(
  name: string,
): [file: string, bytesInOutput: number, imports: Metafile['inputs'][string]['imports']][] {
  const bundle = built.get(name);
  return (bundle?.files ?? []).flatMap(({ inputs }) =>
    Object.entries(inputs)
      .filter(([, { bytesInOutput }]) => bytesInOutput > 0)
      .map(([file, { bytesInOutput }]): [string, number, Metafile['inputs'][string]['imports']] => [
        file,
        bytesInOutput,
        bundle?.metafile.inputs[file]?.imports ?? [],
      ]),
  );
}

/** The code of every file a function ships, `index.js` and those it loads on first use or shares. */
function shippedCode(name: string): string {
  return (built.get(name)?.files ?? []).map(({ outfile }) => readFileSync(outfile, 'utf8')).join('\n');
}

describe('function bundles', () => {
  test('there is one per handler folder', () => {
    expect([...bundles.keys()]).toEqual(expect.arrayContaining(['audit-account', 'resolve-targets', 'summarize']));
  });

  test.each([...bundles.keys()])('%s loads in plain node and exports a handler', (name) => {
    // Act
    const out = spawnSync(process.execPath, ['-e', LOAD, bundles.get(name) as string], {
      env: BUNDLE_LOAD_ENV,
      encoding: 'utf8',
      timeout: 30_000,
    });

    // Assert
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe('function');
  });

  // The environment of each function as the stack sets it, not BUNDLE_LOAD_ENV's (which gives every bundle settings):
  // a handler that reads at load a variable the stack does not set fails every cold start. Summarize once did.
  const configurations: Record<string, SettingsInput> = {
    'cdk.json': {},
    'the admin path, a plan after each audit, Security Hub': {
      adminEnabled: true,
      remediation: { afterScheduledAudit: 'plan' },
      securityHub: { enabled: true },
    },
    'dedicated roles, SDK timeouts set': {
      roles: { createDedicatedRoles: true },
      organizationId: 'o-a1b2c3d4e5',
      sdk: { connectionTimeoutMs: 1500, requestTimeoutMs: 9000 },
    },
  };
  const deployed = Object.entries(configurations).flatMap(([configuration, settings]) => {
    const { stack, template } = synthesize(settings);
    const resources = template.toJSON().Resources as Record<
      string,
      { Type: string; Properties: { Environment: { Variables: Record<string, unknown> }; Value?: string } }
    >;
    // The stack's one settings parameter: the sdk block every function's clients follow.
    const [stackSettings] = Object.values(resources).filter(({ Type }) => Type === 'AWS::SSM::Parameter');
    const sdkText = JSON.stringify((JSON.parse(stackSettings?.Properties.Value ?? '{}') as { sdk?: unknown }).sdk);
    const parameterValue = (variable: unknown) =>
      resources[(variable as { Ref: string } | undefined)?.Ref ?? '']?.Properties.Value;
    return stack.node
      .findAll()
      .filter((construct): construct is AuditFunction => construct instanceof AuditFunction)
      .map((fn) => {
        const resource = resources[stack.getLogicalId(fn.node.defaultChild as CfnFunction)];
        if (resource === undefined) throw new Error(`${fn.node.path} is not in the template`);
        const variables = resource.Properties.Environment.Variables;
        // The settings text the function reads: in its environment, or the parameter's value.
        const settingsText = variables[SETTINGS_ENV] ?? parameterValue(variables[SETTINGS_PARAMETER_ENV]);
        return { configuration, name: fn.handlerName, id: fn.node.path, variables, settingsText, sdkText };
      });
  });

  test('the stack deploys every handler folder in one of these configurations', () => {
    expect([...new Set(deployed.map(({ name }) => name))].sort()).toEqual([...names].sort());
  });

  test.each(
    deployed.map(
      ({ configuration, id, name, settingsText, variables, sdkText }) =>
        [configuration, id, name, settingsText, variables, sdkText] as const,
    ),
  )(
    '%s: %s reads settings with the fingerprint of the very text it reads (reading the parameter, the SDK timeouts beside), or reads none and gets the SDK timeouts alone',
    (_configuration, _id, name, settingsText, variables, sdkText) => {
      if (settingsText === undefined) {
        expect(variables[SETTINGS_SHA256_ENV]).toBeUndefined();
        expect(name).toBe('record-account-error');
        // It reads no settings, but its client follows the sdk timeouts like every other.
        expect(variables[SDK_TIMEOUTS_ENV]).toBe(sdkText);
      } else {
        expect(typeof settingsText).toBe('string');
        expect(variables[SETTINGS_SHA256_ENV]).toBe(settingsFingerprint(settingsText as string, settingsSchemaId()));
        // A function reading the parameter makes its clients before it reads it: the sdk block comes alone.
        const sdk = JSON.stringify((JSON.parse(settingsText as string) as { sdk: unknown }).sdk);
        expect(variables[SDK_TIMEOUTS_ENV] ?? variables[SETTINGS_ENV]).toEqual(
          variables[SETTINGS_PARAMETER_ENV] === undefined ? settingsText : sdk,
        );
      }
    },
  );

  test.each(deployed.map(({ configuration, id, name, variables }) => [configuration, id, name, variables] as const))(
    '%s: %s loads with the environment the stack gives it and exports a handler',
    (_configuration, _id, name, variables) => {
      // A reference to another resource (the bucket's name, a topic's ARN) resolves only in CloudFormation.
      const fromTemplate = Object.fromEntries(
        Object.entries(variables).map(([key, value]) => [key, typeof value === 'string' ? value : `resolved-${key}`]),
      );
      // What Lambda adds: the region and the execution role's credentials; the endpoint answers nothing.
      const lambda = {
        PATH: process.env.PATH ?? '',
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'not-a-key',
        AWS_SECRET_ACCESS_KEY: 'not-a-secret',
        AWS_SESSION_TOKEN: 'not-a-token',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        // This machine runs Node.js 20, of which the SDK warns; Lambda runs 24.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      };

      const out = spawnSync(process.execPath, ['-e', LOAD_AS_DEPLOYED, bundles.get(name) as string], {
        env: { ...lambda, ...fromTemplate },
        encoding: 'utf8',
        timeout: 30_000,
      });

      expect(out.stderr).toBe('');
      // The settings' schema is never loaded: every function that reads settings at load has the stack's fingerprint.
      expect(JSON.parse(out.stdout)).toEqual({
        handler: 'function',
        zod: VALIDATES_INPUT_AT_LOAD.includes(name),
        schema: false,
      });
    },
  );

  test.each(['audit-account', 'remediation-approval'])(
    '%s validates settings without the stack’s fingerprint with the schema, in the file built beside it',
    (name) => {
      const { [SETTINGS_SHA256_ENV]: _fingerprint, ...unsigned } = BUNDLE_LOAD_ENV;
      const load = (settings: string) =>
        spawnSync(process.execPath, ['-e', LOAD_AS_DEPLOYED, bundles.get(name) as string], {
          env: { ...unsigned, [SETTINGS_ENV]: settings },
          encoding: 'utf8',
          timeout: 30_000,
        });

      const valid = load(JSON.stringify({ maxConcurrency: 7 }));
      const wrong = load(JSON.stringify({ maxConcurrency: 0 }));

      expect(readdirSync(join(outdir, name))).toContain('settings-schema.js');
      expect(valid.stderr).toBe('');
      expect(JSON.parse(valid.stdout)).toEqual({ handler: 'function', zod: true, schema: true });
      expect(wrong.status).not.toBe(0);
      expect(wrong.stderr).toContain(
        `InvalidSettings: invalid settings: ${SETTINGS_ENV}.maxConcurrency: must be a whole number from 1 to 1000 (got 0)`,
      );
    },
  );

  test.each(['resolve-targets', 'record-account-error', 'summarize'])(
    "%s carries none of the checks' clients (Resolve Targets validates runs against the catalog)",
    (name) => {
      const code = shippedCode(name);
      for (const service of ['com.amazonaws.ec2', 'com.amazonaws.guardduty', 'com.amazonaws.securityhub']) {
        expect(code).not.toContain(service);
      }
    },
  );

  test.each(['record-account-error', 'remediation-review', 'remediation-summarize'])(
    '%s, which reads no settings, carries neither their schema nor zod (functions/lib/settings-env.ts)',
    (name) => {
      const code = shippedCode(name);
      expect(code).not.toContain('_zod');
      expect(code.length).toBeLessThan(300_000);
    },
  );

  test.each(names)(
    '%s imports no bundled module dynamically (esbuild would wrap it and all it imports: infra/sdk-static-imports.ts)',
    (name) => {
      // A file the bundler read and shook out entirely imports nothing.
      const shipped = shippedInputs(name);
      const dynamic = shipped.flatMap(([file, , imports]) =>
        imports
          .filter((entry) => entry.kind === 'dynamic-import' && !entry.external)
          .map((entry) => `${file} -> ${entry.path}`),
      );
      expect(dynamic).toEqual([]);
      expect(shipped.length).toBeGreaterThan(100);
    },
  );

  test.each(names)(
    '%s: the source map of each file it ships leads to the sources, not to the build in between',
    (name) => {
      // The asset is built in two passes (ES modules with code splitting, then CommonJS): each map must be carried
      // through, so that a stack trace with --enable-source-maps names the TypeScript file and line.
      const files = built.get(name)?.files ?? [];
      expect(files.length).toBeGreaterThan(0);
      for (const { outfile, kind, entryPoint } of files) {
        const map = JSON.parse(readFileSync(`${outfile}.map`, 'utf8')) as { sources: string[] };
        expect(readFileSync(outfile, 'utf8')).toContain(`//# sourceMappingURL=${basename(outfile)}.map`);
        expect(map.sources.filter((source) => !/(?:^|\/)(?:functions|node_modules)\//.test(source))).toEqual([]);
        // The file built from a source of ours maps to it; a shared file may hold esbuild's helpers alone.
        if (kind !== 'shared') expect(map.sources.some((source) => source.endsWith(entryPoint ?? '?'))).toBe(true);
      }
      const handlerMap = JSON.parse(readFileSync(`${bundles.get(name)}.map`, 'utf8')) as { sources: string[] };
      expect(handlerMap.sources.some((source) => source.endsWith(`functions/${name}/handler.ts`))).toBe(true);
    },
  );

  test.each(names)('%s: every file its code names beside it is in the asset, and every file there is named', (name) => {
    // index.js requires its shared files, and a file loaded on first use is named by the code that requires it.
    const files = built.get(name)?.files ?? [];
    const shipped = files.map(({ outfile }) => basename(outfile)).sort();
    const named = new Set(
      files.flatMap(({ outfile }) =>
        [...readFileSync(outfile, 'utf8').matchAll(/["']\.\/([\w.-]+\.js)["']/g)].map((match) => match[1] as string),
      ),
    );
    expect([...named].filter((file) => !shipped.includes(file))).toEqual([]);
    expect(shipped.filter((file) => file !== 'index.js' && !named.has(file))).toEqual([]);
    expect(
      readdirSync(join(outdir, name))
        .filter((file) => file.endsWith('.js'))
        .sort(),
    ).toEqual(shipped);
    expect(files.filter(({ kind }) => kind === 'dynamic')).toEqual([]);
  });

  test('a build into a folder that is not empty is refused: a file left there would ship', async () => {
    const used = join(outdir, 'used');
    mkdirSync(used);
    writeFileSync(join(used, 'shared-OLD.js'), '');
    await expect(bundleFunction('record-account-error', used)).rejects.toThrow(
      `bundleFunction writes into an empty directory, and ${used} is not: give a new one`,
    );
  });

  test.each(names)('%s carries only the version of each AWS SDK package.json (sdkPackageVersions)', (name) => {
    const packageFiles = shippedInputs(name).filter(([file]) => /package\.json$/.test(file));
    expect(packageFiles.length).toBeGreaterThan(0);
    for (const [file, bytesInOutput] of packageFiles) {
      expect({ file, trimmed: file.startsWith(`${PACKAGE_VERSION_NAMESPACE}:`) && bytesInOutput < 64 }).toEqual({
        file,
        trimmed: true,
      });
    }
  });

  test('audit-account carries the clients of its checks', () => {
    const code = shippedCode('audit-account');
    expect(code).toContain('com.amazonaws.ec2');
  });

  test("audit-account carries the schemas of the EC2 operations it sends and not EC2's others (infra/sdk-schema-keys.ts)", () => {
    const code = shippedCode('audit-account');

    // network-exposure: the rules, and the entries of the prefix lists they name.
    expect(code).toContain('"DescribeSecurityGroupRules"');
    expect(code).toContain('"GetManagedPrefixListEntries"');
    for (const unused of ['RunInstances', 'CreateVpnConnection', 'DescribeImages']) expect(code).not.toContain(unused);
    // The 1.3 MB of EC2 schemas as shipped made the bundle 1.7 MB.
    expect(code.length).toBeLessThan(1_000_000);
  });

  test('the synchronous build CDK runs fails with a named error when esbuild fails', () => {
    // A handler folder that does not exist: esbuild cannot resolve the entry point.
    expect(() => bundleFunctionSync('no-such-function', join(outdir, 'no-such-function'))).toThrow(
      /^Bundling functions\/no-such-function failed \(exit 1\)/,
    );
  });
});

describe("a bundle's credentials (functions/lib/lambda-credentials.ts)", () => {
  // Record Account Error's bundle writes one record to S3, here a loopback server that records each request's
  // headers and, at /credentials, is the container credential endpoint too.
  const CALL = `
require(process.argv[1]).handler({ accountId: '111111111111', run: { id: 'run-1', checks: ['identity'] } }).then(
  (result) => process.stdout.write(JSON.stringify(result)),
  (error) => process.stdout.write('ERROR ' + error.message),
);
`;
  const requests: { url: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((request, response) => {
    requests.push({ url: request.url ?? '', headers: request.headers });
    request.resume();
    if (request.url === '/credentials') {
      response.setHeader('content-type', 'application/json');
      const expiration = new Date(Date.now() + 3_600_000).toISOString();
      response.end(
        JSON.stringify({ AccessKeyId: 'ASIACONTAINER', SecretAccessKey: 's', Token: 't', Expiration: expiration }),
      );
      return;
    }
    response.setHeader('etag', '"0"');
    response.end();
  });
  let endpoint = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());
  beforeEach(() => {
    requests.length = 0;
  });

  /** Runs the handler in plain node with the environment Lambda would give, changed by `env`. */
  async function callWith(env: Record<string, string | undefined>): Promise<string> {
    const { AWS_ACCESS_KEY_ID: _key, AWS_SECRET_ACCESS_KEY: _secret, ...noKeys } = BUNDLE_LOAD_ENV;
    const merged = { ...noKeys, AWS_ENDPOINT_URL: endpoint, ...env };
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-e', CALL, bundles.get('record-account-error') as string],
      { env: Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined)), timeout: 30_000 },
    );
    return stdout;
  }

  test("the chain replaces the SDK's default one only for the clients: any other import of it fails the build", async () => {
    // Arrange: code that asks the default chain for itself (profiles included), as fromNodeProviderChain would.
    const own =
      "import { defaultProvider } from '@aws-sdk/credential-provider-node'; export const p = defaultProvider;";

    // Act
    const built = build({
      stdin: { contents: own, resolveDir: REPO_ROOT, sourcefile: 'own-chain.ts', loader: 'ts' },
      bundle: true,
      platform: 'node',
      write: false,
      logLevel: 'silent',
      plugins: [lambdaCredentials],
    });

    // Assert
    await expect(built).rejects.toThrow(/own-chain\.ts imports @aws-sdk\/credential-provider-node/);
  });

  const signedBy = () =>
    requests.filter(({ url }) => url !== '/credentials').map(({ headers }) => headers.authorization);

  test("signs with the execution role's credentials from the environment", async () => {
    const out = await callWith({ AWS_ACCESS_KEY_ID: 'ASIAENVIRONMENT', AWS_SECRET_ACCESS_KEY: 'secret' });

    expect(out).toBe(JSON.stringify({ accountId: '111111111111', status: 'ERROR' }));
    // It lists the account's record first (none here), then writes its own.
    expect(signedBy()).toEqual([
      expect.stringContaining('Credential=ASIAENVIRONMENT/'),
      expect.stringContaining('Credential=ASIAENVIRONMENT/'),
    ]);
  });

  test('signs with the container endpoint’s credentials when the environment has none', async () => {
    const out = await callWith({ AWS_CONTAINER_CREDENTIALS_FULL_URI: `${endpoint}/credentials` });

    expect(out).toBe(JSON.stringify({ accountId: '111111111111', status: 'ERROR' }));
    expect(requests.map(({ url }) => url)[0]).toBe('/credentials');
    expect(signedBy()).toEqual([
      expect.stringContaining('Credential=ASIACONTAINER/'),
      expect.stringContaining('Credential=ASIACONTAINER/'),
    ]);
  });

  test("does not read profiles, as the SDK's default chain would, and says what it looked for", async () => {
    // Arrange: a profile with keys, which the default chain would have signed with.
    const file = join(outdir, 'credentials');
    writeFileSync(file, '[audit]\naws_access_key_id = ASIAPROFILE\naws_secret_access_key = secret\n');

    // Act
    const out = await callWith({ AWS_PROFILE: 'audit', AWS_SHARED_CREDENTIALS_FILE: file });

    // Assert
    expect(out).toBe(`ERROR ${NO_LAMBDA_CREDENTIALS}`);
    expect(requests).toEqual([]);
  });
});
