import { parseSettings } from '../../../functions/lib/settings';

describe('settings: exposure', () => {
  test('defaults: 80 and 443 allowed; SSH, RDP and the common database ports high-risk', () => {
    const { exposure } = parseSettings({});

    expect(exposure.allowedPublicPorts).toEqual([80, 443]);
    expect(exposure.highRiskPorts).toEqual(expect.arrayContaining([22, 3389, 1433, 3306, 5432, 6379, 27017]));
  });

  test.each([
    [
      { allowedPublicPorts: [443, 70000] },
      /ctAudit\.exposure\.allowedPublicPorts\[1\]: must be a port number from 0 to 65535/,
    ],
    [{ allowedPublicPorts: [443, 443] }, /ctAudit\.exposure\.allowedPublicPorts\[1\]: 443 is listed twice/],
    [{ highRiskPorts: '22' }, /ctAudit\.exposure\.highRiskPorts: must be a list of port numbers/],
    [{ allowedPorts: [443] }, /ctAudit\.exposure/],
  ])('a wrong exposure block is refused naming the setting: %j', (exposure, message) => {
    expect(() => parseSettings({ exposure })).toThrow(message);
  });
});
