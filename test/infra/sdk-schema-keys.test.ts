import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sdkSchemas } from '../../infra/bundling';
import { literalTraitKeys, SDK_SCHEMAS_FILE } from '../../infra/sdk-schema-keys';
import { filesUnder, loadBundled, SDK_DIR as SDK, sdkClientDependencies } from './support';

// The plugin rewrites generated AWS SDK code that every function ships, so it is checked against the SDK versions
// installed (package-lock.json): each schemas file, loaded with and without the rewrite, exports the same values.

/** Every generated schemas file of the installed SDK packages (the clients and the nested clients of credentials). */
function schemasFiles(): string[] {
  return readdirSync(SDK)
    .map((name) => join(SDK, name, 'dist-es'))
    .filter((distEs) => existsSync(distEs))
    .flatMap((distEs) => filesUnder(distEs, SDK_SCHEMAS_FILE))
    .sort();
}

/** What a schemas file exports, bundled (not minified) into CommonJS and loaded in a module of its own. */
async function exportsOf(file: string, withPlugin: boolean): Promise<Record<string, unknown>> {
  const { exports } = await loadBundled<Record<string, unknown>>({
    stdin: { contents: `export * from ${JSON.stringify(file)};`, resolveDir: dirname(file), loader: 'js' },
    plugins: withPlugin ? [sdkSchemas({ literalKeys: true, trimErrors: false })] : [],
  });
  return exports;
}

/** The SDK's lazy reference to a schema: `() => X$`, or to a declaration the file does not export. */
const LAZY_REFERENCE = /^\(\) => [\w$]+$/;

/**
 * Where two values differ (a path), or undefined when they are the same: arrays and plain objects compared by their
 * own keys, in order; the SDK's lazy references followed to what they return (many schemas are reached only through
 * them: EC2 has 767 rewritten keys in declarations it does not export); other functions (error classes) by their
 * source text, as two bundles hold two copies of each; everything else with Object.is. Shared and cyclic references
 * are visited once.
 */
function difference(a: unknown, b: unknown, at = '', seen = new Map<object, unknown>()): string | undefined {
  if (typeof a === 'function' || typeof b === 'function') {
    if (typeof a !== typeof b || String(a) !== String(b)) return at;
    if (!LAZY_REFERENCE.test(String(a))) return undefined;
    return difference((a as () => unknown)(), (b as () => unknown)(), `${at}()`, seen);
  }
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') {
    return Object.is(a, b) ? undefined : at;
  }
  if (seen.get(a) === b) return undefined;
  seen.set(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return at;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.join('\u0000') !== keysB.join('\u0000')) return `${at} (keys)`;
  for (const key of keysA) {
    const found = difference(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      `${at}.${key}`,
      seen,
    );
    if (found !== undefined) return found;
  }
  return undefined;
}

describe('literalTraitKeys', () => {
  test('writes a computed key naming a string constant of the file as that string', () => {
    const source = [
      'const _e = "error";',
      'const _xN = `xmlName`;',
      'export var Err$ = [-3, n0, _E, { [_e]: _c, [_xN]: `Code`,',
      '    [_e]: 1 }, [_M], [0]];',
    ].join('\n');

    const { text, replaced } = literalTraitKeys(source);

    // Everything else is left as it was: the declarations, the spacing and the array [_M].
    expect(replaced).toBe(3);
    expect(text).toBe(
      [
        'const _e = "error";',
        'const _xN = `xmlName`;',
        'export var Err$ = [-3, n0, _E, { "error": _c, "xmlName": `Code`,',
        '    "error": 1 }, [_M], [0]];',
      ].join('\n'),
    );
  });

  test.each([
    [
      'a key whose identifier is no plain string constant, and brackets that are not keys',
      [
        'const _a = "a";',
        'let _b = "b";',
        'const _c = "c" + _a;',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template literal with a substitution
        'const _d = `d${_a}`;',
        'export var X = [{ [_b]: 1, [_c]: 2, [_d]: 3 }, test ? [_a]: [_a], [_a]];',
      ],
    ],
    [
      'a name declared twice, and a __proto__ key, which a literal would turn into a prototype',
      [
        'const _a = "first";',
        '// const _a = "second";',
        'const _a = "second";',
        'const _p = "__proto__";',
        'export var X = { [_a]: 1, [_p]: 2 };',
      ],
    ],
  ])('leaves %s', (_case, lines) => {
    const source = lines.join('\n');

    expect(literalTraitKeys(source)).toEqual({ text: source, replaced: 0 });
  });

  test('a value with a quote or a new line is written as a valid string', () => {
    const { text } = literalTraitKeys('const _q = `say "hi"\nthere`;\nexport var X = { [_q]: 1 };');

    expect(text).toContain('{ "say \\"hi\\"\\nthere": 1 }');
  });
});

describe('the literal-keys rewrite against the installed AWS SDK', () => {
  const files = schemasFiles();

  test('finds the schemas of every client the functions use', () => {
    const packages = files.map((file) => file.slice(SDK.length + 1).split(/[\\/]/)[0]);
    const dependencies = sdkClientDependencies();
    for (const dependency of dependencies) expect(packages).toContain(dependency.slice('@aws-sdk/'.length));
    expect(packages).toContain('nested-clients');
  });

  test.each(files.map((file) => [file.slice(SDK.length + 1), file]))(
    '%s exports the same schemas with literal keys',
    async (_name, file) => {
      const [asShipped, rewritten] = await Promise.all([exportsOf(file, false), exportsOf(file, true)]);

      expect(Object.keys(asShipped).length).toBeGreaterThan(0);
      expect(difference(asShipped, rewritten)).toBeUndefined();
    },
    60_000,
  );

  test('it has something to do: the installed SDK writes trait keys as computed keys', () => {
    const ec2 = files.find((file) => file.includes(join('client-ec2', 'dist-es'))) as string;

    // When this fails, the SDK writes literal keys itself (smithy-lang/smithy-typescript#1889): the plugin is no
    // longer needed, and infra/sdk-schema-keys.ts can go.
    expect(literalTraitKeys(readFileSync(ec2, 'utf8')).replaced).toBeGreaterThan(1_000);
  });
});
