// Stored event ids. EventStoreDB takes only UUIDs, and both adapters drop a re-append of the same ids
// at the same expected revision, so the id decides what counts as "the same append".
import { createHash } from 'node:crypto';

/** A UUID (version 5 layout) derived from a name: the same name, the same id. */
export function deterministicUuid(name: string): string {
  const h = createHash('sha1').update(name).digest();
  h[6] = (h[6] & 0x0f) | 0x50;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/**
 * The id of an event a command handler appends: its writer (one id per handler instance), its place
 * (stream and revision) and its content (type and stored data). The writer retrying the same append
 * writes nothing twice; any other decision at that place (another command, another replica, even one
 * that happens to decide the same content) gets other ids, so the store refuses it as a revision
 * conflict and it is decided again on the new state. Ids from the place alone let a losing decision
 * pass for a retry of the winning one and vanish.
 */
export function storedEventId(writer: string, streamName: string, revision: bigint, type: string, storedData: unknown): string {
  return deterministicUuid(`${writer}:${streamName}@${revision}:${type}:${JSON.stringify(storedData)}`);
}
