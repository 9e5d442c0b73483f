import { csvLine, toCsv } from './csv';

describe('CSV', () => {
  it('quotes fields with a comma, quote or line break, doubles quotes, ends lines with CRLF', () => {
    expect(csvLine(['a', 'b,c', 'say "hi"', null, 2, 'two\nlines'])).toBe('a,"b,c","say ""hi""",,2,"two\nlines"\r\n');
  });

  it('writes a header row, then the rows', () => {
    expect(toCsv(['x', 'y'], [['1', '2'], [3, undefined]])).toBe('x,y\r\n1,2\r\n3,\r\n');
    expect(toCsv(['x'], [])).toBe('x\r\n');
  });
});
