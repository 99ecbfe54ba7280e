import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { SDK_PACKAGE_JSON, SDK_RUNTIME_CONFIG, sdkPackageVersions } from '../../infra/bundling';
import { filesUnder, loadBundled, SDK_DIR } from './support';

// The plugin gives the bundles each AWS SDK package.json as `{ version }`, so it is checked against the SDK versions
// installed (package-lock.json): every import of a package.json in their code is a default import whose only use is
// `.version`.

/** The JavaScript of every installed @aws-sdk package's ES module build (what the bundles take), and its CommonJS. */
function sdkCode(): string[] {
  return readdirSync(SDK_DIR).flatMap((name) =>
    ['dist-es', 'dist-cjs']
      .map((build) => join(SDK_DIR, name, build))
      .filter((dir) => existsSync(dir))
      .flatMap((dir) => filesUnder(dir, /\.js$/)),
  );
}

describe('sdkPackageVersions', () => {
  const readers = sdkCode().filter((file) => readFileSync(file, 'utf8').includes('package.json'));

  test('the installed SDK imports its package.json in its clients’ runtime configurations', () => {
    expect(readers.length).toBeGreaterThan(16);
    expect(readers.filter((file) => !SDK_RUNTIME_CONFIG.test(file))).toEqual([]);
  });

  test('each import is `import packageInfo from ".../package.json"` of an SDK package, read only for `.version`', () => {
    for (const file of readers) {
      const code = readFileSync(file, 'utf8');
      const imports = [...code.matchAll(/^import (\w+) from "((?:\.\.\/)+package\.json)";$/gm)];
      expect({ file, imports: imports.length }).toEqual({ file, imports: 1 });
      const [, name, specifier] = imports[0] as RegExpMatchArray;
      expect(SDK_PACKAGE_JSON.test(resolve(dirname(file), specifier as string))).toBe(true);
      const uses = [...code.matchAll(new RegExp(`\\b${name}\\b(\\.\\w+)?`, 'g'))].slice(1);
      expect({ file, uses: uses.map((use) => use[1]) }).toEqual({ file, uses: uses.map(() => '.version') });
      expect(uses.length).toBeGreaterThan(0);
    }
  });

  describe('in a bundle', () => {
    // A made-up SDK package: its runtime configuration and another of its modules read the same package.json.
    const root = mkdtempSync(join(tmpdir(), 'ct-audit-package-info-'));
    const distEs = join(root, 'node_modules', '@aws-sdk', 'client-made-up', 'dist-es');
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    async function bundled(importer: string): Promise<unknown> {
      mkdirSync(distEs, { recursive: true });
      const info = { name: '@aws-sdk/client-made-up', version: '3.1.2', description: 'kept only when asked for' };
      writeFileSync(join(distEs, '..', 'package.json'), JSON.stringify(info));
      writeFileSync(
        join(distEs, importer),
        'import packageInfo from "../package.json";\nexport const read = packageInfo;\n',
      );
      const { exports } = await loadBundled<{ read: unknown }>({
        entryPoints: [join(distEs, importer)],
        plugins: [sdkPackageVersions],
      });
      return exports.read;
    }

    test('a runtime configuration reads the version alone', async () => {
      expect(await bundled('runtimeConfig.js')).toEqual({ version: '3.1.2' });
    });

    test('any other module reads the whole file', async () => {
      expect(await bundled('other.js')).toMatchObject({ name: '@aws-sdk/client-made-up', version: '3.1.2' });
    });
  });
});
