import { OpsIo } from './io';
import { ProgressReporter, etaMs, formatDuration, formatProgress, rateOf } from './progress';

describe('progress figures', () => {
  it('formats durations as seconds, minutes or hours', () => {
    expect([0, 9_400, 59_600, 125_000, 3_720_000].map(formatDuration)).toEqual(['0s', '9s', '1m00s', '2m05s', '1h02m']);
  });

  it('computes the rate so far and the time left at it', () => {
    const state = { done: 2_000, total: 10_000, elapsedMs: 500 };
    expect(rateOf(state)).toBe(4_000);
    expect(etaMs(state)).toBe(2_000);
    expect(rateOf({ done: 0, total: 5, elapsedMs: 0 })).toBeNull();
    expect(etaMs({ done: 10, total: null, elapsedMs: 100 })).toBeNull();
    expect(etaMs({ done: 12, total: 10, elapsedMs: 100 })).toBe(0);
  });

  it('draws a bar with done/total, percentage, rate and ETA; without a total only count and rate', () => {
    expect(formatProgress({ done: 2_500, total: 10_000, elapsedMs: 1_000 }, 'wallet events', 20)).toBe(
      '[#####...............] 2,500/10,000 wallet events  25.0%  2,500/s  ETA 3s',
    );
    expect(formatProgress({ done: 2_500, total: 10_000, elapsedMs: 1_000 }, 'events')).toBe('2,500/10,000 events  25.0%  2,500/s  ETA 3s');
    expect(formatProgress({ done: 0, total: 0, elapsedMs: 0 }, 'events', 4)).toBe('[####] 0/0 events  100.0%');
    expect(formatProgress({ done: 1_234, total: null, elapsedMs: 2_000 }, 'events', 20)).toBe('1,234 events  617/s');
  });
});

describe('ProgressReporter', () => {
  const fakeIo = (isTTY: boolean) => {
    let now = 0;
    const written: string[] = [];
    const io: OpsIo = { out: (t) => written.push(t), err: () => undefined, isTTY, columns: 100, env: {}, now: () => now, cwd: '/' };
    return { io, written, tick: (ms: number) => (now += ms) };
  };

  it('redraws one line on a terminal, at most every 100 ms, and ends it with the summary', () => {
    const { io, written, tick } = fakeIo(true);
    const reporter = new ProgressReporter(io, 'events');
    reporter.start(1_000);
    tick(50);
    reporter.update(100); // too soon after the first draw: skipped
    tick(100);
    reporter.update(300);
    tick(350);
    reporter.update(1_000); // the last one is always drawn
    reporter.finish(1_000, 'rebuilt from 1,000 events');
    expect(written).toHaveLength(5);
    expect(written.slice(0, 3).every((w) => w.startsWith('\r['))).toBe(true);
    expect(written[1]).toContain('300/1,000 events  30.0%  2,000/s  ETA 0s');
    expect(written[3]).toMatch(/^\rrebuilt from 1,000 events in 0\.5s \(2,000\/s\) +$/);
    expect(written[4]).toBe('\n');
  });

  it('writes plain lines elsewhere: each tenth of the way and every 5 s, then the summary', () => {
    const { io, written, tick } = fakeIo(false);
    const reporter = new ProgressReporter(io, 'events');
    reporter.start(1_000);
    for (let done = 50; done <= 1_000; done += 50) {
      tick(10);
      reporter.update(done);
    }
    reporter.finish(1_000, 'done');
    // 0%, then 10%, 20%, ..., 100%: eleven lines, and the summary.
    expect(written).toHaveLength(12);
    expect(written.every((w) => w.endsWith('\n') && !w.includes('\r'))).toBe(true);
    expect(written[1]).toBe('100/1,000 events  10.0%  5,000/s  ETA 0s\n');
    expect(written[11]).toBe('done in 0.2s (5,000/s)\n');

    const unknown = fakeIo(false);
    const counting = new ProgressReporter(unknown.io, 'events');
    counting.start(null);
    unknown.tick(1_000);
    counting.update(10);
    unknown.tick(5_000);
    counting.update(20);
    expect(unknown.written).toEqual(['0 events\n', '20 events  3/s\n']);
  });
});
