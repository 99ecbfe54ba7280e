import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findMoto, freePort, MOTO_INSTALL_HINT } from '../../cli/sandbox/moto';
import type { RunSummary } from '../../functions/lib/types';

const BIN = join(__dirname, '..', '..', 'bin', 'ct-audit.js');

/** Runs the real CLI as a user would, in a scratch folder. */
function ctAudit(
  args: readonly string[],
  cwd = mkdtempSync(join(tmpdir(), 'ct-audit-cli-')),
  env: NodeJS.ProcessEnv = {},
  timeout = 120_000,
) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    timeout,
    env: { ...process.env, AWS_ENDPOINT_URL: '', ...env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, cwd };
}

/** A shell with no AWS credentials anywhere: a command that reached for AWS would fail on that, not on its own check. */
const NO_CREDENTIALS: NodeJS.ProcessEnv = {
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  AWS_PROFILE: '',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
  AWS_CONFIG_FILE: '/nonexistent',
  AWS_EC2_METADATA_DISABLED: 'true',
};

/** Runs the CLI without blocking this process (a test may serve it a socket). */
function ctAuditAsync(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const cwd = mkdtempSync(join(tmpdir(), 'ct-audit-cli-'));
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, AWS_ENDPOINT_URL: '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return {
    cwd,
    done: new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      child.once('close', (code) => resolve({ code, stdout, stderr })),
    ),
  };
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
    [['sandbox', '--approve'], /--approve approves a remediation: give it with --remediate/],
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

describe('ct-audit never hangs on a silent endpoint', () => {
  it('exits 2 naming the state and the endpoint when the endpoint accepts and never answers', async () => {
    const sockets: Socket[] = [];
    const server = createServer((socket) => {
      sockets.push(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    try {
      const settings = join(mkdtempSync(join(tmpdir(), 'ct-audit-cli-')), 'settings.json');
      writeFileSync(settings, JSON.stringify({ sdk: { connectionTimeoutMs: 200, requestTimeoutMs: 200 } }));

      const { code, stderr } = await ctAuditAsync(['run', '--endpoint', endpoint, '--settings', settings], {
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
      }).done;

      expect(stderr).toMatch(/Resolve Targets failed: TimeoutError: .*\(endpoint http:\/\/127\.0\.0\.1:\d+\)/);
      expect(stderr).toContain(`endpoint ${endpoint}`);
      expect(stderr).toMatch(/does not check IAM/);
      expect(code).toBe(2);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('--endpoint without keys says what to set, not a raw CredentialsProviderError', () => {
    const { code, stderr } = ctAudit(['run', '--endpoint', 'http://127.0.0.1:9'], undefined, {
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_PROFILE: '',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: '',
      AWS_EC2_METADATA_DISABLED: 'true',
    });

    expect(stderr).toMatch(
      /^ct-audit: no AWS credentials found: an emulator takes any keys: export AWS_ACCESS_KEY_ID=/,
    );
    expect(code).toBe(2);
  });

  it('prints its version', () => {
    const { code, stdout } = ctAudit(['--version']);

    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(code).toBe(0);
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

  it('piped: prints whole reasons, --only-issues hides PASS rows, keeps the table when --summary-file fails; show reads a record', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ct-audit-cli-'));
    writeFileSync(join(cwd, 'blocker'), 'a file where a folder should be');

    const { code, stdout, stderr } = ctAudit(
      ['sandbox', '--accounts', '4', '--only-issues', '--summary-file', 'blocker/summary.json'],
      cwd,
    );

    // Not a terminal: nothing is cut, and the advice comes first.
    // The unenrolled account: every check fails, identity first and named, its advice first.
    expect(stdout).toMatch(
      /ERROR\s+identity,network-exposure,\S+\s+identity: is the account enrolled in Control Tower.* \[ACCESS_DENIED\] \(\+\d+ more\)$/m,
    );
    expect(stdout).not.toContain('…');
    expect(stdout).not.toMatch(/^\d{12}\s.*\sPASS\s/m);
    expect(stdout).toMatch(/accounts that passed are not shown: --only-issues/);
    expect(stdout).toMatch(/^Report: \.\/audit-reports\//m);
    expect(stdout).toMatch(/^Outcome: Audit Found Issues$/m);
    expect(stderr).toMatch(/Sandbox: seeding CloudTrail files: \d+ of \d+/);
    expect(stderr).toMatch(/cannot write --summary-file .*blocker\/summary\.json/);
    expect(code).toBe(2);

    const show = /ct-audit show --run (\S+) --account (\d{12})/.exec(stdout);
    expect(show).not.toBeNull();
    const shown = ctAudit(['show', '--run', show?.[1] ?? '', '--account', show?.[2] ?? ''], cwd);
    expect(shown.stdout).toMatch(new RegExp(`^Account ${show?.[2]} .* ERROR {2}run ${show?.[1]}`));
    expect(shown.stdout).toMatch(/^ {2}identity\s+ERROR/m);
    expect(shown.stdout).toMatch(/^ {6}ACCESS_DENIED: is the account enrolled/m);
    expect(shown.stdout).toMatch(/^Record: \.\/audit-reports\/.*\.json$/m);
    expect(shown.code).toBe(0);

    // The run is the sandbox's: remediate refuses it rather than send its fixes anywhere else.
    const remediate = ctAudit(['remediate', '--run', show?.[1] ?? '', '--plan'], cwd, NO_CREDENTIALS);
    expect(remediate.stderr).toMatch(/audit run \S+ was made by ct-audit sandbox: .*will not plan or apply/);
    expect(remediate.code).toBe(2);
  });

  // Five members: the first is the one with the planted resources every remediation action fixes.
  it('--remediate takes the flags of a plain run, prints the tables whole when piped, and no undo command: undo refuses the run', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ct-audit-cli-'));
    const checks = 'identity,network-exposure,s3-public-access,kms-key-deletion,security-services';

    const { code, stdout, stderr } = ctAudit(
      [
        'sandbox',
        '--accounts',
        '5',
        '--remediate',
        '--approve',
        '--checks',
        checks,
        '--max-concurrency',
        '2',
        '--only-issues',
        '--summary-file',
        'out/remediation.json',
        '--report-dir',
        'my reports',
      ],
      cwd,
      { COLUMNS: '60' },
      240_000,
    );

    expect(stderr).toMatch(/Sandbox: \d+ findings that an action can fix/);
    // Both audits: the checks asked for, only the accounts with issues, nothing cut.
    expect(
      stdout.match(/^Checks: identity, network-exposure, s3-public-access, kms-key-deletion, security-services {2}/gm),
    ).toHaveLength(2);
    expect(stdout.match(/accounts that passed are not shown: --only-issues/g)).toHaveLength(2);
    expect(stdout).not.toMatch(/^\d{12}\s.*\sPASS\s/m);
    expect(stdout).not.toContain('…');
    expect(stdout).toMatch(
      /^Records: .* read one with ct-audit show --run \S+ --account \d{12} --report-dir 'my reports'$/m,
    );
    expect(stdout).toMatch(/^Findings resolved by remediation run \S+: [1-9]\d* of/m);
    expect(stdout).not.toMatch(/ct-audit undo --run/);
    expect(stdout).toMatch(/^Undo: nothing to undo/m);
    const summary = JSON.parse(readFileSync(join(cwd, 'out', 'remediation.json'), 'utf8'));
    expect(summary).toMatchObject({ outcome: 'APPLIED' });
    expect(code).toBe(0);

    const runId = /^Remediation run (\S+): Remediations Applied$/m.exec(stdout)?.[1] ?? '';
    const undo = ctAudit(['undo', '--run', runId, '--report-dir', 'my reports'], cwd, NO_CREDENTIALS);
    expect(undo.stderr).toMatch(/was made by ct-audit sandbox --remediate: .*nothing to undo/);
    expect(undo.code).toBe(2);
    // Its audits are the sandbox's too.
    const audited = /ct-audit show --run (\S+) --account/.exec(stdout)?.[1] ?? '';
    const remediate = ctAudit(
      ['remediate', '--run', audited, '--apply', '--report-dir', 'my reports'],
      cwd,
      NO_CREDENTIALS,
    );
    expect(remediate.stderr).toMatch(/was made by ct-audit sandbox: /);
    expect(remediate.code).toBe(2);
  }, 300_000);

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
    let allStderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      allStderr += chunk.toString();
    });
    const stderrText = () => allStderr;

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
    expect(stderrText()).not.toMatch(/MaxListenersExceededWarning/);
  });
});

describe('the sandbox emulator never outlives the CLI', () => {
  it('the moto launcher exits when the pipe from its parent closes, as when the CLI is killed', async () => {
    const moto = findMoto();
    if (!moto) throw new Error(MOTO_INSTALL_HINT);
    const port = await freePort();
    const child = spawn(moto.command, [...moto.args, '-H', '127.0.0.1', '-p', String(port)], {
      stdio: ['pipe', 'ignore', 'pipe'],
      env: { ...process.env, CT_AUDIT_WATCH_STDIN: '1' },
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // Serving first: the pipe is watched while moto answers.
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        if (/Running on/.test(chunk.toString())) resolve();
      });
      child.once('exit', () => reject(new Error('moto exited before serving')));
    });

    child.stdin.end();

    expect(await exited).toBe(0);
  });
});
