import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'esbuild';
import { sdkStaticImports } from '../../infra/bundling';
import { REPO_ROOT } from '../../infra/paths';
import { hoistDynamicImport, SDK_HTTP_PROTOCOL_FILE } from '../../infra/sdk-static-imports';
import { loadBundled } from './support';

// The plugin rewrites @smithy/core's protocol code, which every function ships, so it is checked against the version
// installed (package-lock.json): the file is rewritten, and the rewritten protocol still loads its event-stream
// support, the same as the code as shipped.

const HTTP_PROTOCOL = join(
  REPO_ROOT,
  'node_modules',
  '@smithy',
  'core',
  'dist-es',
  'submodules',
  'protocols',
  'HttpProtocol.js',
);

describe('hoistDynamicImport', () => {
  test('turns the one destructured dynamic import into a static import of the same names, placed last', () => {
    // Arrange
    const source = [
      'import { a } from "./a";',
      'export class P {',
      '    async load() {',
      '        const { EventStreamSerde, eventStreamSerdeProvider } = await import("@smithy/core/event-streams");',
      '        return new EventStreamSerde(eventStreamSerdeProvider(a));',
      '    }',
      '}',
    ].join('\n');

    // Act
    const { text, rewritten } = hoistDynamicImport(source);

    // Assert
    expect(rewritten).toBe(true);
    expect(text).toBe(
      [
        'import { a } from "./a";',
        'export class P {',
        '    async load() {',
        '        const EventStreamSerde = EventStreamSerde$static, eventStreamSerdeProvider = eventStreamSerdeProvider$static;',
        '        return new EventStreamSerde(eventStreamSerdeProvider(a));',
        '    }',
        '}',
        'import { EventStreamSerde as EventStreamSerde$static, eventStreamSerdeProvider as eventStreamSerdeProvider$static } from "@smithy/core/event-streams";',
        '',
      ].join('\n'),
    );
  });

  test('keeps every line where it was when the statement spans several', () => {
    // Arrange
    const source = 'const {\n  A,\n  B,\n} = await import("x");\nthrow new Error("line 5");\n';

    // Act
    const { text, rewritten } = hoistDynamicImport(source);

    // Assert
    expect(rewritten).toBe(true);
    expect(text.split('\n')[0]).toBe('const A = A$static, B = B$static;');
    expect(text.split('\n')[4]).toBe('throw new Error("line 5");');
    expect(text.trimEnd().split('\n').at(-1)).toBe('import { A as A$static, B as B$static } from "x";');
  });

  test.each([
    ['no dynamic import', 'const { a } = await load("x");'],
    ['two of them', 'const { a } = await import("x");\nconst { b } = await import("y");'],
    ['a renamed binding', 'const { a: b } = await import("x");'],
    ['a default binding', 'const x = await import("x");'],
    ['a nested pattern', 'const { a: { b } } = await import("x");'],
    ['a specifier that is not a string literal', 'const { a } = await import(specifier);'],
    ['names that would clash with the static ones', 'const a$static = 1;\nconst { a } = await import("x");'],
  ])('leaves the text as it is with %s', (_, source) => {
    expect(hoistDynamicImport(source)).toEqual({ text: source, rewritten: false });
  });
});

describe('the installed @smithy/core', () => {
  /** A module that makes a protocol and loads its event-stream support, as an operation with an event stream would. */
  const PROBE = `
import { SmithyRpcV2JsonProtocol } from '@smithy/core/protocols';
export async function probe() {
  const protocol = new SmithyRpcV2JsonProtocol({ defaultNamespace: 'com.example' });
  protocol.setSerdeContext({
    utf8Encoder: (bytes) => Buffer.from(bytes).toString('utf8'),
    utf8Decoder: (text) => Buffer.from(text, 'utf8'),
  });
  const serde = await protocol.loadEventStreamCapability();
  return {
    name: serde.constructor.name,
    methods: Object.getOwnPropertyNames(Object.getPrototypeOf(serde)).sort(),
    marshaller: typeof serde.marshaller,
  };
}`;

  /** The probe bundled as the functions are (ES module builds first), loaded, and run; with what esbuild says of it. */
  async function runProbe(plugins: Plugin[]) {
    const { exports, metafile } = await loadBundled<{ probe: () => Promise<unknown> }>({
      stdin: { contents: PROBE, resolveDir: REPO_ROOT, loader: 'js' },
      mainFields: ['module', 'main'],
      plugins,
    });
    const dynamicImports = Object.values(metafile.inputs).flatMap((input) =>
      input.imports.filter((entry) => entry.kind === 'dynamic-import' && !entry.external).map((entry) => entry.path),
    );
    return { loaded: await exports.probe(), dynamicImports };
  }

  test('HttpProtocol.js is the file the plugin looks for, and its dynamic import is rewritten', () => {
    expect(SDK_HTTP_PROTOCOL_FILE.test(HTTP_PROTOCOL)).toBe(true);
    const { text, rewritten } = hoistDynamicImport(readFileSync(HTTP_PROTOCOL, 'utf8'));
    // When this fails after an SDK upgrade, the import changed form (or went): read infra/sdk-static-imports.ts.
    expect(rewritten).toBe(true);
    expect(text).not.toContain('import(');
  });

  test('a protocol loads the same event-stream support with the import hoisted as with it on demand', async () => {
    // Act
    const shipped = await runProbe([]);
    const hoisted = await runProbe([sdkStaticImports]);

    // Assert
    expect(shipped.dynamicImports).toEqual([expect.stringMatching(/event-streams[\\/]index\.js$/)]);
    expect(hoisted.dynamicImports).toEqual([]);
    expect(hoisted.loaded).toEqual(shipped.loaded);
    expect(hoisted.loaded).toMatchObject({
      name: 'EventStreamSerde',
      methods: expect.arrayContaining(['serializeEventStream', 'deserializeEventStream']),
      marshaller: 'object',
    });
  });
});
