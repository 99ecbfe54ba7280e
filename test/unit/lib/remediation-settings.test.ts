import { parseSettings } from '../../../functions/lib/settings';

describe('remediation settings', () => {
  it('switches every action off, and asks a person, by default', () => {
    const { remediation } = parseSettings({});

    expect(Object.values(remediation.actions)).toEqual([false, false, false, false, false]);
    expect(remediation).toMatchObject({
      requireApproval: true,
      approvalTimeoutHours: 24,
      maxActionsPerRun: 20,
      enableKeyAfterCancel: false,
      exemptions: [],
    });
  });

  it('refuses an action it does not know, naming it', () => {
    expect(() => parseSettings({ remediation: { actions: { 'delete-everything': true } } })).toThrow(
      /ctAudit.remediation.actions: unknown field 'delete-everything'/,
    );
  });

  it('refuses an exemption without an owner or an expiry date', () => {
    expect(() =>
      parseSettings({ remediation: { exemptions: [{ account: '111111111111', resource: 'sg-1', reason: 'vendor' }] } }),
    ).toThrow(/ctAudit.remediation.exemptions\[0\].owner/);
    expect(() =>
      parseSettings({
        remediation: {
          exemptions: [{ account: '111111111111', resource: 'sg-1', reason: 'vendor', owner: 'net', expires: 'soon' }],
        },
      }),
    ).toThrow(/exemptions\[0\].expires: must be a date like 2027-06-30/);
  });
});

describe('remediation.afterScheduledAudit', () => {
  it('starts no plan by default', () => {
    expect(parseSettings({}).remediation.afterScheduledAudit).toBe('none');
  });

  it('accepts "plan", and refuses "apply" (a scheduled run never applies) with the values it takes', () => {
    expect(parseSettings({ remediation: { afterScheduledAudit: 'plan' } }).remediation.afterScheduledAudit).toBe(
      'plan',
    );
    expect(() => parseSettings({ remediation: { afterScheduledAudit: 'apply' } })).toThrow(
      /ctAudit.remediation.afterScheduledAudit: must be "none" or "plan"/,
    );
  });
});
