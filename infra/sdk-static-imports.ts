/**
 * A rewrite of the one dynamic `import()` in the AWS SDK's protocol code, which made esbuild wrap the SDK's serde and
 * stream code in every function's bundle; the `sdkStaticImports` plugin of infra/bundling.ts applies it.
 *
 * `HttpProtocol.loadEventStreamCapability` (@smithy/core, the base of every protocol) loads the event-stream support
 * when an operation first streams events:
 * `const { EventStreamSerde, eventStreamSerdeProvider } = await import("@smithy/core/event-streams");`. A bundler
 * cannot hoist a module that is imported dynamically, so esbuild wraps it, and every module it imports, in a function
 * that runs the module's top level on first use (`__esm`), and keeps each of them whole, every export: 176 modules of
 * @smithy/core (the serde and stream code every client runs) in every bundle, about 7 KB more than they need to be.
 * V8 also parses those wrappers twice: whole when the bundle is compiled (an arrow function at the top of a CommonJS
 * module is not parsed lazily) and again when it first runs. No function sends an operation with an event stream,
 * and the import was in the bundle all the same (a dynamic import of a bundled module is bundled).
 *
 * The rewrite makes that import static, the same bindings from the same module: `import { EventStreamSerde as
 * EventStreamSerde$static, ... } from "@smithy/core/event-streams";` at the end, and `const EventStreamSerde =
 * EventStreamSerde$static, ...;` in place of the `await import(...)`. The event-stream code then runs its top level
 * (declarations only) when the bundle loads instead of on first use, and esbuild hoists and shakes the modules like any
 * other: on Node.js 24, 6–7 KB and about 6 ms of module load less a function (README, "Cold start"). Any other form of
 * the import (a renamed binding, a default, a second import) is left as it is: the bundle is then larger, never
 * different. `test/infra/sdk-static-imports.test.ts` checks that the installed @smithy/core is rewritten and that the
 * rewritten protocol still loads its event-stream support, and `bundles.test.ts` that no function bundle imports a
 * bundled module dynamically.
 */

/** The file of @smithy/core's ES module build that holds the dynamic import. */
export const SDK_HTTP_PROTOCOL_FILE =
  /[\\/]node_modules[\\/]@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]protocols[\\/]HttpProtocol\.js$/;

/** `const { A, B } = await import("spec");` with plain names only. */
const DYNAMIC_IMPORT =
  /const \{\s*([A-Za-z_$][\w$]*(?:\s*,\s*[A-Za-z_$][\w$]*)*)\s*,?\s*\} = await import\(("[@\w./-]+")\);/g;

/**
 * The text of a module with its one `const { ... } = await import("spec");` turned into a static import of the same
 * names from the same specifier. Left as it is (`rewritten: false`) unless there is exactly one such statement, or
 * when the file already has a name ending in `$static`. The statement is found in the text, not parsed (one in a
 * comment or a string would be taken too): the plugin applies it to the one file of {@link SDK_HTTP_PROTOCOL_FILE},
 * whose statement the tests check. Every line of the file keeps its number, so that stack traces still point at it.
 */
export function hoistDynamicImport(source: string): { readonly text: string; readonly rewritten: boolean } {
  const matches = [...source.matchAll(DYNAMIC_IMPORT)];
  const match = matches[0];
  if (matches.length !== 1 || match === undefined) return { text: source, rewritten: false };
  const names = (match[1] as string).split(',').map((name) => name.trim());
  const specifier = match[2] as string;
  if (source.includes('$static')) return { text: source, rewritten: false };
  const imported = `\nimport { ${names.map((name) => `${name} as ${name}$static`).join(', ')} } from ${specifier};\n`;
  const lineBreaks = '\n'.repeat(match[0].split('\n').length - 1);
  const bound = `const ${names.map((name) => `${name} = ${name}$static`).join(', ')};${lineBreaks}`;
  const start = match.index as number;
  // The import goes last, so that the module it names is evaluated after the file's other imports, as close as a
  // static import comes to the order of the dynamic one.
  return {
    text: source.slice(0, start) + bound + source.slice(start + match[0].length) + imported,
    rewritten: true,
  };
}
