// reconcile [--tenant T] [--from ISO]: the independent reconciler (libs/reconciler) over the stores
// the services use. A human summary, or the whole report as JSON; exit status 3 when it finds a
// discrepancy, so a cron job or CI step fails on one.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EventStore, createEventStore } from '@creditflow/event-store';
import type { DecisionMessage, Discrepancy, ReconciliationReport, StatedBalance } from '@creditflow/reconciler-domain';
import { TOPICS } from '@creditflow/contracts';
import { decisionMessage, readTenantTerms, reconcileStores } from '@creditflow/reconciler-service';
import { PlatformConfig, eventStoreFor, readConfig } from '@creditflow/shell';
import { CommandSpec, ParsedArgs, UsageError, flag, stringOption } from '../args';
import { deadLetterBus } from '../dlq-buses';
import { OpsError, OpsIo } from '../io';
import { MODES, Mode, walletLocation } from '../locate';

/** The exit status of a run that found discrepancies (1 is a run that failed, 2 a command-line mistake). */
export const DISCREPANCIES_FOUND = 3;

export const reconcileSpec: CommandSpec = {
  name: 'reconcile',
  summary: "Checks the wallet's events, usage charges and refunds against each other with an independent reconciler; exit 3 on a discrepancy.",
  details: [
    'For every account: granted - spent - expired - clawed back + restored = available + held (event amounts against the lot shares they name; ' +
      'no lot below zero or above its grant; every balance the wallet states equal to the derived one); every hold captured once, with the lots and ' +
      "amount it was placed with, at the price its catalog version gives (priced again from the tenant file's text); accept phases charged once at " +
      "their price; restorations equal to what was charged; every refund's money = credits x the purchase's price per credit rounded as the " +
      "tenant's refund policy says, settled only against the wallet's claw-back; every usage decision on creditflow.usage-decisions.v1 backed by " +
      "the wallet event it was published for and saying what it says. Reads the wallet's store, the refund service's events (the same store, " +
      'or <data>/refund/events.sqlite in distributed mode) and the decisions (the SQLite bus, or Kafka in distributed mode), all as of the ' +
      "moment it starts. Where the ops read model (<data>/ops-projections.sqlite) holds an account at the revision the events end at, " +
      'its balance (available, held, by lot type) must be the one the events add up to. Each discrepancy names the account, the events or messages (stream or topic, revision or partition, position or ' +
      'offset, id) and what was expected against what was found.',
    'Exit status: 0 no discrepancy, 3 discrepancies found, 1 the run failed, 2 a mistake in the command line.',
  ],
  positionals: [],
  options: {
    tenant: { kind: 'string', value: '<tenantId>', description: "only this tenant's accounts" },
    from: { kind: 'string', value: '<ISO time>', description: 'only discrepancies shown by events recorded at or after this time (balances still fold the whole history)' },
    json: { kind: 'boolean', description: 'print the whole report as JSON (the summary goes to stderr)' },
    'skip-decisions': { kind: 'boolean', description: 'do not read the usage decisions from the bus (Kafka unreachable, or its retention too short to matter)' },
    mode: { kind: 'string', value: '<mode>', choices: MODES, description: 'embedded or distributed; default from the environment and data directory' },
  },
  examples: ['reconcile', 'reconcile --tenant apinfer --from 2026-03-01T00:00:00Z', 'reconcile --json > reconciliation.json'],
};

export async function reconcile(args: ParsedArgs, io: OpsIo): Promise<number> {
  const tenant = stringOption(args, 'tenant');
  const fromText = stringOption(args, 'from');
  const from = fromText === undefined ? undefined : Date.parse(fromText);
  if (from !== undefined && Number.isNaN(from)) throw new UsageError(`--from must be an ISO 8601 time (2026-03-01T00:00:00Z), not "${fromText}"`, reconcileSpec);
  const config = readConfig(io.env);
  const location = walletLocation(config, stringOption(args, 'mode') as Mode | undefined);
  const terms = readTenantTerms(config.tenantsDir);
  if (tenant !== undefined && !terms.has(tenant)) throw new UsageError(`no tenant "${tenant}" in ${config.tenantsDir}`, reconcileSpec);
  // The decisions first: each was published after its wallet event was recorded, so the stores, read after, hold every one they name.
  const decisions = flag(args, 'skip-decisions') ? undefined : await readDecisions(config, location.mode);
  const statedBalances = opsReadModelBalances(join(location.dataDir, 'ops-projections.sqlite'));
  const wallet = createEventStore(location.store);
  const refundConfig = location.mode === 'distributed' ? eventStoreFor(config, 'distributed', 'refund', join(config.dataDir, 'refund')) : null;
  // Only a refund store of its own (distributed SQLite) is opened apart; one that is not there is left alone (never created).
  let refund: EventStore | undefined;
  if (refundConfig?.kind === 'sqlite' && existsSync(refundConfig.path)) refund = createEventStore(refundConfig);
  try {
    const report = await reconcileStores({ wallet, refund, terms, tenant, decisions, statedBalances, from: from === undefined ? undefined : new Date(from).toISOString() });
    const summary = summaryOf(report, location.storeLabel);
    if (flag(args, 'json')) {
      io.out(`${JSON.stringify(report, null, 2)}\n`);
      io.err(summary.split('\n')[0] + '\n');
    } else io.out(summary);
    return report.discrepancies.length ? DISCREPANCIES_FOUND : 0;
  } finally {
    await refund?.close();
    await wallet.close();
  }
}

/** Every message of creditflow.usage-decisions.v1, read without consuming (the dead-letter tools' reader: SELECT on the SQLite bus, a throw-away group on Kafka). */
async function readDecisions(config: PlatformConfig, mode: Mode): Promise<DecisionMessage[]> {
  let bus: ReturnType<typeof deadLetterBus>;
  try {
    bus = deadLetterBus(config, mode);
  } catch (error) {
    if (error instanceof OpsError) throw new OpsError(`the usage decisions cannot be read: ${error.message} (or --skip-decisions to reconcile without them)`);
    throw error;
  }
  try {
    const records = await bus.read(TOPICS.usageDecisions, { limit: Number.MAX_SAFE_INTEGER });
    return records.flatMap((r) => decisionMessage(TOPICS.usageDecisions, r) ?? []);
  } finally {
    await bus.close();
  }
}

/**
 * The balances of the ops read model (libs/ops/projections: table `balances`, credits in units, one row
 * per account with the revision it reflects), read by SELECT; none when the file is not there.
 */
function opsReadModelBalances(path: string): StatedBalance[] {
  if (!existsSync(path)) return [];
  // Read-write (a read-only handle on a WAL file cannot always open it), but only ever SELECTs.
  const db = new Database(path, { fileMustExist: true, timeout: 5_000 });
  try {
    db.defaultSafeIntegers(true);
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'balances'").get()) return [];
    const rows = db.prepare('SELECT tenant, account, available, held, by_type, revision FROM balances').all() as { tenant: string; account: string; available: bigint; held: bigint; by_type: string; revision: bigint }[];
    return rows.map((r) => ({
      source: 'the ops read model', tenant: r.tenant, account: r.account, revision: r.revision, available: r.available, held: r.held,
      byType: Object.fromEntries(Object.entries(JSON.parse(r.by_type) as Record<string, string>).map(([k, v]) => [k, BigInt(v)])),
    }));
  } finally {
    db.close();
  }
}

function summaryOf(report: ReconciliationReport, where: string): string {
  const n = report.discrepancies.length;
  const lines = [
    `${n === 0 ? 'reconciled: no discrepancies' : `${n} discrepanc${n === 1 ? 'y' : 'ies'}`} in ${report.accounts} account${report.accounts === 1 ? '' : 's'} ` +
      `(${report.events.wallet} wallet events, ${report.events.refund} refund events, ${report.events.decisions} usage decisions; ${report.usages.authorized} usages authorized, ${report.usages.completed} captured; ` +
      `${report.refunds.decided} refunds decided, ${report.refunds.withMoney} with money; ${report.statedBalances.compared} balances of the ops read model compared) from ${where}`,
  ];
  for (const d of report.discrepancies) lines.push('', ...describe(d));
  return `${lines.join('\n')}\n`;
}

function describe(d: Discrepancy): string[] {
  return [
    `[${d.kind}] ${d.tenant}/${d.account}: ${d.message}`,
    `  expected ${d.expected}, found ${d.found}`,
    ...d.evidence.map((e) => `  ${e.type} at ${e.stream}@${e.revision} (position ${e.position}, event ${e.eventId})`),
  ];
}
