/**
 * A rewrite of the AWS SDK's generated schemas files that lets esbuild leave out the error classes a function can
 * tell apart by name alone.
 *
 * Each client's schemas file registers every error the service models, at module scope:
 * `n0_registry.registerError(ParameterNotFound$, ParameterNotFound);`. Those calls keep every error class and its
 * schema in every bundle that makes the client: 140 for SSM, which the functions call for one parameter (its client
 * was 70 KB of a bundle, 24 KB without them; audit-account 629 → 534 KB, resolve-targets 451 → 379 KB; figures:
 * README, "Cold start").
 *
 * When a service answers with an error the registry does not hold, the SDK throws its fallback: the client's service
 * exception (`SSMServiceException`) with `name` set to the error code the service sent, `$fault` from the HTTP status
 * (client below 500), `$metadata`, `message`, and the fields of the error's body copied on (ProtocolLib,
 * `getErrorSchemaOrThrowBaseException`, in @aws-sdk/core). That is what the functions read: they tell errors apart by
 * `name` (functions/lib/errors.ts) and never by class, and the SDK's retries do the same (by name, by status,
 * `$retryable`).
 *
 * So the rewrite removes a registration only where the fallback's `name` is the registered class's:
 * - the error's schema, `export var X$ = [-3, ns, name, traits, ...]`, declares the name `X`, the class's own;
 * - it has no `awsQueryError` trait, or one whose code is `X`, and no other error of the file has `X` as its query
 *   code. A service that speaks the query protocol (SNS, STS) sends the query code (`NotFound`), which only the
 *   registry maps to the class name (`NotFoundException`): those stay registered. SSM's and KMS's models carry query
 *   codes too, for clients generated query compatible, which the installed ones are not; theirs stay registered as
 *   well, so that such a client would not change a name;
 * - the registry is the service's own, never the synthetic one of the service exception (the fallback's class);
 * - no bundled dependency checks its class: {@link CHECKED_BY_CLASS}.
 *
 * What a removed error no longer has: its class (`instanceof ParameterNotFound` is false); members parsed by the model
 * (a timestamp member stays the string it was sent as); the modeled fault where the service's status disagrees with
 * it (a modeled server error sent with a 4xx status is a client fault); and, in the query protocol, the body's
 * `RequestId` field (`$metadata.requestId` still holds it). test/infra/sdk-error-registry.test.ts checks, for every
 * installed client, that the names agree and no removed class declares `$retryable`; that no function imports a
 * removed class and nothing bundled (functions/, Powertools, the SDK, smithy) tests one with `instanceof`; and runs
 * the same failing calls against moto bundled both ways.
 *
 * A file it does not recognise (a registration of an error whose declaration it cannot read, a query code written
 * some other way) keeps those registrations: the bundle is larger, never different.
 */
import { stringConstants } from './sdk-schema-keys';

/** What {@link trimErrorRegistry} did to one file. */
export interface TrimmedRegistry {
  readonly text: string;
  /** The errors whose registration was removed. */
  readonly unregistered: readonly string[];
  /**
   * The errors still registered: a query code the registry maps, a class a dependency checks, or a declaration not
   * recognised.
   */
  readonly kept: readonly string[];
}

/** The namespace of the service exception's registry: `smithy.ts.sdk.synthetic.com.amazonaws.ssm`. */
const SYNTHETIC_NAMESPACE = 'smithy.ts.sdk.synthetic.';

/** `const n0_registry = new TypeRegistry(n0);`, or `TypeRegistry.for(n0)` in clients generated before 3.11xx. */
const REGISTRY = /^const ([A-Za-z_][\w$]*) = (?:new TypeRegistry|TypeRegistry\.for)\(([A-Za-z_][\w$]*)\);$/gm;

/**
 * An error's schema: `export var X$ = [-3, n0, _X,` and its traits object, which holds arrays but no object
 * (`{ [_aQE]: [\`NotFound\`, 404], [_e]: _c, [_hE]: 404 }`).
 */
const ERROR_SCHEMA = /^export var ([A-Za-z_][\w$]*)\$ = \[-3, [^,\n]+, ([^,\n]+),\s*\{([^{}]*)\}/gm;

/** `n0_registry.registerError(X$, X);` and its line break. */
const REGISTRATION = /^([A-Za-z_][\w$]*)\.registerError\(([A-Za-z_][\w$]*)\$, ([A-Za-z_][\w$]*)\);\r?\n/gm;

/** A trait key, computed (`[_aQE]`) or literal (`"awsQueryError"`), and the first element of its array value. */
const TRAIT = /(?:\[([A-Za-z_][\w$]*)\]|"([^"\\]*)"):\s*(?:\[\s*(?:`([^`\\$]*)`|"([^"\\]*)")?)?/g;

const QUERY_ERROR_TRAIT = 'awsQueryError';

/**
 * The names whose fallback error is named as their class is: a declared name equal to the class's, and no query
 * code other than that name.
 */
function plainErrors(source: string, constants: ReadonlyMap<string, string | undefined>): Set<string> {
  const value = (expression: string): string | undefined => {
    const literal = /^"([^"\\]*)"$/.exec(expression);
    return literal ? literal[1] : constants.get(expression);
  };
  // How the file writes the trait's key: `[_aQE]` (a constant holding "awsQueryError") or `"awsQueryError"`.
  const queryKeys = [
    `"${QUERY_ERROR_TRAIT}"`,
    ...[...constants].filter(([, text]) => text === QUERY_ERROR_TRAIT).map(([name]) => `[${name}]`),
  ];
  const plain = new Set<string>();
  // Query codes other than their error's name: the registry resolves such a code to that error even where another
  // error is named so (ProtocolLib, `findQueryCompatibleError`), so an error of that name must stay registered.
  const otherCodes = new Set<string>();
  let unreadable = false;
  for (const [, name, declared, traits] of source.matchAll(ERROR_SCHEMA)) {
    const mentions = queryKeys.reduce((sum, key) => sum + (traits as string).split(key).length - 1, 0);
    const codes = [...(traits as string).matchAll(TRAIT)]
      .filter(([, computed, literal]) => (literal ?? constants.get(computed as string)) === QUERY_ERROR_TRAIT)
      .map(([, , , code, quoted]) => code ?? quoted);
    // A query code written some other way could be any name: nothing in the file is removed.
    if (codes.length !== mentions || codes.some((code) => code === undefined)) unreadable = true;
    for (const code of codes) if (code !== undefined && code !== name) otherCodes.add(code);
    if (value((declared as string).trim()) === name && codes.every((code) => code === name)) plain.add(name as string);
  }
  if (unreadable) return new Set();
  for (const code of otherCodes) plain.delete(code);
  return plain;
}

/**
 * Errors a bundled dependency tells apart by class, kept registered: Powertools Parameters' SSMProvider checks
 * `error instanceof ParameterNotFound` (for `throwOnMissing`). test/infra/sdk-error-registry.test.ts scans the bundled
 * dependencies and functions/ for any other `instanceof` of an error the rewrite would remove.
 */
export const CHECKED_BY_CLASS: ReadonlySet<string> = new Set(['ParameterNotFound']);

/**
 * The text of a schemas file without the registrations whose error the SDK's fallback names the same (see the
 * module's comment), but for those in `checkedByClass`, and which those were.
 */
export function trimErrorRegistry(
  source: string,
  checkedByClass: ReadonlySet<string> = CHECKED_BY_CLASS,
): TrimmedRegistry {
  const constants = stringConstants(source);
  const ownRegistries = new Set<string>();
  for (const [, registry, namespace] of source.matchAll(REGISTRY)) {
    const value = constants.get(namespace as string);
    if (value !== undefined && !value.startsWith(SYNTHETIC_NAMESPACE)) ownRegistries.add(registry as string);
  }
  const plain = plainErrors(source, constants);
  const unregistered: string[] = [];
  const kept: string[] = [];
  const text = source.replace(REGISTRATION, (whole, registry: string, schema: string, error: string) => {
    if (!ownRegistries.has(registry)) return whole;
    if (schema === error && plain.has(error) && !checkedByClass.has(error)) {
      unregistered.push(error);
      return '';
    }
    kept.push(error);
    return whole;
  });
  return { text, unregistered, kept };
}
