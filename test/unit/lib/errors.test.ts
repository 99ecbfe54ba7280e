import {
  errorKind,
  errorMessage,
  errorName,
  InvalidSettingsError,
  isThrottle,
  MAX_ERROR_MESSAGE,
  requireEnv,
  toErrorInfo,
} from '../../../functions/lib/errors';

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe('errorKind', () => {
  test.each([
    ['AccessDenied', 'ACCESS_DENIED'],
    ['ThrottlingException', 'THROTTLED'],
    ['Throttling', 'THROTTLED'],
    ['TooManyRequestsException', 'THROTTLED'],
    ['States.Timeout', 'TIMEOUT'],
    ['Lambda.Unknown', 'LAMBDA_FAILURE'],
    ['Runtime.ExitError', 'LAMBDA_FAILURE'],
    ['States.TaskFailed', 'LAMBDA_FAILURE'],
    ['NoSuchKey', 'NOT_FOUND'],
    ['InvalidPrefixListID.NotFound', 'NOT_FOUND'],
    ['InvalidGroup.NotFound', 'NOT_FOUND'],
    ['InvalidInput', 'INVALID_INPUT'],
  ])('classifies %s as %s', (name, kind) => {
    expect(errorKind(name)).toBe(kind);
  });

  test('an unknown name is UNKNOWN', () => {
    expect(errorKind('SomethingNobodyExpected')).toBe('UNKNOWN');
    expect(errorKind('toString')).toBe('UNKNOWN');
    expect(errorKind('constructor')).toBe('UNKNOWN');
  });

  test('no name at all is UNKNOWN', () => {
    expect(errorKind(undefined)).toBe('UNKNOWN');
  });
});

describe('errorName and errorMessage', () => {
  test('the name of an Error is its name property', () => {
    expect(errorName(named('AccessDenied', 'no'))).toBe('AccessDenied');
  });

  test('a plain object with a string name is read too', () => {
    expect(errorName({ name: 'ThrottlingException' })).toBe('ThrottlingException');
  });

  test('a thrown string has no name', () => {
    expect(errorName('boom')).toBeUndefined();
  });

  test('an Error without a message falls back to its name', () => {
    expect(errorMessage(named('ThrottlingException', ''))).toBe('ThrottlingException');
  });

  test('a thrown string is its own message', () => {
    expect(errorMessage('boom')).toBe('boom');
  });
});

describe('isThrottle', () => {
  test('an SDK throttling error is a throttle', () => {
    expect(isThrottle(named('TooManyRequestsException', 'slow down'))).toBe(true);
  });

  test('an access denial is not a throttle', () => {
    expect(isThrottle(named('AccessDenied', 'no'))).toBe(false);
  });
});

describe('toErrorInfo', () => {
  test('prefixes the message with the error name when the message does not start with it', () => {
    expect(toErrorInfo(named('AccessDenied', 'not authorized'))).toEqual({
      kind: 'ACCESS_DENIED',
      message: 'AccessDenied: not authorized',
    });
  });

  test('does not repeat the name when the message already starts with it', () => {
    expect(toErrorInfo(named('NoSuchKey', 'NoSuchKey: gone')).message).toBe('NoSuchKey: gone');
  });

  test('an explicit message replaces the error text but keeps the classification', () => {
    expect(toErrorInfo(named('ThrottlingException', 'rate'), 'throttled while listing')).toEqual({
      kind: 'THROTTLED',
      message: 'throttled while listing',
    });
  });

  test('a thrown string is UNKNOWN with the string as its message', () => {
    expect(toErrorInfo('boom')).toEqual({ kind: 'UNKNOWN', message: 'boom' });
  });

  test('the message is stripped of control characters and bounded: it may carry an S3 key from a member account', () => {
    const info = toErrorInfo(named('NoSuchKey', `gone: \u001b]0;pwned\u0007${'k'.repeat(100_000)}`));

    expect(info.message.startsWith('NoSuchKey: gone: k')).toBe(true);
    expect(info.message).toHaveLength(MAX_ERROR_MESSAGE);
  });

  test('an explicit kind overrides the classification by name', () => {
    expect(toErrorInfo(named('Weird', 'x'), 'cannot assume', 'ACCESS_DENIED')).toEqual({
      kind: 'ACCESS_DENIED',
      message: 'cannot assume',
    });
  });
});

describe('requireEnv', () => {
  test('returns the value of a variable that is set', () => {
    expect(requireEnv('REPORT_BUCKET', { REPORT_BUCKET: 'reports' })).toBe('reports');
  });

  test('a missing variable throws InvalidSettings naming the variable', () => {
    const act = () => requireEnv('REPORT_BUCKET', {});

    expect(act).toThrow(InvalidSettingsError);
    expect(act).toThrow(/REPORT_BUCKET/);
  });

  test('an empty variable counts as missing', () => {
    const act = () => requireEnv('REPORT_BUCKET', { REPORT_BUCKET: '' });

    expect(act).toThrow(
      expect.objectContaining({ name: 'InvalidSettings', message: expect.stringContaining('REPORT_BUCKET') }),
    );
  });
});
