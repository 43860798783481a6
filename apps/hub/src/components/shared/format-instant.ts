/**
 * The same text on the server and in the browser, whatever their time zones: a page
 * rendered on the server must not change when it hydrates. Times are UTC; tables say so.
 */
export function formatInstant(instant: Date): string {
  return instant.toISOString().slice(0, 16).replace('T', ' ');
}
