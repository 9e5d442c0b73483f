import { Decider, DomainError } from '../src';
import { deciderSpecification, runAll } from './decider-specification';

// A counter that refuses to go below zero, and whose evolve rejects events it cannot apply.
type Command = { type: 'Add'; by: number } | { type: 'Crash' };
type Event = { type: 'Added'; by: number };
const counter: Decider<Command, Event, number> = {
  decide(command, state) {
    if (command.type === 'Crash') throw new TypeError('a bug, not a rule');
    if (command.by === 0) return [];
    if (state + command.by < 0) throw new DomainError('COUNTER.NEGATIVE', 'would go below zero', { state, by: command.by });
    return [{ type: 'Added', by: command.by }];
  },
  evolve(state, event) {
    if (event.by > 100) throw new RangeError('evolve cannot apply this');
    return state + event.by;
  },
  initialState: 0,
};
const spec = deciderSpecification(counter);
const added = (by: number): Event => ({ type: 'Added', by });

describe('deciderSpecification', () => {
  it('passes when the decision is exactly the expected events', () => {
    spec.given([added(2)]).when({ type: 'Add', by: 3 }).then([added(3)]);
  });

  it('fails when the decision differs from the expected events', () => {
    expect(() => spec.given([]).when({ type: 'Add', by: 3 }).then([added(4)])).toThrow();
    expect(() => spec.given([]).when({ type: 'Add', by: 3 }).then([])).toThrow();
  });

  it('folds the given events with the decider\'s evolve before deciding', () => {
    spec.given([added(5)]).when({ type: 'Add', by: -5 }).then([added(-5)]);
    spec.given([added(4)]).when({ type: 'Add', by: -5 }).thenThrows('COUNTER.NEGATIVE');
  });

  it('checks that nothing happens, and fails when something does', () => {
    spec.given([added(1)]).when({ type: 'Add', by: 0 }).thenNothingHappens();
    expect(() => spec.given([]).when({ type: 'Add', by: 1 }).thenNothingHappens()).toThrow();
  });

  it('checks the code and details of a refusal', () => {
    spec.given([added(1)]).when({ type: 'Add', by: -2 }).thenThrows('COUNTER.NEGATIVE', { state: 1 });
    expect(() => spec.given([added(1)]).when({ type: 'Add', by: -2 }).thenThrows('COUNTER.OTHER')).toThrow();
    expect(() => spec.given([added(1)]).when({ type: 'Add', by: -2 }).thenThrows('COUNTER.NEGATIVE', { state: 7 })).toThrow();
  });

  it('fails thenThrows when the decision returns events instead', () => {
    expect(() => spec.given([]).when({ type: 'Add', by: 1 }).thenThrows('COUNTER.NEGATIVE')).toThrow(/expected the decision to throw COUNTER.NEGATIVE/);
  });

  it('lets an error that is not a DomainError through: a bug is not a refusal', () => {
    expect(() => spec.given([]).when({ type: 'Crash' }).thenThrows('ANY')).toThrow(TypeError);
  });

  it('folds the decided events too, so a decision its own evolve cannot apply fails the test', () => {
    expect(() => spec.given([]).when({ type: 'Add', by: 101 }).then([added(101)])).toThrow(RangeError);
  });

  it('hands the state before and after the decision to thenState', () => {
    spec.given([added(2)]).when({ type: 'Add', by: 3 }).thenState((after, events, before) => {
      expect([before, events, after]).toEqual([2, [added(3)], 5]);
    });
  });
});

describe('runAll', () => {
  it('decides each command on the state the decisions before it left, and answers every event and the last state', () => {
    expect(runAll(counter, [{ type: 'Add', by: 2 }, { type: 'Add', by: 0 }, { type: 'Add', by: -2 }])).toEqual({ events: [added(2), added(-2)], state: 0 });
  });

  it('starts from the state it is given', () => {
    expect(runAll(counter, [{ type: 'Add', by: -3 }], 5)).toEqual({ events: [added(-3)], state: 2 });
    expect(runAll(counter, [], 7)).toEqual({ events: [], state: 7 });
  });

  it('lets a refusal through: the commands after it are not decided', () => {
    expect(() => runAll(counter, [{ type: 'Add', by: 1 }, { type: 'Add', by: -2 }, { type: 'Crash' }])).toThrow(expect.objectContaining({ code: 'COUNTER.NEGATIVE' }));
  });
});
