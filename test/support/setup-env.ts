// Loaded by jest before every test file (setupFiles).
import '../../cli/polyfill';

// Functions log JSON for CloudWatch; tests assert on results, not on log lines.
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
process.env.AWS_REGION = 'us-east-1';
// No test may reach real AWS: fixed dummy credentials, no instance metadata look-ups.
process.env.AWS_ACCESS_KEY_ID = 'testing';
process.env.AWS_SECRET_ACCESS_KEY = 'testing';
process.env.AWS_EC2_METADATA_DISABLED = 'true';
delete process.env.AWS_PROFILE;
delete process.env.AWS_SESSION_TOKEN;
delete process.env.AWS_ENDPOINT_URL;
