import { startSandbox, type TestSandbox } from '../support/sandbox';

describe('runs for a list of accounts on the sandbox', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    // Two hours of CloudTrail files are enough here: these runs are about which accounts are targeted.
    sandbox = await startSandbox({ members: 6, cloudTrailHours: 2 });
  });
  afterAll(() => sandbox?.stop());

  const healthy = () => sandbox.organization.members.filter((member) => !member.planted).map((m) => m.accountId);

  it('audits exactly the accounts listed and passes when they are healthy', async () => {
    const accounts = healthy().slice(0, 2);

    const result = await sandbox.run({ accounts });

    expect(result.endState).toBe('Audit Passed');
    expect(result.status).toBe('SUCCEEDED');
    expect(result.summary?.accounts.map((account) => account.accountId)).toEqual([...accounts].sort());
    expect(result.summary?.skipped).toEqual([]);
  });

  it('skips an account that is not in the organization, with its reason', async () => {
    const [member] = healthy();

    const result = await sandbox.run({ accounts: [member, '999999999999'] });

    expect(result.summary?.skipped).toEqual([
      {
        accountId: '999999999999',
        reason: `not a member of organization ${sandbox.organization.organizationId}`,
        requested: true,
      },
    ]);
    expect(result.summary?.accounts.map((account) => account.accountId)).toEqual([member]);
    // The account asked for was not audited: the run is not a pass, even though the audited one passed.
    expect(result.endState).toBe('Audit Found Issues');
    expect(result.error?.cause).toContain('999999999999 was asked for and not audited');
  });

  it('a run whose only account is not in the organization audits nothing and never ends in Audit Passed', async () => {
    const result = await sandbox.run({ accounts: ['999999999999'] });

    expect(result.summary?.totals).toMatchObject({ accounts: 0, pass: 0, skipped: 1 });
    expect(result.endState).toBe('Audit Found Issues');
    expect(result.error?.cause).toContain('no account was audited');
  });

  it('refuses checks whose settings are missing before auditing, naming every setting and its flag', async () => {
    const result = await sandbox.run(
      { checks: ['cloudtrail-delivery'] },
      { settings: { homeRegion: null, regions: [], logArchive: { accountId: null, bucket: null } } as never },
    );

    expect(result.endState).toBe('Resolve Targets');
    expect(result.error?.error).toBe('InvalidInput');
    expect(result.error?.cause).toMatch(
      /--home-region \(ctAudit\.homeRegion\), needed by cloudtrail-delivery; --log-archive-account/,
    );
  });

  it('accepts the single-account form { "TargetAccountId": ... }', async () => {
    const [member] = healthy();

    const result = await sandbox.run({ TargetAccountId: member });

    expect(result.summary?.accounts).toEqual([
      expect.objectContaining({
        accountId: member,
        status: 'PASS',
        checks: expect.objectContaining({ identity: expect.objectContaining({ status: 'PASS' }) }),
      }),
    ]);
  });

  it('assumes the administrator execution role when role is admin and the admin path is enabled', async () => {
    const [member] = healthy();

    const result = await sandbox.run({ accounts: [member], role: 'admin' }, { settings: { adminEnabled: true } });

    expect(result.summary?.role).toBe('admin');
    expect(result.summary?.accounts[0]?.checks.identity).toEqual({
      status: 'PASS',
      message: 'reached as aws-controltower-AdministratorExecutionRole',
    });
  });

  it('fails with InvalidInput when role is admin and the admin path is disabled', async () => {
    const result = await sandbox.run({ role: 'admin' }, { settings: { adminEnabled: false } });

    expect(result.status).toBe('FAILED');
    expect(result.endState).toBe('Resolve Targets');
    expect(result.error?.error).toBe('InvalidInput');
    expect(result.error?.cause).toMatch(/role "admin" needs the admin path.*ctAudit\.adminEnabled/);
    expect(result.summary).toBeUndefined();
  });

  it.each([
    [{ accounts: ['12345'] }, /accounts\[0\]: must be a 12-digit AWS account ID \(got "12345"\)/],
    [{ accounts: ['111111111111', '111111111111'] }, /accounts\[1\]: '111111111111' is listed twice/],
    [{ checks: ['identity', 'no-such-check'] }, /checks\[1\]: must be one of: .*identity.*\(got "no-such-check"\)/],
    [{ mode: 'fix' }, /mode: must be one of: audit \(got "fix"\)/],
    [{ acounts: ['111111111111'] }, /unknown field 'acounts'/],
  ])('rejects %j with InvalidInput and a message naming the bad value', async (input, message) => {
    const result = await sandbox.run(input);

    expect(result.error?.error).toBe('InvalidInput');
    expect(result.error?.cause).toMatch(message);
  });
});
