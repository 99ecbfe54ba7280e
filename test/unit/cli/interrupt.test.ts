/**
 * Ctrl-C while the progress bar is drawn: the bar hides the cursor (ESC[?25l) and turns line wrap off (ESC[?7l);
 * Node's default for SIGINT ends the process without giving them back. A real process under a real signal first,
 * then the parts alone.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { interrupt, onInterrupt, SIGNAL_EXIT } from '../../../cli/interrupt';
import { Progress, RESTORE_TERMINAL } from '../../../cli/output';
import { terminal } from '../../support/cli-output';
import { deferred, flushPromises } from '../../support/unit-deferred';

const ROOT = join(__dirname, '..', '..', '..');
const HIDE_CURSOR = '\u001b[?25l';
const SHOW_CURSOR = '\u001b[?25h';
const WRAP_OFF = '\u001b[?7l';
const WRAP_ON = '\u001b[?7h';

/** Starts the child that draws the bar, sends `signal` once it says it is drawing, and waits for it to end. */
function interruptedChild(signal: 'SIGINT' | 'SIGTERM'): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', join('test', 'support', 'progress-child.ts')], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout.on('data', (chunk: Buffer) => {
    if (chunk.toString().includes('drawing')) child.kill(signal);
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

/** Whether the terminal was given back: each setting turned on again after the last time it was turned off. */
function restored(text: string): boolean {
  return (
    text.lastIndexOf(SHOW_CURSOR) > text.lastIndexOf(HIDE_CURSOR) &&
    text.lastIndexOf(WRAP_ON) > text.lastIndexOf(WRAP_OFF)
  );
}

describe('a CLI process showing the progress bar', () => {
  test.each([
    ['SIGINT', SIGNAL_EXIT.SIGINT],
    ['SIGTERM', SIGNAL_EXIT.SIGTERM],
  ] as const)('on %s gives the cursor and line wrap back, then exits %i', async (signal, code) => {
    const child = await interruptedChild(signal);

    expect(child.stderr).toContain(HIDE_CURSOR);
    expect(child.stderr).toContain(WRAP_OFF);
    expect(restored(child.stderr)).toBe(true);
    expect(child.code).toBe(code);
  });
});

describe('Progress and the interrupt handler', () => {
  test('listens for signals only while the bar is drawn', () => {
    const before = process.listenerCount('SIGINT');
    const progress = new Progress(terminal().stream, true);

    progress.start(3);
    const drawing = process.listenerCount('SIGINT');
    progress.stop();

    expect(drawing).toBe(before + 1);
    expect(process.listenerCount('SIGINT')).toBe(before);
    expect(process.listenerCount('SIGTERM')).toBe(process.listenerCount('SIGINT'));
  });

  test('not on a terminal: no bar, no listener', () => {
    const before = process.listenerCount('SIGINT');
    const progress = new Progress(Object.assign(terminal().stream, { isTTY: false }), true);

    progress.start(3);

    expect(process.listenerCount('SIGINT')).toBe(before);
  });

  test('an interrupt stops the bar, restores the terminal and exits 130', async () => {
    const { stream, text } = terminal();
    const progress = new Progress(stream, true);
    const exit = jest.fn();
    progress.start(5);
    progress.started();

    await interrupt('SIGINT', exit);

    expect(text()).toContain(HIDE_CURSOR);
    expect(text().endsWith(RESTORE_TERMINAL)).toBe(true);
    expect(restored(text())).toBe(true);
    expect(exit).toHaveBeenCalledWith(130);
  });

  test('every cleanup runs, the newest first, a failing one too, and the exit waits for the slow ones', async () => {
    const ran: string[] = [];
    const emulator = deferred<void>();
    const exit = jest.fn();
    const releases = [
      onInterrupt(() => {
        ran.push('emulator');
        return emulator.promise;
      }),
      onInterrupt(() => {
        ran.push('broken');
        throw new Error('cannot');
      }),
      onInterrupt(() => {
        ran.push('terminal');
      }),
    ];

    const interrupted = interrupt('SIGTERM', exit);
    await flushPromises();
    const exitedEarly = exit.mock.calls.length > 0;
    emulator.resolve();
    await interrupted;
    for (const release of releases) release();

    expect(ran).toEqual(['terminal', 'broken', 'emulator']);
    expect(exitedEarly).toBe(false);
    expect(exit).toHaveBeenCalledWith(143);
  });

  test('a second signal while cleaning up exits at once', async () => {
    const stuck = deferred<void>();
    const exit = jest.fn();
    const release = onInterrupt(() => stuck.promise);

    const first = interrupt('SIGINT', exit);
    await interrupt('SIGINT', exit);
    const atOnce = [...exit.mock.calls];
    stuck.resolve();
    await first;
    release();

    expect(atOnce).toEqual([[130]]);
  });
});
