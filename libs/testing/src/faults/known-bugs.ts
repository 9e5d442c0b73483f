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

// None open. The three this suite found first (priced usage, refund types and scheduler grants taken
// unchecked from their topics) are fixed in the wallet's consumer and pinned by four-services.e2e.
export const KNOWN_BUGS: KnownBug[] = [];

export function knownBugOf(topic: string, what: string): KnownBug | undefined {
  return KNOWN_BUGS.find((b) => b.poison.some((p) => p.topic === topic && p.what.includes(what)));
}
