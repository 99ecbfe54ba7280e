/**
 * npm run bench:scale [-- --sizes 100,1000,5000 --concurrency 1,40 --latency-ms 0 --heap-mib 160]
 *
 * Sandbox runs of the real workflow (the ASL in the local engine, the real handlers, moto behind the gateway) at
 * several organization sizes and Map concurrencies, with the identity and CloudTrail checks. Each size runs in a
 * child process of its own, so that its peak RSS is its own. Prints wall time, accounts per second, the speed-up
 * of the highest concurrency over the lowest, the largest state payload, state transitions and the cost they imply
 * for a deployed run. Figures, not assertions: timings on a shared machine vary.
 *
 * moto is one Python process: it answers one call at a time, so against it more concurrency buys nothing. With
 * `--latency-ms N` the sandbox gateway holds every AWS call N ms before forwarding it, as a real API call takes
 * network and service time, and the speed-up shows what the Map's concurrency does.
 *
 * Each child runs with the heap bounds `ct-audit` runs with (the `--max-*` flags of bin/ct-audit.js's `#!` line), so
 * that its peak RSS is the CLI's; `--heap-mib N` sets another `--max-old-space-size`.
 */
import '../cli/polyfill';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLocal } from '../cli/engine';
import { startGateway } from '../cli/sandbox/gateway';
import { startMoto } from '../cli/sandbox/moto';
import { seedSandbox } from '../cli/sandbox/seed';
import { resolveSettings } from '../cli/settings-file';
import { LocalReportStore } from '../functions/lib/report-store';
import { argValue } from './args';

process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.AWS_REGION ??= 'us-east-1';

/** One run of one size at one concurrency, as the child reports it. */
interface RunFigures {
  readonly accounts: number;
  readonly concurrency: number;
  readonly seconds: number;
  readonly accountsPerSecond: number;
  readonly largestPayload: { state: string; direction: string; bytes: number };
  readonly mapResultBytes: number;
  readonly parentTransitions: number;
  readonly childTransitionsPerAccount: number;
  readonly handlerMsPerAccount: number;
  readonly outcome: string;
  readonly totals: Record<string, number>;
}

/** What a child process prints: the seeding and each run. */
interface SizeFigures {
  readonly members: number;
  readonly seedSeconds: number;
  readonly runs: readonly RunFigures[];
  readonly peakRssMiB: number;
  /** Where the memory was at its peak: sampled every 250 ms, per phase. */
  readonly memory: Readonly<Record<'seed' | 'run', MemoryPeak>>;
}

interface MemoryPeak {
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
  readonly externalMiB: number;
}

/** The largest RSS, heap used and external (Buffers) memory seen while `phase` was current. */
function memorySampler() {
  const peaks: Record<'seed' | 'run', MemoryPeak> = {
    seed: { rssMiB: 0, heapUsedMiB: 0, externalMiB: 0 },
    run: { rssMiB: 0, heapUsedMiB: 0, externalMiB: 0 },
  };
  let phase: 'seed' | 'run' = 'seed';
  const sample = () => {
    const usage = process.memoryUsage();
    const peak = peaks[phase];
    peaks[phase] = {
      rssMiB: Math.max(peak.rssMiB, usage.rss / 2 ** 20),
      heapUsedMiB: Math.max(peak.heapUsedMiB, usage.heapUsed / 2 ** 20),
      externalMiB: Math.max(peak.externalMiB, usage.external / 2 ** 20),
    };
  };
  const timer = setInterval(sample, 250);
  timer.unref();
  return {
    enter(next: 'seed' | 'run') {
      sample();
      phase = next;
    },
    stop() {
      sample();
      clearInterval(timer);
      return peaks;
    },
  };
}

/** The heap bounds of `ct-audit`: the `--max-*` flags of the `#!` line of bin/ct-audit.js. */
const CLI_HEAP_FLAGS =
  (readFileSync(join(__dirname, '..', 'bin', 'ct-audit.js'), 'utf8').split('\n')[0] ?? '').match(
    /--max-[a-z-]+=\d+/g,
  ) ?? [];

/** Public us-east-1 list prices used for the cost estimate (USD). */
const PRICE = {
  standardTransition: 0.025 / 1000,
  expressRequest: 1 / 1_000_000,
  expressGbSecond: 0.00001667,
  lambdaRequest: 0.2 / 1_000_000,
  lambdaArmGbSecond: 0.0000133334,
} as const;

function option(name: string, fallback: string): number[] {
  return (argValue(name) ?? fallback).split(',').map(Number);
}

async function child(members: number, concurrencies: readonly number[], latencyMs: number): Promise<SizeFigures> {
  const emulator = await startMoto();
  const gateway = await startGateway(emulator.url);
  const reports = mkdtempSync(join(tmpdir(), 'ct-audit-bench-'));
  const sampler = memorySampler();
  try {
    const seedStart = performance.now();
    // One hour of CloudTrail files, a file every 30 minutes per region: every check reads real files, and seeding
    // 5,000 accounts stays within minutes.
    const organization = await seedSandbox(gateway.url, {
      members,
      cloudTrailHours: 1,
      cloudTrailIntervalMinutes: 30,
      // The benchmark measures the identity and CloudTrail checks; the current-state ones are not seeded nor run.
      currentState: false,
    });
    const seedSeconds = (performance.now() - seedStart) / 1000;
    sampler.enter('run');
    process.env.AWS_ENDPOINT_URL = gateway.url;
    gateway.setFaults({ latencyMs });
    const settings = resolveSettings(organization.settings, {
      cloudtrail: { lookbackHours: 1, freshnessMinutes: 120 },
    });

    const runs: RunFigures[] = [];
    for (const concurrency of concurrencies) {
      let handlerMs = 0;
      let iterations = 0;
      const started = performance.now();
      const result = await runLocal({
        settings,
        input: { maxConcurrency: concurrency, checks: ['identity', 'cloudtrail-delivery', 'cloudtrail-events'] },
        store: new LocalReportStore(reports),
        credentials: organization.credentials,
        wrap: (state, handler) =>
          state !== 'Audit Account'
            ? handler
            : async (input) => {
                const at = performance.now();
                try {
                  return await handler(input);
                } finally {
                  handlerMs += performance.now() - at;
                  iterations++;
                }
              },
      });
      const seconds = (performance.now() - started) / 1000;
      const accounts = result.summary?.totals.accounts ?? 0;
      // Top-level states (Resolve Targets, Audit Accounts, Summarize, Publish Report, Any Issues?, the end state); the rest are the
      // children's (Which Role?, Audit Account and, on failure, Record Account Error).
      const parentTransitions = Object.keys(result.stats.payloadByState).filter((state) =>
        [
          'Resolve Targets',
          'Audit Accounts',
          'Summarize',
          'Publish Report',
          'Any Issues?',
          'Audit Passed',
          'Audit Found Issues',
          'Issues Reported',
        ].includes(state),
      ).length;
      runs.push({
        accounts,
        concurrency,
        seconds,
        accountsPerSecond: accounts / seconds,
        largestPayload: result.stats.largestPayload,
        mapResultBytes: result.stats.mapResultBytes,
        parentTransitions,
        childTransitionsPerAccount: (result.stats.transitions - parentTransitions) / Math.max(1, accounts),
        handlerMsPerAccount: handlerMs / Math.max(1, iterations),
        outcome: result.endState ?? result.status,
        totals: { ...(result.summary?.totals ?? {}) },
      });
    }
    const memory = sampler.stop();
    return { members, seedSeconds, runs, peakRssMiB: process.resourceUsage().maxRSS / 1024, memory };
  } finally {
    delete process.env.AWS_ENDPOINT_URL;
    await gateway.close();
    await emulator.stop();
    rmSync(reports, { recursive: true, force: true });
  }
}

function pad(value: string | number, width: number): string {
  return String(value).padStart(width);
}

/**
 * Cost of one deployed run for 1,000 accounts, from the transitions measured and the time one account's audit took
 * with nothing else running (concurrency 1).
 */
function costPer1000(run: RunFigures, handlerMs: number): { total: number; parts: string } {
  const n = 1000;
  const seconds = handlerMs / 1000;
  const parent = (run.parentTransitions + n) * PRICE.standardTransition; // one transition per child started
  const express = n * PRICE.expressRequest + n * 0.0625 * Math.max(0.1, seconds) * PRICE.expressGbSecond;
  const lambda = n * PRICE.lambdaRequest + n * 0.5 * Math.max(0.001, seconds) * PRICE.lambdaArmGbSecond;
  return {
    total: parent + express + lambda,
    parts: `Standard $${parent.toFixed(4)} + Express $${express.toFixed(4)} + Lambda $${lambda.toFixed(4)}`,
  };
}

async function main(): Promise<void> {
  const childIndex = process.argv.indexOf('--child');
  if (childIndex >= 0) {
    const figures = await child(
      Number(process.argv[childIndex + 1]),
      option('concurrency', '1,40'),
      option('latency-ms', '0')[0] ?? 0,
    );
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    return;
  }

  const sizes = option('sizes', '100,1000,5000');
  const concurrencies = option('concurrency', '1,40');
  const latencyMs = option('latency-ms', '0')[0] ?? 0;
  const heapMiB = option('heap-mib', '0')[0] ?? 0;
  const heapFlags = CLI_HEAP_FLAGS.map((flag) =>
    heapMiB > 0 && flag.startsWith('--max-old-space-size=') ? `--max-old-space-size=${heapMiB}` : flag,
  );
  console.log(
    `node ${process.version}, ${sizes.join('/')} member accounts, Map concurrency ${concurrencies.join(' and ')}, ` +
      `ct-audit's heap bounds: ${heapFlags.join(' ')}`,
  );
  if (latencyMs > 0) console.log(`every AWS call held ${latencyMs} ms by the gateway, as network and service time`);
  console.log('checks: identity, cloudtrail-delivery, cloudtrail-events; moto behind the sandbox gateway\n');
  const results: SizeFigures[] = [];
  for (const members of sizes) {
    const out = spawnSync(
      process.execPath,
      [
        ...process.execArgv,
        ...heapFlags,
        __filename,
        '--child',
        String(members),
        '--concurrency',
        concurrencies.join(','),
        '--latency-ms',
        String(latencyMs),
      ],
      { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const line = out.stdout.trim().split('\n').at(-1);
    if (out.status !== 0 || !line) throw new Error(`the ${members}-account run failed (exit ${out.status})`);
    const figures: SizeFigures = JSON.parse(line);
    results.push(figures);
    const phase = (name: 'seed' | 'run') => {
      const peak = figures.memory[name];
      return (
        `${name} RSS ${peak.rssMiB.toFixed(0)} MiB (heap used ${peak.heapUsedMiB.toFixed(0)}, ` +
        `external ${peak.externalMiB.toFixed(0)})`
      );
    };
    console.log(
      `${members} members: seeded in ${figures.seedSeconds.toFixed(1)} s, peak RSS ${figures.peakRssMiB.toFixed(0)} MiB; ` +
        `sampled peaks: ${phase('seed')}, ${phase('run')}`,
    );
  }

  console.log(
    `\n${pad('accounts', 8)} ${pad('conc.', 5)} ${pad('wall s', 8)} ${pad('acct/s', 7)} ${pad('speed-up', 8)} ` +
      `${pad('largest payload', 34)} ${pad('map result', 10)} ${pad('RSS MiB', 7)} outcome`,
  );
  for (const size of results) {
    const slowest = size.runs[0];
    for (const run of size.runs) {
      const speedUp = slowest ? slowest.seconds / run.seconds : 1;
      const payload = `${run.largestPayload.bytes} B (${run.largestPayload.state} ${run.largestPayload.direction})`;
      console.log(
        `${pad(run.accounts, 8)} ${pad(run.concurrency, 5)} ${pad(run.seconds.toFixed(1), 8)} ` +
          `${pad(run.accountsPerSecond.toFixed(1), 7)} ${pad(`${speedUp.toFixed(2)}x`, 8)} ${pad(payload, 34)} ` +
          `${pad(`${run.mapResultBytes} B`, 10)} ${pad(size.peakRssMiB.toFixed(0), 7)} ${run.outcome}`,
      );
    }
  }

  const reference = results.at(-1)?.runs.at(-1);
  const alone = results.at(-1)?.runs[0];
  if (reference && alone) {
    const cost = costPer1000(reference, alone.handlerMsPerAccount);
    console.log(
      `\nper account: ${reference.childTransitionsPerAccount.toFixed(2)} child state transitions (Express, not billed ` +
        `per transition) + 1 parent transition for the child started; per run: ${reference.parentTransitions} parent ` +
        'transitions',
    );
    console.log(
      `one account's audit at concurrency ${alone.concurrency} (local, moto): ${alone.handlerMsPerAccount.toFixed(0)} ms; ` +
        `cost per 1,000 accounts per run ≈ $${cost.total.toFixed(3)} (${cost.parts}; us-east-1 list prices, ` +
        'Lambda 512 MB arm64, Express billed at 64 MB)',
    );
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
