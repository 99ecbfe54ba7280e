import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { SDK_PACKAGE_JSON, sdkPackageVersions } from '../../infra/bundling';
import { REPO_ROOT } from '../../infra/paths';
import { filesUnder, SDK_DIR } from './support';

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
    expect(readers.filter((file) => !/[\\/]runtimeConfig(\.browser|\.native)?\.js$/.test(file))).toEqual([]);
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

  test('a bundled client reads the same version from the trimmed package.json, and carries no other field', async () => {
    // Arrange
    const client = join(SDK_DIR, 'client-sts', 'package.json');
    const { version, description } = JSON.parse(readFileSync(client, 'utf8')) as Record<string, string>;
    const probe = `import info from ${JSON.stringify(client)}; export const read = info;`;

    // Act
    const result = await build({
      stdin: { contents: probe, resolveDir: REPO_ROOT, loader: 'js' },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      write: false,
      logLevel: 'silent',
      plugins: [sdkPackageVersions],
    });
    const module = { exports: {} as { read: Record<string, unknown> } };
    new Function('module', 'exports', 'require', result.outputFiles[0]?.text ?? '')(module, module.exports, require);

    // Assert
    expect(module.exports.read).toEqual({ version });
    expect(result.outputFiles[0]?.text).not.toContain(description as string);
  });
});
