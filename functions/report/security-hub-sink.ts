/**
 * The Security Hub sink, in a module of its own that Publish Report loads only when `securityHub.enabled` (off by
 * default): Security Hub's client and the schema of BatchImportFindings (the whole ASFF, about 115 KB) took 32-34 ms
 * of the function's 127-136 ms cold start on Node.js 24, paid by every run whether it exported or not. The function
 * bundle builds this file as a file of its own beside `index.js` (infra/bundling.ts, `LOADED_ON_FIRST_USE`), so
 * importing it anywhere but through a `require` inside the function that needs it fails the build.
 */
import { BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { awsClient } from '../lib/clients';
import { ASFF_BATCH, type AsffTarget, asffProblems, toAsff } from './asff';
import type { PublishContext, ReportSink } from './sink';

/**
 * Findings into Security Hub in the Audit account, in batches of 100: open ones ACTIVE, resolved ones ARCHIVED
 * with Compliance PASSED; NOT_ASSESSED ones are not sent, so they stay as they were. Each finding is validated
 * first; an invalid one is left out and counted.
 */
export class SecurityHubSink implements ReportSink {
  readonly name = 'securityhub';
  constructor(
    private readonly securityHub: SecurityHubClient,
    private readonly target: AsffTarget,
  ) {}

  async publish(context: PublishContext): Promise<string> {
    const findings = [...context.findings.values()]
      .flatMap((account) => account.findings)
      .filter((finding) => finding.state !== 'NOT_ASSESSED')
      .map((finding) => toAsff(finding, this.target, context.now));
    const valid = findings.filter((finding) => asffProblems(finding, this.target).length === 0);
    const invalid = findings.length - valid.length;
    let failed = 0;
    for (let start = 0; start < valid.length; start += ASFF_BATCH) {
      const result = await this.securityHub.send(
        new BatchImportFindingsCommand({ Findings: valid.slice(start, start + ASFF_BATCH) }),
      );
      failed += result.FailedCount ?? 0;
    }
    const line = `${valid.length - failed} imported, ${failed} refused, ${invalid} invalid`;
    if (failed + invalid > 0) throw new Error(`Security Hub: ${line}`);
    return line;
  }
}

/** The sink Publish Report sends to, with the functions' client settings (lib/clients.ts). */
export function securityHubSink(target: AsffTarget): SecurityHubSink {
  return new SecurityHubSink(awsClient(SecurityHubClient), target);
}
