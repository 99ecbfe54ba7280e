import { type Gap, gapFinding, gapOfFinding, gapsError } from '../../../functions/lib/gaps';

const ACCOUNT = '111111111111';

describe('gap findings', () => {
  test('a gap kept as a finding reads back as the same gap', () => {
    const gaps: Gap[] = [
      { region: 'eu-west-1', what: 'eu-west-1', reason: 'error', error: { kind: 'ACCESS_DENIED', message: 'denied' } },
      { region: 'global', what: '3 of 9 buckets', reason: 'deadline' },
      { region: 'global', what: 'buckets after the first 10000', reason: 'bound' },
    ];

    const read = gaps.map((gap) => gapOfFinding('s3-public-access', gapFinding('s3-public-access', ACCOUNT, gap)));

    expect(read).toEqual(gaps);
  });

  test('a gap finding without evidence (or an unknown kind) is still a gap: an error of kind UNKNOWN', () => {
    const { evidence: _evidence, ...bare } = gapFinding('kms-key-deletion', ACCOUNT, {
      region: 'us-east-1',
      what: 'us-east-1',
      reason: 'error',
      error: { kind: 'ACCESS_DENIED', message: 'denied' },
    });

    expect(gapOfFinding('kms-key-deletion', bare)).toEqual({
      region: 'us-east-1',
      what: 'us-east-1',
      reason: 'error',
      error: { kind: 'UNKNOWN', message: 'denied' },
    });
    expect(
      gapOfFinding('kms-key-deletion', { ...bare, evidence: { gap: 'error', errorKind: '<b>' } })?.error?.kind,
    ).toBe('UNKNOWN');
  });

  test('a check cut short only by the bound on what a run reads is an ERROR that says so, not a deadline', () => {
    const bound: Gap = { region: 'global', what: 'buckets after the first 10000', reason: 'bound' };

    expect(gapsError([bound])).toEqual({
      status: 'ERROR',
      message: 'partial: buckets after the first 10000 not checked (bound)',
      error: { kind: 'TIMEOUT', message: 'bound reached; partial: buckets after the first 10000 not checked (bound)' },
    });
    expect(gapsError([bound, { region: 'us-east-1', what: 'us-east-1', reason: 'deadline' }]).error.message).toMatch(
      /^deadline reached; partial: /,
    );
  });

  test("another rule, or another check's gap, is no gap of this check", () => {
    const gap = gapFinding('network-exposure', ACCOUNT, { region: 'us-east-1', what: 'us-east-1', reason: 'deadline' });

    expect(gapOfFinding('s3-public-access', gap)).toBeUndefined();
    expect(gapOfFinding('network-exposure', { ...gap, rule: 'network-exposure/world-ingress' })).toBeUndefined();
  });
});
