// account <tenant> <accountId> [--revision N]: one account's stream, lots, open holds and balance at
// a revision, read from the wallet's store the way the wallet process finds it.
import { createEventStore } from '@creditflow/event-store';
import { readConfig } from '@creditflow/shell';
import { walletStream } from '@creditflow/wallet-application';
import { AccountNotFound, accountView, formatAccountView } from '../account-view';
import { CommandSpec, ParsedArgs, UsageError, flag, integerOption, stringOption } from '../args';
import { OpsError, OpsIo } from '../io';
import { MODES, Mode, walletLocation } from '../locate';

export const accountSpec: CommandSpec = {
  name: 'account',
  summary: "Shows one account as its stream says at a revision: events, lots, open holds and balance.",
  details: [
    "Folds the account's stored events up to --revision (default: the last) with the wallet domain's evolve. " +
      'Expiries and hold timeouts that are due but not yet recorded by an event are not applied (the HTTP balance applies them as of now). ' +
      'The store is found as the wallet process finds it: DATABASE_URL, EVENTSTORE_CONNECTION_STRING (distributed), or the SQLite file under CREDITFLOW_DATA_DIR.',
  ],
  positionals: [
    { name: 'tenant', description: 'the tenant id', required: true },
    { name: 'accountId', description: 'the account id', required: true },
  ],
  options: {
    revision: { kind: 'integer', value: '<n>', description: 'the stream revision to show the account at (0 = after its first event)' },
    events: { kind: 'string', value: '<n|all>', description: 'how many of the latest events to list (default 30)' },
    json: { kind: 'boolean', description: 'print JSON (every event)' },
    mode: { kind: 'string', value: '<mode>', choices: MODES, description: 'embedded or distributed; default from the environment and data directory' },
  },
  examples: ['account apinfer acc-1', 'account visualgpt studio-north --revision 12', 'account amisi team-7 --json > team-7.json'],
};

export async function showAccount(args: ParsedArgs, io: OpsIo): Promise<number> {
  const [tenantId, accountId] = args.positionals;
  const eventsOption = stringOption(args, 'events') ?? '30';
  if (eventsOption !== 'all' && !/^\d+$/.test(eventsOption)) throw new UsageError(`--events must be a number or all, not "${eventsOption}"`, accountSpec);
  const location = walletLocation(readConfig(io.env), stringOption(args, 'mode') as Mode | undefined);
  const store = createEventStore(location.store);
  try {
    const recorded = await store.readStream(walletStream(tenantId, accountId));
    let view;
    try {
      view = accountView(tenantId, accountId, recorded, integerOption(args, 'revision'));
    } catch (error) {
      if (error instanceof AccountNotFound || error instanceof RangeError) throw new OpsError(`${error.message} (${location.storeLabel})`);
      throw error;
    }
    io.out(flag(args, 'json') ? `${JSON.stringify(view, null, 2)}\n` : formatAccountView(view, eventsOption === 'all' ? null : Number(eventsOption)));
    return 0;
  } finally {
    await store.close();
  }
}
