// Before the shared schemas are built: zod compiles object parsers with `new Function` unless told
// not to, and the page's Content-Security-Policy (no 'unsafe-eval') forbids that in the browser.
import './zod-jitless.ts';

/**
 * The inventory's zod shapes, shared with the server. Browser code imports them from here, never
 * from '@nhi/nhi/schema' directly, so the setting above always comes first.
 */
export * from '@nhi/nhi/schema';
