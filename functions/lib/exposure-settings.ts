import { uniqueList, wholeNumber } from './validation';
import * as z from './zod';

const port = wholeNumber(0, 65535, 'must be a port number from 0 to 65535');

const portList = uniqueList(port, 'must be a list of port numbers');

/** Remote administration and common database / cache / search ports: open to the world, they are HIGH. */
export const DEFAULT_HIGH_RISK_PORTS = [
  22, 3389, 1433, 1521, 2049, 3306, 5432, 5439, 5984, 6379, 7000, 9042, 9200, 9300, 11211, 27017,
] as const;

/**
 * `ctAudit.exposure`: how `network-exposure` rates an ingress rule open to 0.0.0.0/0 or ::/0. A rule whose ports
 * are all in `allowedPublicPorts` is INFO (a public web server is not a problem); a rule reaching a port in
 * `highRiskPorts` is HIGH; any other port is MEDIUM; all traffic is CRITICAL.
 */
export const exposureSettingsSchema = z.prefault(
  z.strictObject({
    allowedPublicPorts: z._default(portList, [80, 443]),
    highRiskPorts: z._default(portList, [...DEFAULT_HIGH_RISK_PORTS]),
  }),
  {},
);

/** The validated `exposure` block. */
export type ExposureSettings = z.output<typeof exposureSettingsSchema>;
