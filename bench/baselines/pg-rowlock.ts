// Baseline: the classic way to charge credits, a PostgreSQL row lock. Each charge is one
// transaction: `UPDATE balances SET balance = balance - $cost WHERE account = $1 AND balance >= $cost`
// and, when a row was updated, an INSERT into the ledger. Run in a schema of its own, dropped after.
import { Pool, PoolClient } from 'pg';
import { percentile, round } from '../lib/common';

export interface PgBaseline {
  /** Which connection worked (without password). */
  connection: string;
  server: string;
  /** Charges on `accounts` accounts, `clients` concurrent transactions, for `seconds`. */
  charge(accounts: number, seconds: number, onTick?: (charges: number) => void): Promise<PgChargeResult>;
  close(): Promise<void>;
}

export interface PgChargeResult {
  accounts: number;
  clients: number;
  seconds: number;
  chargesPerSecond: number;
  refused: number;
  latencyMs: { p50: number; p99: number };
}

const COST = '1.75';

/** DATABASE_URL, else the local socket as root, else as postgres (database `test`). */
function candidates(): string[] {
  if (process.env.DATABASE_URL) return [process.env.DATABASE_URL];
  return ['postgresql://root@/test?host=/var/run/postgresql', 'postgresql://postgres@/test?host=/var/run/postgresql'];
}

export async function openPgBaseline(clients: number, maxAccounts: number): Promise<PgBaseline> {
  let url: string | null = null;
  let server = '';
  const failures: string[] = [];
  const schema = `bench_rowlock_${process.pid}_${Date.now().toString(36)}`;
  for (const candidate of candidates()) {
    const probe = new Pool({ connectionString: candidate, max: 1 });
    try {
      server = String((await probe.query('SHOW server_version')).rows[0].server_version);
      await probe.query(`CREATE SCHEMA ${schema}`);
      url = candidate;
      break;
    } catch (error) {
      failures.push(`${candidate}: ${(error as Error).message}`);
    } finally {
      await probe.end();
    }
  }
  if (!url) throw new Error(`no PostgreSQL to connect to (set DATABASE_URL):\n  ${failures.join('\n  ')}`);
  const connection = url.replace(/:[^:@/]*@/, ':***@');
  const db = new Pool({ connectionString: url, max: clients, options: `-c search_path=${schema}` });
  await db.query('CREATE TABLE balances (account text PRIMARY KEY, balance numeric NOT NULL)');
  await db.query('CREATE TABLE ledger (id bigserial PRIMARY KEY, account text NOT NULL, usage_id text NOT NULL UNIQUE, amount numeric NOT NULL, at timestamptz NOT NULL DEFAULT now())');

  let seq = 0;
  return {
    connection,
    server,
    async charge(accounts, seconds, onTick) {
      if (accounts > maxAccounts) throw new Error(`at most ${maxAccounts} accounts`);
      // Fresh balances for every run: hot and spread runs start alike.
      await db.query('TRUNCATE balances, ledger');
      await db.query(`INSERT INTO balances SELECT 'acc-' || g, 50000 FROM generate_series(0, $1::int - 1) g`, [accounts]);
      await db.query('ANALYZE balances');
      const latencies: number[] = [];
      let charges = 0;
      let refused = 0;
      const start = performance.now();
      const deadline = start + seconds * 1000;
      const worker = async () => {
        const client: PoolClient = await db.connect();
        try {
          while (performance.now() < deadline) {
            const account = `acc-${Math.floor(Math.random() * accounts)}`;
            const t = performance.now();
            await client.query('BEGIN');
            const updated = await client.query({ name: 'charge', text: 'UPDATE balances SET balance = balance - $2 WHERE account = $1 AND balance >= $2', values: [account, COST] });
            if (updated.rowCount === 1) {
              await client.query({ name: 'ledger', text: 'INSERT INTO ledger (account, usage_id, amount) VALUES ($1, $2, $3)', values: [account, `u-${seq++}`, COST] });
              await client.query('COMMIT');
              charges++;
              onTick?.(charges);
            } else {
              await client.query('ROLLBACK');
              refused++;
            }
            latencies.push(performance.now() - t);
          }
        } finally {
          client.release();
        }
      };
      await Promise.all(Array.from({ length: clients }, worker));
      const elapsed = (performance.now() - start) / 1000;
      latencies.sort((x, y) => x - y);
      return {
        accounts, clients, seconds: round(elapsed, 2)!,
        chargesPerSecond: round(charges / elapsed)!,
        refused,
        latencyMs: { p50: round(percentile(latencies, 50), 2)!, p99: round(percentile(latencies, 99), 2)! },
      };
    },
    async close() {
      try {
        await db.query(`DROP SCHEMA ${schema} CASCADE`);
      } finally {
        await db.end();
      }
    },
  };
}
