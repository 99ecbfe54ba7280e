import { InvalidSettingsError } from '../functions/lib/errors';
import { MAX_ALARM_AFTER_HOURS, type Settings } from '../functions/lib/settings';
import { SETTINGS_CONTEXT_KEY } from './config';

/** What a run may take after its start before its RunCompleted counts: Scheduler retries, the run itself. */
export const RUN_MARGIN_HOURS = 2;

/** The window for a cron that runs every day: 24 hours between two runs, and the margin. */
export const DAILY_WINDOW_HOURS = 24 + RUN_MARGIN_HOURS;

const HOURS_PER_UNIT: Record<string, number> = {
  minute: 1 / 60,
  minutes: 1 / 60,
  hour: 1,
  hours: 1,
  day: 24,
  days: 24,
};

/**
 * How many hours without a completed run the alarm NoCompletedRun waits, or `undefined` for no such alarm (the
 * schedule is disabled, or `schedule.alarmAfterHours` is 0).
 *
 * - `schedule.alarmAfterHours`, when set, is the window.
 * - `rate(N unit)`: N units and {@link RUN_MARGIN_HOURS}.
 * - `cron(...)` whose day-of-month and day-of-week are `*` or `?`, and month and year `*`: it runs at the same times
 *   every day, so no two runs are more than 24 hours apart: {@link DAILY_WINDOW_HOURS}.
 * - any other cron: refused, for the gap between its runs is not derived here (weekdays only, weekly, monthly, ...);
 *   the message says what to set.
 *
 * A derived window over {@link MAX_ALARM_AFTER_HOURS} is refused too: CloudWatch cannot look back that far.
 */
export function noCompletedRunHours(schedule: Settings['schedule']): number | undefined {
  if (!schedule.enabled) return undefined;
  if (schedule.alarmAfterHours !== undefined) {
    return schedule.alarmAfterHours === 0 ? undefined : schedule.alarmAfterHours;
  }
  const setting = `${SETTINGS_CONTEXT_KEY}.schedule.alarmAfterHours`;
  const expression = `${SETTINGS_CONTEXT_KEY}.schedule.expression "${schedule.expression}"`;
  const rate = /^rate\((\d+) (\w+)\)$/.exec(schedule.expression);
  if (rate) {
    const interval = Number(rate[1]) * (HOURS_PER_UNIT[rate[2] as string] ?? Number.NaN);
    const hours = Math.ceil(interval + RUN_MARGIN_HOURS);
    if (hours <= MAX_ALARM_AFTER_HOURS) return hours;
    throw new InvalidSettingsError(
      `invalid settings: ${setting}: ${expression} starts a run every ${formatHours(interval)} hours; with ` +
        `${RUN_MARGIN_HOURS} hours for the run, the alarm NoCompletedRun would have to look back ${hours} hours, and ` +
        `a CloudWatch alarm looks back at most ${MAX_ALARM_AFTER_HOURS} (7 days): set ${setting} to 0 for no such ` +
        'alarm, or run more often',
    );
  }
  if (isEveryDay(schedule.expression)) return DAILY_WINDOW_HOURS;
  throw new InvalidSettingsError(
    `invalid settings: ${setting}: ${expression} does not run every day, and the alarm NoCompletedRun cannot tell ` +
      `how long its runs are apart: set ${setting} to the longest time between two runs plus ${RUN_MARGIN_HOURS} ` +
      `hours for the run (whole hours, at most ${MAX_ALARM_AFTER_HOURS}: e.g. 74 for weekdays at one time, which ` +
      `spans the weekend), or to 0 for no such alarm (a schedule with runs more than ${MAX_ALARM_AFTER_HOURS - RUN_MARGIN_HOURS} ` +
      'hours apart, weekly or monthly, is longer than a CloudWatch alarm can watch)',
  );
}

/** `cron(m h dom mon dow yr)` with every day of every month of every year. */
function isEveryDay(expression: string): boolean {
  const fields = /^cron\((.*)\)$/.exec(expression)?.[1]?.split(' ');
  if (fields?.length !== 6) return false;
  const [, , dayOfMonth, month, dayOfWeek, year] = fields;
  const anyDay = (field: string | undefined) => field === '*' || field === '?';
  return anyDay(dayOfMonth) && anyDay(dayOfWeek) && month === '*' && year === '*';
}

function formatHours(hours: number): string {
  return Number.isInteger(hours) ? String(hours) : hours.toFixed(2).replace(/0+$/, '');
}
