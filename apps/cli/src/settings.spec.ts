import { DEFAULT_GATEWAY, defaultConfigPath, resolveSettings, SettingSources } from './settings';

const HOME = '/home/ops';
const DEFAULT_FILE = '/home/ops/.config/daedalus/config.json';

function sources(over: Partial<SettingSources> & { files?: Record<string, string> }): SettingSources {
  const files = over.files ?? {};
  return { flags: {}, env: {}, home: HOME, readFile: (path) => files[path], ...over };
}

describe('CLI settings: flags, then environment, then config file', () => {
  const file = JSON.stringify({ gateway: 'https://from-file:4567', token: 'file-token' });

  it('takes each setting from the first source that has it', () => {
    const all = resolveSettings(
      sources({
        flags: { gateway: 'https://from-flag:1', token: 'flag-token' },
        env: { DAEDALUS_GATEWAY: 'https://from-env:2', DAEDALUS_TOKEN: 'env-token' },
        files: { [DEFAULT_FILE]: file },
      }),
    );
    expect(all).toEqual({ gateway: 'https://from-flag:1', gatewaySource: '--gateway', token: 'flag-token', tokenSource: '--token' });

    const envOverFile = resolveSettings(
      sources({ env: { DAEDALUS_GATEWAY: 'https://from-env:2', DAEDALUS_TOKEN: 'env-token' }, files: { [DEFAULT_FILE]: file } }),
    );
    expect(envOverFile).toMatchObject({ gateway: 'https://from-env:2', gatewaySource: 'DAEDALUS_GATEWAY', token: 'env-token' });

    // one from each: the flag's gateway, the file's token
    const mixed = resolveSettings(sources({ flags: { gateway: 'http://flag:3' }, files: { [DEFAULT_FILE]: file } }));
    expect(mixed).toMatchObject({ gateway: 'http://flag:3', token: 'file-token', tokenSource: `token in ${DEFAULT_FILE}` });

    const nothing = resolveSettings(sources({}));
    expect(nothing).toEqual({ gateway: DEFAULT_GATEWAY, gatewaySource: 'default' });
  });

  it('reads --config, else DAEDALUS_CONFIG, else the XDG or home default; only a named file must exist', () => {
    const files = { '/etc/daedalus.json': JSON.stringify({ token: 'etc' }), '/xdg/daedalus/config.json': JSON.stringify({ token: 'xdg' }) };
    expect(resolveSettings(sources({ flags: { config: '/etc/daedalus.json' }, files })).token).toBe('etc');
    expect(resolveSettings(sources({ env: { DAEDALUS_CONFIG: '/etc/daedalus.json' }, files })).token).toBe('etc');
    expect(resolveSettings(sources({ env: { XDG_CONFIG_HOME: '/xdg' }, files })).token).toBe('xdg');
    expect(defaultConfigPath({}, HOME)).toBe(DEFAULT_FILE);
    expect(() => resolveSettings(sources({ flags: { config: '/nowhere.json' } }))).toThrow(/^--config: \/nowhere.json does not exist/);
    expect(() => resolveSettings(sources({ env: { DAEDALUS_CONFIG: '/nowhere.json' } }))).toThrow(/^DAEDALUS_CONFIG:/);
  });

  it('refuses a config file that is not what it should be, naming the key', () => {
    const bad = (text: string) => () => resolveSettings(sources({ files: { [DEFAULT_FILE]: text } }));
    expect(bad('{"gatway": "http://x"}')).toThrow(/"gatway" is not a setting \(known: gateway, token\)/);
    expect(bad('{"token": 7}')).toThrow(/token must be a string/);
    expect(bad('[1]')).toThrow(/must hold a JSON object/);
    expect(bad('{')).toThrow(/is not JSON/);
  });

  it('refuses a gateway that is not an http(s) URL, naming where it came from, and never a URL with credentials', () => {
    expect(() => resolveSettings(sources({ flags: { gateway: 'gateway:4567' } }))).toThrow(
      /^--gateway: the gateway URL must be http or https/,
    );
    expect(() => resolveSettings(sources({ env: { DAEDALUS_GATEWAY: 'not a url' } }))).toThrow(
      /^DAEDALUS_GATEWAY: "not a url" is not a URL/,
    );
    expect(() => resolveSettings(sources({ flags: { gateway: 'https://me:secret@gw' } }))).toThrow(/put credentials in --token/);
    expect(resolveSettings(sources({ flags: { gateway: 'https://gw:4567/' } })).gateway).toBe('https://gw:4567');
  });
});
