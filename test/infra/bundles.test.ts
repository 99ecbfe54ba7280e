import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE_LOAD_ENV, bundleFunction, bundleFunctionSync, handlerNames } from '../../infra/bundling';

// Every function's bundle, built with the options the stack deploys (ES module builds of the SDK first, minified,
// source maps on), loaded in a plain `node` as Lambda loads it: its module scope runs (clients made, settings read)
// and it exports a handler. The unit tests run the TypeScript sources, so this is what checks the bundling itself.
const outdir = mkdtempSync(join(tmpdir(), 'ct-audit-bundles-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const LOAD = `
const loaded = require(process.argv[1]);
process.stdout.write(typeof loaded.handler);
`;

const names = handlerNames();
const bundles = new Map(names.map((name) => [name, join(outdir, name, 'index.js')]));
beforeAll(async () => {
  await Promise.all(names.map((name) => bundleFunction(name, join(outdir, name))));
}, 120_000);

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

  test.each(['resolve-targets', 'record-account-error', 'summarize'])(
    "%s carries none of the checks' clients (Resolve Targets validates runs against the catalog)",
    (name) => {
      const code = readFileSync(bundles.get(name) as string, 'utf8');
      for (const service of ['com.amazonaws.ec2', 'com.amazonaws.guardduty', 'com.amazonaws.securityhub']) {
        expect(code).not.toContain(service);
      }
    },
  );

  test('audit-account carries the clients of its checks', () => {
    const code = readFileSync(bundles.get('audit-account') as string, 'utf8');
    expect(code).toContain('com.amazonaws.ec2');
  });

  test("audit-account carries the schemas of the EC2 operation it sends and not EC2's others (infra/sdk-schema-keys.ts)", () => {
    const code = readFileSync(bundles.get('audit-account') as string, 'utf8');

    expect(code).toContain('"DescribeSecurityGroupRules"');
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
