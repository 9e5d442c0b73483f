import { userInfo } from 'node:os';
import { Client } from 'pg';

/**
 * The PostgreSQL the tests use: DATABASE_URL where set; else the build machines' (socket
 * /var/run/postgresql, trust auth, database `test`) as the OS user (root in CI), or as `postgres`
 * where the OS user has no role. Fails loudly when none answers: these tests never skip.
 */
export async function testDatabaseUrl(): Promise<string> {
  const candidates = process.env.DATABASE_URL
    ? [process.env.DATABASE_URL]
    : [userInfo().username, 'postgres'].map((user) => `postgresql://${user}@/test?host=/var/run/postgresql`);
  for (const candidate of candidates) {
    const client = new Client({ connectionString: candidate });
    try {
      await client.connect();
      await client.end();
      return candidate;
    } catch (error) {
      // 28000: this role does not exist (or no user was named); anything else is a real failure.
      if ((error as { code?: string }).code !== '28000') throw new Error(`PostgreSQL is not reachable at ${candidate}: ${(error as Error).message}`);
    }
  }
  throw new Error(`No PostgreSQL role to connect as (tried ${candidates.join(', ')}); set DATABASE_URL`);
}

/** Drops schemas a test created (and everything in them). */
export async function dropSchemas(connectionString: string, schemas: string[]): Promise<void> {
  if (!schemas.length) return;
  const client = new Client({ connectionString });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schemas.map((s) => `"${s}"`).join(', ')} CASCADE`);
  } finally {
    await client.end();
  }
}
