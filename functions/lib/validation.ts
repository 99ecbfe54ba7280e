import { cleanText } from './text';
import * as z from './zod';

/** A 12-digit AWS account ID, as a string (leading zeros matter). */
export const accountIdSchema = z
  .string({ error: 'must be a 12-digit AWS account ID in quotes' })
  .check(z.regex(/^\d{12}$/, { error: 'must be a 12-digit AWS account ID' }));

/** An organizational unit ID (`ou-xxxx-xxxxxxxx`) or the organization root (`r-xxxx`). */
export const organizationalUnitIdSchema = z.string().check(
  z.regex(/^(ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|r-[0-9a-z]{4,32})$/, {
    error: 'must be an organizational unit ID like ou-ab12-cd34ef56 (or a root ID like r-ab12)',
  }),
);

/** An AWS region name such as `eu-west-1`. */
export const regionSchema = z
  .string()
  .check(z.regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, { error: 'must be an AWS region name like eu-west-1' }));

/** An IAM role name (no path). */
export const roleNameSchema = z
  .string()
  .check(z.regex(/^[\w+=,.@-]{1,64}$/, { error: 'must be an IAM role name (1-64 of letters, digits and +=,.@_-)' }));

/** An IAM role ARN (`arn:aws:iam::111111111111:role/Name`, a path allowed): the form of every role a setting names. */
export const roleArnSchema = z.string().check(
  z.regex(/^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, {
    error: 'must be an IAM role ARN like arn:aws:iam::111111111111:role/SecurityReader',
  }),
);

/**
 * A whole number from `min` to `max`; `error`, when given, is the message of every way to miss it (not a number, not
 * whole, too small, too large), else zod's own.
 */
export function wholeNumber(min: number, max: number, error?: string) {
  const params = error === undefined ? undefined : { error };
  return z.int(params).check(z.gte(min, params), z.lte(max, params));
}

/** A list without repeated values (strings or numbers); the message names each repeat (`'a' is listed twice`). */
export function uniqueList<T extends z.ZodMiniType<string> | z.ZodMiniType<number>>(
  item: T,
  notAList = 'must be a list',
) {
  return z.array(item, { error: notAList }).check(
    z.superRefine((values, ctx) => {
      const seen = new Set<string | number>();
      for (const [index, value] of (values as readonly (string | number)[]).entries()) {
        if (seen.has(value)) {
          const named = typeof value === 'string' ? `'${value}'` : String(value);
          ctx.addIssue({ code: 'custom', path: [index], message: `${named} is listed twice`, input: value });
        }
        seen.add(value);
      }
    }),
  );
}

function describeInput(input: unknown): string {
  if (input === undefined) return 'nothing';
  // Input text is bounded and stripped of control characters before it reaches a message.
  return cleanText(JSON.stringify(input) ?? String(input), 60);
}

/** How many problems a validation message lists before it gives only the count of the rest. */
export const MAX_LISTED_ISSUES = 5;

/** How many unknown field names one problem lists. */
const MAX_LISTED_KEYS = 5;

/**
 * Turns validation issues into one line a person can act on, e.g.
 * `accounts[1]: must be a 12-digit AWS account ID (got "12345")`. Only the first {@link MAX_LISTED_ISSUES}
 * problems are listed, then `... and N more problems (M in all)`: 100,000 bad account IDs must not make a message
 * of megabytes (Step Functions cuts an error's cause at 32 KB, and a terminal is no place for it either).
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], root?: string, max = MAX_LISTED_ISSUES): string {
  const listed = issues.slice(0, max).map((issue) => {
    const path = issue.path.reduce<string>(
      (text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${String(part)}` : String(part)),
      root ?? '',
    );
    const got = issue.code === 'unrecognized_keys' ? '' : ` (got ${describeInput(issue.input)})`;
    const message = issue.code === 'unrecognized_keys' ? unknownFields(issue.keys) : issue.message;
    return `${path || '(input)'}: ${message}${got}`;
  });
  const rest = issues.length - listed.length;
  if (rest > 0) listed.push(`... and ${rest} more problem${rest === 1 ? '' : 's'} (${issues.length} in all)`);
  return listed.join('; ');
}

function unknownFields(keys: readonly string[]): string {
  const names = keys.slice(0, MAX_LISTED_KEYS).map((key) => `'${cleanText(key, 60)}'`);
  const rest = keys.length - names.length;
  return `unknown field ${names.join(', ')}${rest > 0 ? ` and ${rest} more` : ''}`;
}
