import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { InvalidSettingsError } from '../functions/lib/errors';
import { ControlTowerAuditStack } from './audit-stack';
import { loadSettings } from './config';

const app = new App();
exitOnSettingsError(
  () =>
    new ControlTowerAuditStack(app, 'ControlTowerAudit', {
      settings: loadSettings(app),
      description:
        'control-tower-audit: daily and on-demand audit of a Control Tower landing zone, from the Audit account',
    }),
);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new NIST80053R5Checks(app));

/** Wrong settings (read, or found too big while building) end the synth with one line, not a stack trace. */
function exitOnSettingsError<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (!(error instanceof InvalidSettingsError)) throw error;
    process.stderr.write(`ct-audit settings: ${error.message}\n`);
    process.exit(1);
  }
}
