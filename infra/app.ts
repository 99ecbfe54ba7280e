import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { InvalidSettingsError } from '../functions/lib/errors';
import { ControlTowerAuditStack } from './audit-stack';
import { loadSettings } from './config';

const app = new App();
new ControlTowerAuditStack(app, 'ControlTowerAudit', {
  settings: settingsOrExit(app),
  description: 'control-tower-audit: daily and on-demand audit of a Control Tower landing zone, from the Audit account',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));

/** The settings; wrong settings end the synth with one line that names them, not a stack trace. */
function settingsOrExit(scope: App) {
  try {
    return loadSettings(scope);
  } catch (error) {
    if (!(error instanceof InvalidSettingsError)) throw error;
    process.stderr.write(`ct-audit settings: ${error.message}\n`);
    process.exit(1);
  }
}
