// CSV as RFC 4180 has it: fields with a comma, quote or line break quoted, quotes doubled, CRLF line ends.

export type CsvField = string | number | null | undefined;

export function csvLine(fields: readonly CsvField[]): string {
  return `${fields
    .map((f) => {
      const v = f === null || f === undefined ? '' : String(f);
      return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
    })
    .join(',')}\r\n`;
}

/** A whole file: the header row, then the rows. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvField[])[]): string {
  return [header, ...rows].map(csvLine).join('');
}
