import { describe, expect, it } from 'vitest';
import { csvLine, guardCsvCell, unguardCsvCell } from './csv.ts';

describe('csvLine', () => {
  it.each([
    [['plain', 'text'], 'plain,text\n'],
    [['a,b', 'say "hi"'], '"a,b","say ""hi"""\n'],
    [['two\nlines', ''], '"two\nlines",\n'],
    [['=SUM(A1)', '+1', '-2', '@cmd'], "'=SUM(A1),'+1,'-2,'@cmd\n"],
    [["'=already"], "''=already\n"],
  ])('writes %j as %j', (cells, line) => {
    expect(csvLine(cells)).toBe(line);
  });

  it('guards formula cells so that an import gets them back', () => {
    for (const cell of ['=1+1', "'=x", 'plain', "'quoted"])
      expect(unguardCsvCell(guardCsvCell(cell))).toBe(cell);
  });
});
