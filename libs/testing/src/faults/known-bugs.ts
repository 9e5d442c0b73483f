// Production bugs the fault suite found and that are not fixed yet (each reported to the lead). The
// inputs that show them still run on every run, against accounts of their own so their effects stay
// out of the ledger's accounts; each must still show its bug (strictly: when one stops, the run fails
// and asks for its entry here to go, so a fix is noticed and this list never goes stale).
export interface KnownBug {
  id: string;
  /** What is wrong, in a sentence: printed with every run that reproduces it. */
  summary: string;
  /** The poison inputs (topic and what) that show it. */
  poison: { topic: string; what: string[] }[];
}

export const KNOWN_BUGS: KnownBug[] = [
  {
    id: 'priced-usage-unvalidated',
    summary:
      'the wallet does not validate creditflow.priced-usage.v1 payloads: a numeric usageId places a hold; a malformed price or action, or an unknown tenant, gets a `denied` decision instead of a dead letter (libs/wallet/service/src/wallet.consumer.ts fromPricedUsage)',
    poison: [
      {
        topic: 'creditflow.priced-usage.v1',
        what: ['an unknown tenant', 'data: price.credits not a number', 'data: price.credits negative', 'data: price.credits a number', 'data: usageId a number', 'data: an unknown action', 'data: action missing'],
      },
    ],
  },
  {
    id: 'refunds-unknown-type-dropped',
    summary:
      'a message of unknown type on creditflow.refunds.v1 is skipped by both consumers (the wallet reads only `decided`, the refund service only `requested`): silently dropped, not dead-lettered',
    poison: [{ topic: 'creditflow.refunds.v1', what: ['an unknown type'] }],
  },
  {
    id: 'scheduler-event-time-unvalidated',
    summary:
      'a monthly-grant on creditflow.scheduler.v1 whose `at` is not a date is applied at the wallet\'s now (schedulerTime falls back) instead of being dead-lettered: its credits are granted',
    poison: [{ topic: 'creditflow.scheduler.v1', what: ['data: at not a date'] }],
  },
];

export function knownBugOf(topic: string, what: string): KnownBug | undefined {
  return KNOWN_BUGS.find((b) => b.poison.some((p) => p.topic === topic && p.what.includes(what)));
}
