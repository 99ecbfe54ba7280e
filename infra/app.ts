import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { ControlTowerAuditStack } from './audit-stack';
import { loadSettings } from './config';

const app = new App();
new ControlTowerAuditStack(app, 'ControlTowerAudit', {
  settings: loadSettings(app),
  description: 'control-tower-audit: daily and on-demand audit of a Control Tower landing zone, from the Audit account',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new NIST80053R5Checks(app));
