import { formatAge, summarizeFindings } from '../../../functions/cloudtrail/format';
import type { Finding } from '../../../functions/lib/types';

describe('formatAge', () => {
  test.each([
    [0, '0m'],
    [59_000, '0m'],
    [45 * 60_000, '45m'],
    [2 * 3_600_000, '2h'],
    [(2 * 60 + 5) * 60_000, '2h 5m'],
    [(3 * 24 + 4) * 3_600_000, '3d 4h'],
    [-5_000, '0m'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });
});

describe('summarizeFindings', () => {
  const finding = (rule: string, severity: Finding['severity']): Finding => ({ rule, severity, title: rule });

  test('names the rules of the worst severity and counts the rest', () => {
    const findings = [
      finding('root-activity', 'CRITICAL'),
      finding('kms-key-disabled', 'HIGH'),
      finding('s3-bucket-made-public', 'HIGH'),
    ];

    const text = summarizeFindings(findings, { 'root-activity': 1, 'kms-key-disabled': 1, 's3-bucket-made-public': 1 });

    expect(text).toBe('3 findings: 1 CRITICAL (root-activity), 2 HIGH');
  });

  test('counts findings found beyond those kept', () => {
    expect(summarizeFindings([finding('access-denied-burst', 'MEDIUM')], { 'access-denied-burst': 250 })).toBe(
      '250 findings: 250 MEDIUM (access-denied-burst)',
    );
  });

  test('one finding is singular', () => {
    expect(summarizeFindings([finding('LogFileUnreadable', 'MEDIUM')], { LogFileUnreadable: 1 })).toBe(
      '1 finding: 1 MEDIUM (LogFileUnreadable)',
    );
  });
});
