import { FaultInjector } from '../../local/stepfunctions/faults';

describe('fault injection', () => {
  it('fails the next N runs of the state, then stops', () => {
    const faults = new FaultInjector();
    faults.inject({ stateMachineName: 'M', stateName: 'S', error: 'E', count: 2 });

    const taken = [faults.take('M', 'S'), faults.take('M', 'S'), faults.take('M', 'S')];

    expect(taken.map((fault) => fault?.error)).toEqual(['E', 'E', undefined]);
  });

  it('leaves other states and machines alone', () => {
    const faults = new FaultInjector();
    faults.inject({ stateMachineName: 'M', stateName: 'S', error: 'E', count: 1 });

    expect(faults.take('M', 'Other')).toBeUndefined();
    expect(faults.take('Other', 'S')).toBeUndefined();
    expect(faults.take('M', 'S')?.error).toBe('E');
  });

  it('gives a fault scoped by input only to executions whose input matches', () => {
    const faults = new FaultInjector();
    faults.inject({ stateMachineName: 'M', stateName: 'S', error: 'Mine', count: 1, whenInput: { userId: 'u1' } });
    faults.inject({ stateMachineName: 'M', stateName: 'S', error: 'Anyone', count: 1 });

    const other = faults.take('M', 'S', { userId: 'u2' });
    const mine = faults.take('M', 'S', { userId: 'u1' });

    expect(other?.error).toBe('Anyone');
    expect(mine?.error).toBe('Mine');
    expect(faults.take('M', 'S', { userId: 'u1' })).toBeUndefined();
  });
});
