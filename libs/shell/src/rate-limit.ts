// Per-key rate limits: a token bucket per API key, in this process's memory (so per replica: N
// replicas behind a load balancer let a key through up to N times its limit). Limits come from
// CREDITFLOW_RATE_LIMITS (a default per role) and a key's own `rateLimit` in CREDITFLOW_API_KEYS.
// Pure: the time is passed in.

/** `rate` requests a second on average, `burst` at once; null: no limit. */
export interface RateLimit {
  rate: number;
  burst: number;
}

/** The answer to one request: allowed, or refused with the seconds until a token is there again. */
export type Take = { ok: true } | { ok: false; retryAfterSeconds: number };

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(private readonly limit: RateLimit, nowMs: number) {
    this.tokens = limit.burst;
    this.last = nowMs;
  }

  /** Takes a token at `nowMs` if there is one. A clock going back refills nothing. */
  take(nowMs: number): Take {
    const elapsed = Math.max(0, nowMs - this.last) / 1000;
    this.last = Math.max(this.last, nowMs);
    this.tokens = Math.min(this.limit.burst, this.tokens + elapsed * this.limit.rate);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - this.tokens) / this.limit.rate)) };
  }
}

/** One bucket per key id, created on the key's first request with its limit (null: unlimited, no bucket). */
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  take(keyId: string, limit: RateLimit | null, nowMs: number): Take {
    if (!limit) return { ok: true };
    let bucket = this.buckets.get(keyId);
    if (!bucket) {
      bucket = new TokenBucket(limit, nowMs);
      this.buckets.set(keyId, bucket);
    }
    return bucket.take(nowMs);
  }
}

/** Parses a limit `{"rate": <requests per second>, "burst": <requests>}`; `false` means none. Throws with what is wrong. */
export function parseRateLimit(value: unknown, where: string): RateLimit | null {
  if (value === false) return null;
  const v = value as Partial<RateLimit> | null;
  const rate = v?.rate;
  const burst = v?.burst;
  if (!v || typeof v !== 'object' || typeof rate !== 'number' || !(rate > 0) || !Number.isFinite(rate) || !Number.isInteger(burst) || (burst as number) < 1) {
    throw new Error(`${where} must be {"rate": <requests per second, > 0>, "burst": <whole number >= 1>} or false, not ${JSON.stringify(value)}`);
  }
  return { rate, burst: burst as number };
}
