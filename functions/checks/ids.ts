/** Every check the product knows. The registry implements each one (a test holds them together). */
export const CHECK_IDS = ['identity', 'cloudtrail-delivery', 'cloudtrail-events'] as const;

/** The ID of a known check. */
export type CheckId = (typeof CHECK_IDS)[number];

/** Whether a string names a known check. */
export function isCheckId(value: string): value is CheckId {
  return (CHECK_IDS as readonly string[]).includes(value);
}
