import { Consumers, MessageIds, Subjects } from './naming';

describe('naming', () => {
  it('builds per-node and per-operation subjects', () => {
    expect(Subjects.commandsFor('0b1c6f5e-1b2a-4c3d-8e9f-000000000001')).toBe('daedalus.commands.0b1c6f5e-1b2a-4c3d-8e9f-000000000001');
    expect(Subjects.eventsFor('op-1', 'host-1')).toBe('daedalus.events.op-1.host-1');
    expect(Consumers.agentCommands('host-1')).toBe('agent-host-1');
    expect(MessageIds.command('op', 'host', 'run')).toBe('command.op.host.run');
    expect(MessageIds.command('op', 'host', 'run.IMPORT', 0)).toBe('command.op.host.run.IMPORT');
    expect(MessageIds.command('op', 'host', 'run.IMPORT', 2)).toBe('command.op.host.run.IMPORT.r2');
    expect(MessageIds.event('op', 'host', 'failed', 'IMPORT')).toBe('event.op.host.failed.IMPORT');
    expect(MessageIds.event('op', 'host', 'failed', 'IMPORT', 1)).toBe('event.op.host.failed.IMPORT.r1');
    expect(MessageIds.event('op', 'host', 'completed')).toBe('event.op.host.completed');
    // a node re-admitted after a pause at a window's end: its round keeps the re-sent run and the new results apart
    expect(MessageIds.command('op', 'host', 'run.UPLOAD', 0, 2)).toBe('command.op.host.run.UPLOAD.round2');
    expect(MessageIds.command('op', 'host', 'run.UPLOAD', 1, 0)).toBe('command.op.host.run.UPLOAD.r1');
    expect(MessageIds.event('op', 'host', 'started', 'UPLOAD', 1, 3)).toBe('event.op.host.started.UPLOAD.r1.round3');
    expect(MessageIds.resume('op', 0)).toBe('resume.op.0');
    expect(Subjects.resume).toBe('daedalus.requests.resume');
    expect(Subjects.nodeQuery('host-1')).toBe('daedalus.nodes.host-1.query');
  });

  it.each([['a.b'], ['*'], ['>'], ['with space'], ['']])('refuses %p as a subject token', (token) => {
    expect(() => Subjects.commandsFor(token)).toThrow('cannot be used in a NATS subject');
  });
});
