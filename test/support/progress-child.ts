/**
 * A CLI process showing the progress bar, for the interrupt test: stderr stands in for a terminal (a pipe is not one,
 * and the bar draws only on a terminal). Prints `drawing` on stdout once the bar is drawn, then waits to be signalled.
 */
import { Writable } from 'node:stream';
import { Progress } from '../../cli/output';

const terminal = Object.assign(
  new Writable({
    write(chunk, _encoding, done) {
      process.stderr.write(chunk, done);
    },
  }),
  { isTTY: true, columns: 100 },
);
const progress = new Progress(terminal, true);
progress.start(10);
progress.started();
process.stdout.write('drawing\n');
// Nothing else to do: only a signal ends this process.
setInterval(() => undefined, 60_000);
