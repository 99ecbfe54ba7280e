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
 * (client below 500), `$metadata`, `message`, and every field of the error's body copied on (ProtocolLib,
 * `getErrorSchemaOrThrowBaseException`, in @aws-sdk/core). That is what the functions read: they tell errors apart by
 * `name` (functions/lib/errors.ts) and never by class, and the SDK's retries do the same (by name, by status).
 *
 * So the rewrite removes a registration only where the fallback's `name` is the registered class's:
 * - the error's schema, `export var X$ = [-3, ns, name, traits, ...]`, declares the name `X`, the class's own;
 * - it has no `awsQueryError` trait, or one whose code is `X`. A service that speaks the query protocol, or is query
 *   compatible (SNS, STS, SSM, KMS), may send the query code (`NotFound`), which only the registry maps to the class
 *   name (`NotFoundException`): those stay registered;
 * - the registry is the service's own, never the synthetic one of the service exception (the fallback's class).
 *
 * What a removed error no longer has: its class (`instanceof ParameterNotFound` is false: nothing in functions/ may
 * import an SDK error class, test/infra/sdk-error-registry.test.ts checks), and members parsed by the model (a
 * timestamp member stays the string it was sent as). The test also checks, for every installed client, that no
 * removed class declares `$retryable`, which the SDK's retries read, and that the names agree.
 *
 * A file it does not recognise (a registration of an error whose declaration it cannot read) keeps that registration:
 * the bundle is larger, never different.
 */
import { stringConstants } from './sdk-schema-keys';

/** What {@link trimErrorRegistry} did to one file. */
export interface TrimmedRegistry {
  readonly text: string;
  /** The errors whose registration was removed. */
  readonly unregistered: readonly string[];
  /** The errors still registered: a query code the registry maps, or a declaration not recognised. */
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
  for (const [, name, declared, traits] of source.matchAll(ERROR_SCHEMA)) {
    if (value((declared as string).trim()) !== name) continue;
    const mentions = queryKeys.reduce((sum, key) => sum + (traits as string).split(key).length - 1, 0);
    const codes = [...(traits as string).matchAll(TRAIT)]
      .filter(([, computed, literal]) => (literal ?? constants.get(computed as string)) === QUERY_ERROR_TRAIT)
      .map(([, , , code, quoted]) => code ?? quoted);
    // A query code this could not read (written some other way) counts as one that differs.
    if (codes.length === mentions && codes.every((code) => code === name)) plain.add(name as string);
  }
  return plain;
}

/**
 * The text of a schemas file without the registrations whose error the SDK's fallback names the same (see the
 * module's comment), and which those were.
 */
export function trimErrorRegistry(source: string): TrimmedRegistry {
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
    if (schema === error && plain.has(error)) {
      unregistered.push(error);
      return '';
    }
    kept.push(error);
    return whole;
  });
  return { text, unregistered, kept };
}
