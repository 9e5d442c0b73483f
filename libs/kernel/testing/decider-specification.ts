// Given/when/then for deciders: given past events, when a command, then these events or this error.
// The state is folded from the given events with the decider's own evolve, and the events a
// decision returns are folded too, so every test also proves that evolve accepts what decide emits.
// Time and ids come from the commands and events the test writes; nothing here reads a clock.
import { Decider, DomainError } from '../src';

export interface Then<Event, State> {
  /** The decision is exactly these events, in this order. */
  then(expected: Event[]): void;
  /** The decision appends nothing. */
  thenNothingHappens(): void;
  /** The decision is refused with a DomainError carrying this code (and, if given, these details). */
  thenThrows(code: string, details?: Record<string, unknown>): void;
  /** Free-form checks on the events and the state after them, for rules that are not one exact list. */
  thenState(check: (after: State, events: Event[], before: State) => void): void;
}

export interface DeciderSpecification<Command, Event, State> {
  given(events: Event[]): { when(command: Command): Then<Event, State> };
}

/**
 * Decides `commands` in order from `from` (default the initial state), folding each decision with the
 * decider's evolve before the next command: every event decided, and the state after the last one.
 * For rules that show over a sequence of commands (ticks, catch-up, redelivery).
 */
export function runAll<Command, Event, State>(
  decider: Decider<Command, Event, State>, commands: Command[], from: State = decider.initialState,
): { events: Event[]; state: State } {
  let state = from;
  const events: Event[] = [];
  for (const command of commands) {
    const decided = decider.decide(command, state);
    events.push(...decided);
    state = decided.reduce((s, e) => decider.evolve(s, e), state);
  }
  return { events, state };
}

export function deciderSpecification<Command, Event, State>(decider: Decider<Command, Event, State>): DeciderSpecification<Command, Event, State> {
  const fold = (events: Event[], from: State) => events.reduce((s, e) => decider.evolve(s, e), from);
  return {
    given(history) {
      return {
        when(command) {
          const run = () => {
            const before = fold(history, decider.initialState);
            const { events, state: after } = runAll(decider, [command], before);
            return { before, events, after };
          };
          return {
            then(expected) {
              expect(run().events).toEqual(expected);
            },
            thenNothingHappens() {
              expect(run().events).toEqual([]);
            },
            thenThrows(code, details) {
              let thrown: unknown;
              try {
                run();
              } catch (e) {
                thrown = e;
              }
              if (thrown === undefined) throw new Error(`expected the decision to throw ${code}, but it returned events`);
              if (!(thrown instanceof DomainError)) throw thrown;
              expect(thrown.code).toBe(code);
              if (details) expect(thrown.details).toEqual(expect.objectContaining(details));
            },
            thenState(check) {
              const { before, events, after } = run();
              check(after, events, before);
            },
          };
        },
      };
    },
  };
}
