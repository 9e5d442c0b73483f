// What every scenario gets: the seeded generator, the scale, a temporary directory and the API keys.
import { Rng } from './rng';

export const KEYS = {
  admin: 'faults-apinfer-admin',
  ops: 'faults-apinfer-ops',
  service: 'faults-apinfer-service',
  /** Another tenant's admin: it must see none of apinfer's accounts. */
  foreignAdmin: 'faults-visualgpt-admin',
} as const;

export const API_KEYS_JSON = JSON.stringify({
  [KEYS.admin]: { tenant: 'apinfer', role: 'admin' },
  [KEYS.ops]: { tenant: 'apinfer', role: 'ops' },
  [KEYS.service]: { tenant: 'apinfer', role: 'service' },
  [KEYS.foreignAdmin]: { tenant: 'visualgpt', role: 'admin' },
});

export interface Context {
  rng: Rng;
  /** Multiplies load, kills and inputs (1 in CI). */
  scale: number;
  /** Removed at the end unless --keep. */
  tmp: string;
}
