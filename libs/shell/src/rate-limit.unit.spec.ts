import { RateLimiter, TokenBucket, parseRateLimit } from './rate-limit';
import { parseApiKeys, parseRoleRateLimits } from './auth';

describe('the token bucket', () => {
  it('lets a burst through at once, then refuses with the seconds until the next token', () => {
    const bucket = new TokenBucket({ rate: 2, burst: 3 }, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(bucket.take(0)).toEqual({ ok: false, retryAfterSeconds: 1 });
    // Half a second at 2 a second is one token.
    expect(bucket.take(499)).toEqual({ ok: false, retryAfterSeconds: 1 });
    expect(bucket.take(500)).toEqual({ ok: true });
    expect(bucket.take(500)).toEqual({ ok: false, retryAfterSeconds: 1 });
  });

  it('refills at its rate up to the burst, never beyond', () => {
    const bucket = new TokenBucket({ rate: 1, burst: 2 }, 0);
    bucket.take(0);
    bucket.take(0);
    const after = (ms: number) => Array.from({ length: 3 }, () => bucket.take(ms).ok);
    expect(after(60_000)).toEqual([true, true, false]);
  });

  it('says how long a slow bucket needs, rounded up to whole seconds', () => {
    const bucket = new TokenBucket({ rate: 0.1, burst: 1 }, 0);
    expect(bucket.take(0)).toEqual({ ok: true });
    expect(bucket.take(0)).toEqual({ ok: false, retryAfterSeconds: 10 });
    expect(bucket.take(2_500)).toEqual({ ok: false, retryAfterSeconds: 8 });
    expect(bucket.take(10_000)).toEqual({ ok: true });
  });

  it('gains nothing when the clock goes back', () => {
    const bucket = new TokenBucket({ rate: 1, burst: 1 }, 10_000);
    expect(bucket.take(10_000).ok).toBe(true);
    expect(bucket.take(5_000).ok).toBe(false);
    expect(bucket.take(10_999).ok).toBe(false);
    expect(bucket.take(11_000).ok).toBe(true);
  });
});

describe('the rate limiter', () => {
  it('keeps one bucket per key, and none for a key without a limit', () => {
    const limiter = new RateLimiter();
    const limit = { rate: 1, burst: 1 };
    expect(limiter.take('a', limit, 0).ok).toBe(true);
    expect(limiter.take('a', limit, 0).ok).toBe(false);
    expect(limiter.take('b', limit, 0).ok).toBe(true);
    expect(Array.from({ length: 100 }, () => limiter.take('c', null, 0).ok).every(Boolean)).toBe(true);
  });
});

describe('rate limits from the configuration', () => {
  it('gives each key its role default unless it has its own (false: none)', () => {
    const roles = parseRoleRateLimits('{"service": {"rate": 50, "burst": 100}, "ops": {"rate": 5, "burst": 10}}');
    const keys = parseApiKeys(JSON.stringify({
      s: { tenant: 't', role: 'service' },
      o: { tenant: 't', role: 'ops', rateLimit: { rate: 1, burst: 2 } },
      a: { tenant: 't', role: 'admin' },
      x: { tenant: 't', role: 'service', rateLimit: false },
    }), roles);
    expect(Object.fromEntries([...keys].map(([k, p]) => [k, p.rateLimit]))).toEqual({ s: { rate: 50, burst: 100 }, o: { rate: 1, burst: 2 }, a: null, x: null });
  });

  it.each([
    ['{"service": {"rate": 0, "burst": 1}}', /CREDITFLOW_RATE_LIMITS\.service must be/],
    ['{"service": {"rate": 1, "burst": 1.5}}', /CREDITFLOW_RATE_LIMITS\.service must be/],
    ['{"robot": {"rate": 1, "burst": 1}}', /"robot" is not a role/],
    ['[1]', /must be a JSON object keyed by role/],
    ['{', /not valid JSON/],
  ])('refuses %s', (json, message) => {
    expect(() => parseRoleRateLimits(json)).toThrow(message);
  });

  it('refuses a key limit that is not one', () => {
    expect(() => parseApiKeys('{"secret-key": {"tenant": "t", "role": "ops", "rateLimit": {"rate": "fast"}}}')).toThrow(/the rateLimit of key "secr…" must be/);
    expect(() => parseRateLimit(null, 'x')).toThrow(/x must be/);
  });
});
