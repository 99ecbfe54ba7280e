/**
 * Ctrl-C (SIGINT) or SIGTERM while the CLI holds something that must be undone: the progress bar's hidden cursor and
 * line wrap, the sandbox's emulator. Node's default for these signals ends the process at once and skips all of it
 * (a terminal left with no cursor and no line wrap). While anything is registered here, one listener runs every
 * cleanup instead, then exits with the signal's code; a second signal while cleaning up exits at once.
 */

/** Exit codes after a signal, as a shell reports a process the signal ended: 128 + the signal's number. */
export const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

/** The signals that interrupt the CLI. */
export type InterruptSignal = keyof typeof SIGNAL_EXIT;

/** Undoes something on interrupt; a promise it returns is awaited (each cleanup bounds its own wait). */
export type Cleanup = () => unknown;

const SIGNALS = Object.keys(SIGNAL_EXIT) as InterruptSignal[];
const registered = new Set<{ readonly cleanup: Cleanup }>();
let interrupting = false;

function listener(signal: NodeJS.Signals): void {
  void interrupt(signal as InterruptSignal);
}

/**
 * Runs `cleanup` if the CLI is interrupted before the returned function is called (call it once the thing is undone
 * the ordinary way). Signals are handled here only while something is registered.
 */
export function onInterrupt(cleanup: Cleanup): () => void {
  const entry = { cleanup };
  registered.add(entry);
  if (registered.size === 1) for (const signal of SIGNALS) process.on(signal, listener);
  return () => {
    if (!registered.delete(entry)) return;
    if (registered.size === 0) for (const signal of SIGNALS) process.removeListener(signal, listener);
  };
}

/**
 * What the listener does: every registered cleanup, the newest first (the terminal before the emulator), then
 * `exit` with the signal's code. Exported so that tests can call it with their own `exit`.
 */
export async function interrupt(
  signal: InterruptSignal,
  exit: (code: number) => void = (code) => process.exit(code),
): Promise<void> {
  const code = SIGNAL_EXIT[signal];
  if (interrupting) {
    exit(code);
    return;
  }
  interrupting = true;
  try {
    const pending = [...registered].reverse().map(({ cleanup }) => {
      try {
        return cleanup();
      } catch {
        // One cleanup that throws must not keep the others from running, nor the process from ending.
        return undefined;
      }
    });
    await Promise.allSettled(pending);
  } finally {
    interrupting = false;
  }
  exit(code);
}
