import { InvalidInputError } from '../../../functions/lib/errors';
import { parseSettings } from '../../../functions/lib/settings';
import { parseExecutionInput } from '../../../functions/resolve-targets/input';

const SETTINGS = parseSettings({ maxConcurrency: 25 });
const ADMIN_SETTINGS = parseSettings({ adminEnabled: true });

function inputError(raw: unknown, settings = SETTINGS): Error {
  try {
    parseExecutionInput(raw, settings);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`parseExecutionInput accepted ${JSON.stringify(raw)}`);
}

describe('parseExecutionInput accepts', () => {
  test('{} as the whole organization with the settings defaults', () => {
    expect(parseExecutionInput({}, SETTINGS)).toEqual({
      accounts: undefined,
      checks: ['identity'],
      mode: 'audit',
      role: 'readOnly',
      maxConcurrency: 25,
    });
  });

  test('the schedule’s marker {"trigger":"schedule"}, carried in the request', () => {
    expect(parseExecutionInput({ trigger: 'schedule' }, SETTINGS)).toEqual({
      ...parseExecutionInput({}, SETTINGS),
      trigger: 'schedule',
    });
    expect(inputError({ trigger: 'person' }).message).toMatch(/trigger: must be one of: schedule/);
  });

  test('null the same as {}', () => {
    expect(parseExecutionInput(null, SETTINGS)).toEqual(parseExecutionInput({}, SETTINGS));
  });

  test('no input at all the same as {}', () => {
    expect(parseExecutionInput(undefined, SETTINGS)).toEqual(parseExecutionInput({}, SETTINGS));
  });

  test('the full form, every field as given', () => {
    const request = parseExecutionInput(
      {
        accounts: ['111111111111', '222222222222'],
        checks: ['identity'],
        mode: 'audit',
        role: 'readOnly',
        maxConcurrency: 3,
      },
      SETTINGS,
    );

    expect(request).toEqual({
      accounts: ['111111111111', '222222222222'],
      checks: ['identity'],
      mode: 'audit',
      role: 'readOnly',
      maxConcurrency: 3,
    });
  });

  test('the single-account test form { TargetAccountId } as a list of one account', () => {
    expect(parseExecutionInput({ TargetAccountId: '111111111111' }, SETTINGS).accounts).toEqual(['111111111111']);
  });

  test('the default checks of the settings when the input names none', () => {
    const settings = parseSettings({ defaultChecks: ['identity'] });

    expect(parseExecutionInput({ accounts: ['111111111111'] }, settings).checks).toEqual(settings.defaultChecks);
  });

  test('account IDs with leading zeros, kept as strings', () => {
    expect(parseExecutionInput({ accounts: ['012345678901'] }, SETTINGS).accounts).toEqual(['012345678901']);
  });

  test('role admin when the admin path is enabled', () => {
    expect(parseExecutionInput({ role: 'admin' }, ADMIN_SETTINGS).role).toBe('admin');
  });
});

describe('parseExecutionInput rejects with InvalidInput naming the field and the bad value', () => {
  test.each([
    ['a short account ID', { accounts: ['12345'] }, 'accounts[0]: must be a 12-digit AWS account ID (got "12345")'],
    [
      'an account listed twice',
      { accounts: ['111111111111', '222222222222', '111111111111'] },
      "accounts[2]: '111111111111' is listed twice",
    ],
    [
      'an account ID written as a number',
      { accounts: [111111111111] },
      'accounts[0]: must be a 12-digit AWS account ID in quotes (got 111111111111)',
    ],
    ['an empty list of accounts', { accounts: [] }, 'accounts: must list at least one account, or be left out'],
    ['an unknown check', { checks: ['nope'] }, 'checks[0]: must be one of: '],
    ['an empty list of checks', { checks: [] }, 'checks: must name at least one check, or be left out'],
    ['an unknown mode', { mode: 'remediate' }, 'mode: must be one of: audit (got "remediate")'],
    ['an unknown role', { role: 'root' }, 'role: must be one of: readOnly, admin (got "root")'],
    ['maxConcurrency 0', { maxConcurrency: 0 }, 'maxConcurrency: must be a whole number from 1 to 1000 (got 0)'],
    [
      'maxConcurrency 2000',
      { maxConcurrency: 2000 },
      'maxConcurrency: must be a whole number from 1 to 1000 (got 2000)',
    ],
    ['maxConcurrency 2.5', { maxConcurrency: 2.5 }, 'maxConcurrency: must be a whole number from 1 to 1000 (got 2.5)'],
    ['a misspelt field', { acounts: ['111111111111'] }, "unknown field 'acounts'"],
    [
      'a bad TargetAccountId',
      { TargetAccountId: '123' },
      'TargetAccountId: must be a 12-digit AWS account ID (got "123")',
    ],
    [
      'both accounts and TargetAccountId',
      { accounts: ['111111111111'], TargetAccountId: '222222222222' },
      'give either accounts or TargetAccountId, not both',
    ],
  ])('%s', (_case, raw, expected) => {
    const error = inputError(raw);

    expect(error).toBeInstanceOf(InvalidInputError);
    expect(error.name).toBe('InvalidInput');
    expect(error.message).toContain(expected);
  });

  test('an unknown check is named with the checks that exist', () => {
    expect(inputError({ checks: ['identity', 'nope'] }).message).toMatch(
      /checks\[1\]: must be one of: .*identity.* \(got "nope"\)/,
    );
  });

  test('role admin with the admin path disabled says how to enable it', () => {
    const error = inputError({ role: 'admin' });

    expect(error.name).toBe('InvalidInput');
    expect(error.message).toContain('role "admin" needs the admin path, which is disabled');
    expect(error.message).toContain('set ctAudit.adminEnabled to true');
  });

  test.each([
    ['a string', 'hello', '(got "hello")'],
    ['an array', ['111111111111'], '(got ["111111111111"])'],
    ['a number', 42, '(got 42)'],
  ])('an input that is %s is not an object, with an example of the form', (_case, raw, got) => {
    const error = inputError(raw);

    expect(error.name).toBe('InvalidInput');
    expect(error.message).toContain('the execution input must be a JSON object like { "accounts": ["111111111111"]');
    expect(error.message).toContain(got);
  });

  test('maxConcurrency above the concurrency limit is InvalidInput naming the limit', () => {
    const error = inputError({ maxConcurrency: 51 });

    expect(error.name).toBe('InvalidInput');
    expect(error.message).toContain('maxConcurrency: must be at most 50, the concurrency limit of this deployment');
    expect(error.message).toContain('(got 51)');
  });

  test('maxConcurrency up to a raised concurrency limit is accepted', () => {
    const settings = parseSettings({ concurrencyLimit: 200 });

    expect(parseExecutionInput({ maxConcurrency: 200 }, settings).maxConcurrency).toBe(200);
  });

  test('100,000 bad account IDs give a bounded message: the first problems and a count', () => {
    const accounts = Array.from({ length: 100_000 }, (_, i) => `bad-${i}`);

    const error = inputError({ accounts });

    expect(error.name).toBe('InvalidInput');
    expect(Buffer.byteLength(error.message)).toBeLessThan(1024);
    expect(error.message).toContain('accounts[0]: must be a 12-digit AWS account ID (got "bad-0")');
    expect(error.message).toContain('... and 99995 more problems (100000 in all)');
  });

  test('a huge non-object input is cut in the message', () => {
    const error = inputError('x'.repeat(100_000));

    expect(error.message.length).toBeLessThan(300);
  });

  test('every wrong field is named, not just the first', () => {
    const message = inputError({ accounts: ['12345'], mode: 'remediate' }).message;

    expect(message).toContain('accounts[0]');
    expect(message).toContain('mode');
  });
});
