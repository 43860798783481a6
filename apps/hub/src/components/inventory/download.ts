/**
 * Saves text as a file. The export arrives as the answer of a serverFn call, so the browser is
 * handed a Blob rather than a URL to navigate to.
 */
export function download(filename: string, contentType: string, body: string): void {
  const url = URL.createObjectURL(new Blob([body], { type: contentType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later, not at once: a download still reading the Blob would fail.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
