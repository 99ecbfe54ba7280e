#!/usr/bin/env node
// ct-audit: runs the audit workflow locally. The functions log JSON for CloudWatch; here the table is the output.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
const { main } = require('../cli/main.ts');

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
