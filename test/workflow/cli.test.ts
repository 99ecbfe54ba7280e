import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from '../../functions/lib/types';

const BIN = join(__dirname, '..', '..', 'bin', 'ct-audit.js');

/** Runs the real CLI as a user would, in a scratch folder. */
function ctAudit(args: readonly string[], cwd = mkdtempSync(join(tmpdir(), 'ct-audit-cli-'))) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 90_000,
    env: { ...process.env, AWS_ENDPOINT_URL: '' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, cwd };
}

describe('ct-audit exit codes and messages for bad input (no AWS call is made)', () => {
  it.each([
    [['run', '--accounts', '12345'], /accounts\[0\]: must be a 12-digit AWS account ID \(got "12345"\)/],
    [['run', '--accounts', '111111111111,111111111111'], /'111111111111' is listed twice/],
    [['run', '--checks', 'nope'], /checks\[0\]: must be one of: .*\(got "nope"\)/],
    [['run', '--mode', 'fix'], /mode: must be one of: audit \(got "fix"\)/],
    [['run', '--role', 'admin'], /role "admin" needs the admin path/],
    [['run', '--max-concurrency', 'lots'], /--max-concurrency must be a whole number \(got "lots"\)/],
    [['run', '--input', '{not json'], /--input is not valid JSON/],
    [['sandbox', '--accounts', '2'], /--accounts must be from 3 to 10000 \(got 2\)/],
    [['sandbox', '--accounts', '12345'], /--accounts must be from 3 to 10000 \(got 12345\)/],
    [['sandbox', '--checks', 'nope'], /\(got "nope"\)/],
    [['frobnicate'], /unknown command 'frobnicate'/],
  ])('%j exits 2 and names the bad value', (args, message) => {
    const { code, stderr } = ctAudit(args);

    expect(stderr).toMatch(message);
    expect(code).toBe(2);
  });

  it('exits 2 when the settings file is not valid JSON, naming the file', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ct-audit-cli-'));
    writeFileSync(join(cwd, 'broken.json'), '{ "context": ');

    const { code, stderr } = ctAudit(['run', '--settings', 'broken.json'], cwd);

    expect(stderr).toMatch(/settings file broken\.json is not valid JSON/);
    expect(code).toBe(2);
  });

  it('exits 2 when a setting is wrong, naming the setting', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ct-audit-cli-'));
    writeFileSync(join(cwd, 'cdk.json'), JSON.stringify({ context: { ctAudit: { maxConcurrency: 5000 } } }));

    const { code, stderr } = ctAudit(['run'], cwd);

    expect(stderr).toMatch(/ctAudit\.maxConcurrency: must be a whole number from 1 to 1000 \(got 5000\)/);
    expect(code).toBe(2);
  });
});

describe('ct-audit sandbox', () => {
  it('prints the summary JSON with --json, writes --summary-file, and exits 1 when issues are found', () => {
    const { code, stdout, cwd } = ctAudit([
      'sandbox',
      '--accounts',
      '4',
      '--json',
      '--summary-file',
      'out/summary.json',
    ]);

    const printed: RunSummary = JSON.parse(stdout);
    expect(code).toBe(1);
    expect(printed).toMatchObject({
      runId: expect.any(String),
      mode: 'audit',
      totals: { accounts: 5, pass: 3, fail: 1, error: 1, skipped: 2 },
    });
    expect(printed.accounts).toHaveLength(printed.totals.accounts);
    expect(new Set(printed.accounts.map((account) => account.accountId)).size).toBe(printed.accounts.length);
    expect(JSON.parse(readFileSync(join(cwd, 'out', 'summary.json'), 'utf8'))).toEqual(printed);
  });

  it('prints the table and exits 0 when every account passes', () => {
    const { code, stdout } = ctAudit(['sandbox', '--accounts', '3', '--clean']);

    expect(stdout).toMatch(/^ACCOUNT\s+NAME\s+STATUS\s+FAILED CHECKS\s+REASON/m);
    expect(stdout).toMatch(/Accounts: 5 {2}PASS: 5 {2}FAIL: 0 {2}ERROR: 0 {2}SKIPPED: 1/);
    expect(stdout).toMatch(/Outcome: Audit Passed/);
    expect(code).toBe(0);
  });
});

describe('ct-audit sandbox on Ctrl-C', () => {
  /** Whether something still listens on the port. */
  function listening(port: number): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  }

  it('stops the emulator and exits 130', async () => {
    const child = spawn(process.execPath, [BIN, 'sandbox', '--accounts', '200'], {
      cwd: mkdtempSync(join(tmpdir(), 'ct-audit-cli-')),
      env: { ...process.env, AWS_ENDPOINT_URL: '' },
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    // Interrupt as soon as the emulator is announced: seeding 200 accounts is under way then.
    const port = await new Promise<number>((resolve, reject) => {
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /moto at http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', () => reject(new Error(`ct-audit exited before starting moto: ${stderr}`)));
    });
    child.kill('SIGINT');

    expect(await exited).toBe(130);
    expect(await listening(port)).toBe(false);
  });
});
