import { worstStatus } from '../../../functions/lib/status';

describe('worstStatus', () => {
  test('ERROR outranks FAIL', () => {
    expect(worstStatus(['PASS', 'FAIL', 'ERROR', 'SKIPPED'])).toBe('ERROR');
  });

  test('FAIL outranks SKIPPED', () => {
    expect(worstStatus(['SKIPPED', 'FAIL', 'PASS'])).toBe('FAIL');
  });

  test('SKIPPED outranks PASS', () => {
    expect(worstStatus(['PASS', 'SKIPPED'])).toBe('SKIPPED');
  });

  test('all PASS is PASS', () => {
    expect(worstStatus(['PASS', 'PASS'])).toBe('PASS');
  });

  test('no statuses is SKIPPED: nothing was checked', () => {
    expect(worstStatus([])).toBe('SKIPPED');
  });

  test('the order of the statuses does not matter', () => {
    expect(worstStatus(['ERROR', 'PASS'])).toBe(worstStatus(['PASS', 'ERROR']));
  });

  test('any iterable is accepted', () => {
    expect(worstStatus(new Set(['PASS', 'FAIL'] as const))).toBe('FAIL');
  });
});
