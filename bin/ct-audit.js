#!/usr/bin/env -S node --max-old-space-size=128 --max-semi-space-size=4
// ct-audit: runs the audit workflow locally. The functions log JSON for CloudWatch; here the table is the output.
// The heap limits bound the CLI's memory whatever the organization's size: without them V8 lets the heap grow with the
// garbage of thousands of SDK calls (714 MiB at 5,000 accounts); the live heap is small. The young generation is kept
// small too (4 MiB semi-spaces instead of 16): loading the code alone takes some 150 MiB (README, "CLI memory").
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
require('tsx/cjs');
const { main } = require('../cli/main.ts');

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
