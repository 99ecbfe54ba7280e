/**
 * The validator of settings and inputs: zod/mini, with zod's English messages (zod/mini loads no locale of its own,
 * and its default message would be "Invalid input").
 *
 * Why mini: classic zod gives every schema its methods one by one as it is made, and building the settings' schemas
 * took about 45 ms of the cold start of every function that reads them (README, "Cold start"). zod/mini is the same
 * validator (zod/v4/core, the same issues and messages) written as functions, which cost nothing until called and
 * which esbuild leaves out when unused.
 */
import { en } from 'zod/locales';
import { config } from 'zod/mini';

// The configuration is global to every copy of zod in the process: a locale set before this one is kept.
if (!config().localeError) config(en());

export * from 'zod/mini';
