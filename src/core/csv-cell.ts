/**
 * The cells of the CSV files pciq writes (the PCI DSS report, the access review), which operators and
 * assessors open in a spreadsheet. Excel, LibreOffice Calc and Google Sheets take a cell that starts with
 * `=`, `+`, `-` or `@` as a formula, and skip a leading tab or carriage return before one (CWE-1236, "CSV
 * injection"): a user, policy or free text named `=HYPERLINK("https://…?"&A1,"Fix")` would send the sheet's
 * cells away, or run a command through DDE, on the machine of whoever opens the file. As OWASP recommends,
 * such a text gets a leading `'`, the spreadsheet's mark for "text, not a formula", and is quoted; the NUL
 * that ASVS 5.0 (1.2.10) adds to the list is treated alike. A reader that is not a spreadsheet sees the `'`
 * and the text after it unchanged.
 *
 * Only a value the writer passes as a number is written as it is (`-5` stays a number): the writer then knows
 * the column is numeric. Any text is neutralized, whatever it looks like.
 */
const formulaLeads = new Set(['=', '+', '-', '@', '\t', '\r', '\0']);

export type CsvSeparator = ',' | ';';

/** One cell: quoted (RFC 4180, `"` doubled) when it holds the separator, a quote or a line break, or is neutralized. */
export function csvCell(value: unknown, separator: CsvSeparator): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  const text = value === null || value === undefined ? '' : String(value);
  const isFormulaLike = formulaLeads.has(text.charAt(0));
  if (!isFormulaLike && !text.includes(separator) && !/["\r\n]/.test(text)) return text;
  return `"${isFormulaLike ? "'" : ''}${text.replace(/"/g, '""')}"`;
}

/** One line of cells, without its line break. */
export function csvLine(values: readonly unknown[], separator: CsvSeparator): string {
  return values.map((value) => csvCell(value, separator)).join(separator);
}
