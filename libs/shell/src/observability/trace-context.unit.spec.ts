import { continueTrace, formatTraceparent, parseTraceparent, traceFields } from './trace-context';

const VALID = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('W3C trace context', () => {
  it('reads a valid traceparent', () => {
    expect(parseTraceparent(VALID)).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentId: '00f067aa0ba902b7', flags: '01' });
  });

  it('accepts a later version with more fields, as the recommendation asks', () => {
    expect(parseTraceparent('01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-comes-next')).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736' });
  });

  it.each([
    ['absent', undefined],
    ['not a string', 42],
    ['garbage', 'not-a-trace'],
    ['upper-case hex', VALID.toUpperCase()],
    ['an all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['an all-zero parent id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['version 00 with a fifth field', `${VALID}-extra`],
    ['a short trace id', '00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01'],
    ['a huge value', `${VALID}${'0'.repeat(1000)}`],
  ])('ignores %s', (_what, value) => {
    expect(parseTraceparent(value)).toBeNull();
  });

  it('continues a valid trace with a new span whose parent is the caller\'s', () => {
    const trace = continueTrace(VALID);
    expect(trace).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: expect.stringMatching(/^[0-9a-f]{16}$/), parentId: '00f067aa0ba902b7', flags: '01' });
    expect(trace.spanId).not.toBe('00f067aa0ba902b7');
    expect(formatTraceparent(trace)).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${trace.spanId}-01`);
    expect(traceFields(trace)).toEqual({ traceId: trace.traceId, spanId: trace.spanId, parentSpanId: '00f067aa0ba902b7' });
  });

  it('starts a new, sampled trace when there is none to continue, and what it causes continues it', () => {
    const root = continueTrace('garbage');
    expect(root).toEqual({ traceId: expect.stringMatching(/^[0-9a-f]{32}$/), spanId: expect.stringMatching(/^[0-9a-f]{16}$/), parentId: null, flags: '01' });
    expect(traceFields(root)).not.toHaveProperty('parentSpanId');
    const next = continueTrace(formatTraceparent(root));
    expect(next).toMatchObject({ traceId: root.traceId, parentId: root.spanId });
    expect(continueTrace().traceId).not.toBe(continueTrace().traceId);
  });

  it('draws distinct ids of the right length across refills of its random pool', () => {
    const traces = Array.from({ length: 1000 }, () => continueTrace()); // 24 bytes each: several 4 KiB refills
    const ids = traces.flatMap((t) => [t.traceId, t.spanId]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const t of traces) expect(formatTraceparent(t)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });
});
