import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** How to get the emulator, said in one line wherever it is missing. */
export const MOTO_INSTALL_HINT = 'moto_server was not found: install it with  pip install "moto[server]"';

/** The emulator cannot be started. */
export class EmulatorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmulatorError';
  }
}

/** A running moto_server on loopback. */
export interface Emulator {
  readonly url: string;
  /** Stops the emulator; safe to call more than once. */
  stop(): Promise<void>;
}

/** moto's server behind a launcher that verifies SigV4 over the raw query string, as AWS does (see the file). */
const LAUNCHER = join(__dirname, 'moto_server.py');

/**
 * The command that runs moto: the Python that has moto's server installed (the one behind `moto_server` on PATH
 * first, then `python3`), with the launcher. Undefined when none has it.
 */
export function findMoto(): { command: string; args: string[] } | undefined {
  const pythons = ['python3', 'python'];
  const shebang = spawnSync('sh', ['-c', 'head -1 "$(command -v moto_server)"'], { encoding: 'utf8' }).stdout;
  const motoPython = /^#!\s*(\S*python\S*)/.exec(shebang ?? '')?.[1];
  for (const python of motoPython ? [motoPython, ...pythons] : pythons) {
    const probe = spawnSync(python, ['-c', 'import moto.server, flask'], { stdio: 'ignore', timeout: 20_000 });
    if (probe.status === 0) return { command: python, args: [LAUNCHER] };
  }
  return undefined;
}

/** A free TCP port on loopback, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls the emulator until it answers; gives up after `timeoutMs` or when the process dies. */
async function waitUntilReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 25;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new EmulatorError(`moto_server exited with code ${child.exitCode} at start`);
    try {
      const response = await fetch(`${url}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 250);
  }
  throw new EmulatorError(`moto_server did not answer on ${url} within ${timeoutMs / 1000}s`);
}

/**
 * Starts moto_server on a free loopback port and waits until it answers. The caller stops it; the process is
 * also killed if this Node process exits first, so that no emulator outlives the CLI or a test run.
 */
export async function startMoto(options: { timeoutMs?: number } = {}): Promise<Emulator> {
  const moto = findMoto();
  if (!moto) throw new EmulatorError(MOTO_INSTALL_HINT);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // stdin is a pipe the launcher watches: when this process ends in any way, even killed, the kernel closes it and
  // the emulator exits. Its own process group keeps a terminal's Ctrl-C for the CLI, which stops it in order.
  const child = spawn(moto.command, [...moto.args, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['pipe', 'ignore', 'pipe'],
    detached: true,
    env: { ...process.env, MOTO_ALLOW_NONEXISTENT_REGION: 'true', CT_AUDIT_WATCH_STDIN: '1' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2_000);
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  };

  try {
    await waitUntilReady(url, child, options.timeoutMs ?? 30_000);
  } catch (error) {
    await stop();
    const detail = stderr.trim().split('\n').slice(-3).join(' | ');
    throw new EmulatorError(`${(error as Error).message}${detail ? `: ${detail}` : ''}`);
  }
  return { url, stop };
}
