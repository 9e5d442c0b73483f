import { DomainError } from '../src';
import { refusalOf, thrownBy } from './refusal';

class ParseError extends Error {}
const refuse = () => {
  throw new DomainError('THING.REFUSED', 'no', { field: 'x' });
};

describe('refusalOf', () => {
  it('answers the code, message and details of the DomainError thrown', () => {
    expect(refusalOf(refuse)).toEqual({ code: 'THING.REFUSED', message: 'no', details: { field: 'x' } });
  });

  it('fails when nothing is thrown, and lets another error through: a bug is not a refusal', () => {
    expect(() => refusalOf(() => 1)).toThrow(/expected a refusal/);
    expect(() => refusalOf(() => JSON.parse('{'))).toThrow(SyntaxError);
  });
});

describe('thrownBy', () => {
  it('answers the error thrown when it is of the type asked for', () => {
    const error = new ParseError('bad');
    expect(thrownBy(ParseError, () => {
      throw error;
    })).toBe(error);
    expect(thrownBy(DomainError, refuse).code).toBe('THING.REFUSED');
  });

  it('fails when nothing is thrown, or an error of another type', () => {
    expect(() => thrownBy(ParseError, () => 1)).toThrow('expected a ParseError, but it returned');
    expect(() => thrownBy(ParseError, refuse)).toThrow(/toBeInstanceOf/);
  });
});
