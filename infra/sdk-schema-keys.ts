/**
 * A rewrite of the AWS SDK's generated schemas files that lets esbuild leave out the schemas a function never uses;
 * the `sdkSchemas` plugin of infra/bundling.ts applies it.
 *
 * Since 3.930 every AWS SDK client describes its operations in one generated file of schemas
 * (`dist-es/schemas/schemas_0.js`, 1.3 MB for EC2), one top-level declaration per shape, written to be tree-shaken.
 * Their traits are written with computed keys naming a string constant of the same file
 * (`const _xN = "xmlName"; ... { [_xN]: _m }`). esbuild must assume a computed key may run code (a `toString` or a
 * getter), so it keeps every declaration that has one, and with it whatever that declaration refers to: audit-account,
 * which sends one EC2 operation, was 1,712 KB and loaded in 508 ms; with this rewrite, 790 KB and 178 ms (Node 20,
 * when it was added; today's figures: README, "Cold start"). Known upstream: aws/aws-sdk-js-v3#7607, and
 * smithy-lang/smithy-typescript#1889 proposes the same change in the code generator.
 *
 * The rewrite writes each such key as the literal string its constant holds, which is the same object, and nothing
 * else. A key whose constant it cannot find as exactly one plain string declaration is left as it is, and so is
 * `__proto__` (a literal `__proto__` key sets the prototype, a computed one does not). It does not analyse scopes: it
 * relies on the generated files never shadowing their top-level constants. `test/infra/sdk-schema-keys.test.ts` checks
 * that: it loads every schemas file of the SDK versions installed, with and without the rewrite, and compares what they
 * build. When the SDK ships literal keys, the rewrite finds nothing to do.
 */

/** The SDK's generated schemas files, in the ES module builds (clients and the nested clients of credentials). */
export const SDK_SCHEMAS_FILE =
  /[\\/]node_modules[\\/]@aws-sdk[\\/][^\\/]+[\\/]dist-es[\\/](?:.+[\\/])?schemas[\\/]schemas_\d+\.js$/;

/**
 * `const _xN = "xmlName";` (or a template literal with no substitution and no carriage return, which a template would
 * read as a line feed) at the start of a line. Namespaces are constants too: `const n0 = "com.amazonaws.s3";`.
 */
const STRING_CONSTANT = /^const ([A-Za-z_][A-Za-z0-9_$]*) = (?:"([^"\\\r\n]*)"|`([^`\\$\r]*)`);$/gm;

/**
 * The top-level string constants of a generated schemas file, by name. A name declared twice (one of them in a
 * comment or a block, say) maps to undefined: which one a use means is not known.
 */
export function stringConstants(source: string): Map<string, string | undefined> {
  const constants = new Map<string, string | undefined>();
  for (const match of source.matchAll(STRING_CONSTANT)) {
    const name = match[1] as string;
    const value = (match[2] ?? match[3]) as string;
    constants.set(name, constants.has(name) ? undefined : value);
  }
  return constants;
}

/** A computed key naming an identifier, right after an object's `{` or a `,`: `{ [_xN]:` or `, [_xN]:`. */
const COMPUTED_KEY = /([{,]\s*)\[(_[A-Za-z0-9$]+)\]:/g;

/** The text of a schemas file with every computed key that names a string constant of the file written literally. */
export function literalTraitKeys(source: string): { readonly text: string; readonly replaced: number } {
  const constants = stringConstants(source);
  let replaced = 0;
  const text = source.replace(COMPUTED_KEY, (whole, before: string, name: string) => {
    const value = constants.get(name);
    if (value === undefined || value === '__proto__') return whole;
    replaced += 1;
    return `${before}${JSON.stringify(value)}:`;
  });
  return { text, replaced };
}
