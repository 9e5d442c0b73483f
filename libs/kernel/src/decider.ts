// The one shape of every aggregate and process manager (wallet account, subscription, daily reset,
// refund): commands in, events out, state folded from the events. `decide` is pure (it is run again
// after a revision conflict); `evolve` only copies what an event says. A context that needs its
// tenant's policy closes over it: `walletDecider(policy)`.
export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState: State;
}

