/**
 * The environment variable that carries the validated settings to the functions. A module of its own: every client
 * (clients.ts) reads its timeouts there, and a function that never reads the rest of the settings should not carry
 * their schema and zod (about 100 KB and 20–40 ms of cold start: README, "Cold start").
 */
export const SETTINGS_ENV = 'CT_AUDIT_SETTINGS';

/**
 * The environment variable that carries the `sdk` block of the settings (JSON) to a function that reads the rest from
 * the SSM parameter (its clients are made at load, before the parameter is read), and to Record Account Error, which
 * reads no other setting.
 */
export const SDK_TIMEOUTS_ENV = 'CT_AUDIT_SDK_TIMEOUTS';
