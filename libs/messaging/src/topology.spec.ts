import { JetStreamApiError, JetStreamManager } from '@nats-io/jetstream';
import { DEFAULT_TOPOLOGY, ensureStreams } from './topology';

const apiError = (code: number, err_code: number, description: string) => new JetStreamApiError({ code, err_code, description });

/** A JetStream manager whose streams appear when another service creates them while this one adds them. */
function racingManager(addError: JetStreamApiError) {
  const existing = new Set<string>();
  const added: string[] = [];
  const jsm = {
    streams: {
      info: async (name: string) => {
        if (!existing.has(name)) throw apiError(404, 10059, 'stream not found');
        return { config: { name } };
      },
      update: async (name: string) => ({ config: { name } }),
      add: async (config: { name: string }) => {
        existing.add(config.name); // the other service won the race
        added.push(config.name);
        throw addError;
      },
    },
  } as unknown as JetStreamManager;
  return { jsm, added };
}

describe('ensureStreams', () => {
  it.each([
    ['the name is already in use', apiError(400, 10058, 'stream name already in use with a different configuration')],
    ['the subjects overlap (nats-server 2.9 when two adds race)', apiError(400, 10065, 'subjects overlap with an existing stream')],
  ])('accepts a stream another service created meanwhile: %s', async (_case, error) => {
    const { jsm, added } = racingManager(error);
    await expect(ensureStreams(jsm, DEFAULT_TOPOLOGY)).resolves.toBeUndefined();
    expect(added.length).toBeGreaterThan(0);
  });

  it('still fails when the stream is not there after a refused add', async () => {
    const jsm = {
      streams: {
        info: async () => {
          throw apiError(404, 10059, 'stream not found');
        },
        add: async () => {
          throw apiError(400, 10065, 'subjects overlap with an existing stream');
        },
      },
    } as unknown as JetStreamManager;
    await expect(ensureStreams(jsm, DEFAULT_TOPOLOGY)).rejects.toThrow('subjects overlap');
  });
});
