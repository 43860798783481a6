/**
 * Spreadsheets run a cell that starts with = + - @ (or a tab or carriage return) as a formula:
 * such cells get a leading apostrophe, and so does a cell already starting with apostrophes before
 * one of those, so that an import can remove exactly one and get the original back.
 */
const formulaLike = /^'*[=+\-@\t\r]/;

export function guardCsvCell(cell: string): string {
  return formulaLike.test(cell) ? `'${cell}` : cell;
}

export function unguardCsvCell(cell: string): string {
  return cell.startsWith("'") && formulaLike.test(cell) ? cell.slice(1) : cell;
}

const needsQuotes = /[",\r\n]/;

/** One RFC 4180 field: quoted when it holds a quote, a comma or a line break, quotes doubled. */
export function csvField(cell: string): string {
  return needsQuotes.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

/** One CSV line of guarded, quoted cells, ended by a line feed. */
export function csvLine(cells: readonly string[]): string {
  return `${cells.map((cell) => csvField(guardCsvCell(cell))).join(',')}\n`;
}
