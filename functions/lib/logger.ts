import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one logger of the functions. It logs identifiers and counts, never credentials, tokens or whole events.
 * The CLI silences it with POWERTOOLS_LOG_LEVEL (its own output is the table).
 */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'ct-audit' });
