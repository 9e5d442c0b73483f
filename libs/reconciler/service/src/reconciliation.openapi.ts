// The answer of GET /v1/reconciliation, for the OpenAPI document (see libs/shell/src/openapi.ts).
import { DISCREPANCY_KINDS } from '@creditflow/reconciler-domain';
import { oa } from '@creditflow/shell';

const evidence = oa.object({
  stream: { type: 'string', description: 'The event stream, or the topic of a bus message.' },
  revision: { type: 'string', description: "The event's revision in its stream, or the message's partition." },
  position: { type: 'string', description: "The event's position in the store, or the message's offset." },
  eventId: { type: 'string', description: 'The event id, or the CloudEvent id.' },
  type: oa.string,
});

export const ReconciliationSchema = oa.object({
  startedAt: oa.time,
  finishedAt: oa.time,
  intervalMs: { type: 'integer', description: 'How often the reconciler runs, in milliseconds (CREDITFLOW_RECONCILE_INTERVAL_MS).' },
  accounts: { type: 'integer', description: "This tenant's accounts reconciled." },
  events: oa.object({ wallet: oa.integer, refund: oa.integer }),
  discrepancyCounts: { type: 'object', properties: Object.fromEntries(DISCREPANCY_KINDS.map((k) => [k, oa.integer])), description: "This tenant's discrepancies by kind (0 for each when the records agree)." },
  discrepancies: oa.array(
    oa.object({
      kind: oa.enum(...DISCREPANCY_KINDS),
      account: oa.string,
      message: oa.string,
      expected: oa.string,
      found: oa.string,
      evidence: { ...oa.array(evidence), description: 'The events or messages that show it, the offending one last.' },
    }),
  ),
});
