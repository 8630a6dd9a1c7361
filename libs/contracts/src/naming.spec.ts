import { Consumers, MessageIds, Subjects } from './naming';

describe('naming', () => {
  it('builds per-node and per-operation subjects', () => {
    expect(Subjects.commandsFor('0b1c6f5e-1b2a-4c3d-8e9f-000000000001')).toBe(
      'daedalus.commands.0b1c6f5e-1b2a-4c3d-8e9f-000000000001',
    );
    expect(Subjects.eventsFor('op-1', 'host-1')).toBe('daedalus.events.op-1.host-1');
    expect(Consumers.agentCommands('host-1')).toBe('agent-host-1');
    expect(MessageIds.command('op', 'host', 'run')).toBe('command.op.host.run');
    expect(Subjects.nodeQuery('host-1')).toBe('daedalus.nodes.host-1.query');
  });

  it.each([['a.b'], ['*'], ['>'], ['with space'], ['']])('refuses %p as a subject token', (token) => {
    expect(() => Subjects.commandsFor(token)).toThrow('cannot be used in a NATS subject');
  });
});
