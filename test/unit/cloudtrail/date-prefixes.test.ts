import { deliveryDays, eventDays, nearMidnight, startOfUtcDay } from '../../../functions/cloudtrail/date-prefixes';
import { dayPrefix } from '../../../functions/cloudtrail/key-layout';

const location = { layout: 'account', keyPrefix: '' } as const;
const folder = (day: Date) => dayPrefix(location, '111122223333', 'us-east-1', day).split('/').slice(-4, -1).join('/');

describe('delivery days', () => {
  test('today first, then yesterday', () => {
    const [today, yesterday] = deliveryDays(new Date('2026-11-14T15:30:00Z'));

    expect([folder(today), folder(yesterday)]).toEqual(['2026/11/14', '2026/11/13']);
  });

  test('across a month end', () => {
    const days = deliveryDays(new Date('2026-12-01T00:20:00Z'));

    expect(days.map(folder)).toEqual(['2026/12/01', '2026/11/30']);
  });

  test('across a year end', () => {
    const days = deliveryDays(new Date('2027-01-01T00:05:00Z'));

    expect(days.map(folder)).toEqual(['2027/01/01', '2026/12/31']);
  });

  test('across the end of February in a leap year', () => {
    const days = deliveryDays(new Date('2028-03-01T00:01:00Z'));

    expect(days.map(folder)).toEqual(['2028/03/01', '2028/02/29']);
  });

  test('near midnight when the freshness window reaches into yesterday', () => {
    expect(nearMidnight(new Date('2026-11-14T00:59:00Z'), 60)).toBe(true);
    expect(nearMidnight(new Date('2026-11-14T01:00:00Z'), 60)).toBe(false);
    expect(nearMidnight(new Date('2026-11-14T23:59:00Z'), 60)).toBe(false);
  });

  test('the start of a UTC day ignores the local time zone', () => {
    expect(startOfUtcDay(new Date('2026-11-14T23:59:59.999Z')).toISOString()).toBe('2026-11-14T00:00:00.000Z');
  });
});

describe('event days', () => {
  test('a window inside one day is that day', () => {
    expect(eventDays(new Date('2026-11-14T01:00:00Z'), new Date('2026-11-14T23:00:00Z')).map(folder)).toEqual([
      '2026/11/14',
    ]);
  });

  test('24 hours back from the morning covers yesterday and today', () => {
    const end = new Date('2026-11-14T08:00:00Z');

    const days = eventDays(new Date(end.getTime() - 24 * 3_600_000), end);

    expect(days.map(folder)).toEqual(['2026/11/13', '2026/11/14']);
  });

  test('a window across a month end lists both months', () => {
    expect(eventDays(new Date('2026-10-31T20:00:00Z'), new Date('2026-11-01T08:00:00Z')).map(folder)).toEqual([
      '2026/10/31',
      '2026/11/01',
    ]);
  });

  test('168 hours across a year end lists every day once, in order', () => {
    const end = new Date('2027-01-03T12:00:00Z');

    const days = eventDays(new Date(end.getTime() - 168 * 3_600_000), end);

    expect(days.map(folder)).toEqual([
      '2026/12/27',
      '2026/12/28',
      '2026/12/29',
      '2026/12/30',
      '2026/12/31',
      '2027/01/01',
      '2027/01/02',
      '2027/01/03',
    ]);
  });
});
