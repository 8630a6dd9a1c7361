import { IsBoolean, IsIn, IsNotEmpty, IsOptional, IsString } from 'class-validator';
import { ConfigReader } from './config-reader';
import { IntRange, MsFromOption, TimerMs } from './constraints';
import { configure, renderHelp, renderReference, ServiceDescription } from './help';
import { editDistance, nearest } from './nearest';
import { ConfigSection, Option, OptionGroup } from './option';
import { ConfigError, readOptions } from './read-options';

@ConfigSection({ title: 'Connection', note: 'shared' })
class ConnectionOptions {
  @Option({ flag: 'servers', env: ['SAMPLE_SERVERS', 'SAMPLE_URL'], description: 'where to connect', default: ['nats://127.0.0.1:4222'] })
  @IsNotEmpty({ each: true })
  readonly servers!: string[];

  @Option({ env: 'SAMPLE_PASSWORD', description: 'the password', secret: true })
  @IsOptional()
  @IsString()
  @IsIn(['never-a-valid-password-but-short'], { message: '$property is not the expected one' })
  readonly password?: string;
}

@ConfigSection({ title: 'Sample' })
class SampleConfig {
  @Option({ flag: 'concurrency', description: 'messages handled at once', default: 16 })
  @IntRange(1, 256)
  readonly concurrency!: number;

  @Option({ flag: 'node-timeout-ms', description: 'a silent node fails after this', default: 30_000, unit: 'ms' })
  @TimerMs(1_000)
  readonly nodeTimeoutMs!: number;

  @Option<SampleConfig>({
    flag: 'grace-ms',
    description: 'longer than the node timeout',
    default: (c) => Math.max(300_000, c.nodeTimeoutMs),
    defaultText: '300000 (5 min) or --node-timeout-ms if longer',
    unit: 'ms',
  })
  @MsFromOption('nodeTimeoutMs', 604_800_000, '7 days')
  readonly graceMs!: number;

  @Option({ flag: 'enable-truncate', description: 'allow truncate', default: false })
  @IsBoolean()
  readonly enableTruncate!: boolean;

  @Option({ flag: 'local-node', description: 'the node beside this one' })
  @IsOptional()
  @IsString()
  readonly localNode?: string;

  @Option({ flag: 'jmx-password', description: 'JMX password', secret: true })
  @IsOptional()
  @IsIn(['right'], { message: '$property is wrong' })
  readonly jmxPassword?: string;

  @OptionGroup(() => ConnectionOptions)
  readonly connection!: ConnectionOptions;

  constructor(reader: ConfigReader) {
    readOptions(this, reader);
  }
}

@ConfigSection({ title: 'Other' })
class OtherConfig {
  @Option({ flag: 'other', description: 'something else', default: 'x' })
  @IsString()
  readonly other!: string;

  @OptionGroup(() => ConnectionOptions)
  readonly connection!: ConnectionOptions;
}

const SAMPLE: ServiceDescription = { name: 'sample', command: 'node sample.js', summary: 'A sample service.', config: SampleConfig };

const load = (argv: string[], env: NodeJS.ProcessEnv = {}) => new SampleConfig(new ConfigReader(argv, env));
function problems(argv: string[], env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    load(argv, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('edit distance', () => {
  it.each([
    ['concurrency', 'concurrency', 0],
    ['concurency', 'concurrency', 1],
    ['concurrnecy', 'concurrency', 1],
    ['Node-Timeout-MS', 'node-timeout-ms', 0],
    ['', 'abc', 3],
  ])('%s → %s is %i', (a, b, distance) => {
    expect(editDistance(a, b)).toBe(distance);
  });

  it('finds the nearest candidate', () => {
    expect(nearest('node-timout-ms', ['concurrency', 'node-timeout-ms', 'grace-ms'])).toBe('node-timeout-ms');
    expect(nearest('x', [])).toBeUndefined();
  });
});

describe('readOptions', () => {
  it('takes defaults, then the environment, then flags', () => {
    expect(load([])).toMatchObject({ concurrency: 16, nodeTimeoutMs: 30_000, graceMs: 300_000, enableTruncate: false });
    expect(load([]).localNode).toBeUndefined();
    expect(load([], { DAEDALUS_CONCURRENCY: '4' }).concurrency).toBe(4);
    expect(load(['--concurrency', '8'], { DAEDALUS_CONCURRENCY: '4' }).concurrency).toBe(8);
    expect(load(['--concurrency=9']).concurrency).toBe(9);
    expect(load(['--enable-truncate']).enableTruncate).toBe(true);
    expect(load(['--enable-truncate=no']).enableTruncate).toBe(false);
    expect(load(['--local-node', '10.0.0.1']).localNode).toBe('10.0.0.1');
    expect(load([], { DAEDALUS_LOCAL_NODE: '' }).localNode).toBeUndefined();
  });

  it('computes a default from the settings read before it', () => {
    expect(load(['--node-timeout-ms', '600000']).graceMs).toBe(600_000);
  });

  it('fills groups, whose settings may have several environment names', () => {
    expect(load([]).connection.servers).toEqual(['nats://127.0.0.1:4222']);
    expect(load([], { SAMPLE_URL: 'nats://a:4222, nats://b:4222' }).connection.servers).toEqual(['nats://a:4222', 'nats://b:4222']);
    expect(load(['--servers', 'nats://c:4222'], { SAMPLE_SERVERS: 'nats://a:4222' }).connection.servers).toEqual(['nats://c:4222']);
    expect(problems([], { SAMPLE_SERVERS: 'nats://a:4222', SAMPLE_URL: 'nats://b:4222' })).toEqual([
      'SAMPLE_SERVERS and SAMPLE_URL are set to different values: set only one',
    ]);
  });

  it('stops at an unknown flag, naming the nearest known one', () => {
    expect(problems(['--concurency', '4'])).toEqual(['unknown flag --concurency: did you mean --concurrency?']);
    expect(problems(['--node-timout-ms=5'])).toEqual(['unknown flag --node-timout-ms: did you mean --node-timeout-ms?']);
    expect(problems(['--sever', 'x'])).toEqual(['unknown flag --sever: did you mean --servers?']);
  });

  it('refuses an argument that is no flag without printing it', () => {
    const found = problems(['--local-node', 'a', 'secret-looking']);
    expect(found).toEqual([expect.stringMatching(/^argument 3, after the value of --local-node, is not a flag/)]);
    expect(found.join()).not.toContain('secret-looking');
  });

  it.each([
    [['--concurrency', '0'], '--concurrency (DAEDALUS_CONCURRENCY) must be a whole number from 1 to 256, got 0'],
    [['--concurrency', '257'], '--concurrency (DAEDALUS_CONCURRENCY) must be a whole number from 1 to 256, got 257'],
    [['--concurrency', '1.5'], '--concurrency (DAEDALUS_CONCURRENCY) must be a whole number from 1 to 256, got 1.5'],
    [['--concurrency', 'many'], '--concurrency (DAEDALUS_CONCURRENCY) must be a whole number, got "many"'],
    [['--concurrency'], '--concurrency needs a value (--concurrency <n> or --concurrency=<n>)'],
    [['--enable-truncate', 'maybe'], '--enable-truncate (DAEDALUS_ENABLE_TRUNCATE) must be true or false (or 1/0, yes/no), got "maybe"'],
    [
      ['--grace-ms', '5000'],
      '--grace-ms (DAEDALUS_GRACE_MS) must be a whole number of milliseconds from --node-timeout-ms (30000) to 604800000 (7 days), got 5000',
    ],
  ])('refuses %j, naming the flag and its environment variable', (argv, message) => {
    expect(problems(argv)).toEqual([message]);
  });

  it('refuses a timer longer than Node.js can hold', () => {
    expect(problems(['--node-timeout-ms', '2147483648'])).toContain(
      '--node-timeout-ms (DAEDALUS_NODE_TIMEOUT_MS) must be a whole number of milliseconds (a timer holds at most about 24.8 days) from 1000 to 2147483647, got 2147483648',
    );
  });

  it('names the variable when the value came from the environment, and marks a bad computed default', () => {
    expect(problems([], { DAEDALUS_CONCURRENCY: '0' })).toEqual([
      '--concurrency (DAEDALUS_CONCURRENCY) must be a whole number from 1 to 256, got 0',
    ]);
    expect(problems(['--node-timeout-ms', '700000000'])).toEqual([
      '--grace-ms (DAEDALUS_GRACE_MS) must be a whole number of milliseconds from --node-timeout-ms (700000000) to 604800000 (7 days), got 700000000 (the default)',
    ]);
  });

  it('lists every problem at once', () => {
    const found = problems(['--concurrency', '0', '--bogus', '--enable-truncate', 'x']);
    expect(found).toHaveLength(3);
    expect(new ConfigError(found).message).toMatch(/^3 problems:\n {2}- unknown flag --bogus/);
  });

  it('never prints a secret, neither a flag value nor an environment value', () => {
    const flag = problems(['--jmx-password', 'hunter2-secret']);
    expect(flag).toEqual(['--jmx-password (DAEDALUS_JMX_PASSWORD) is wrong']);
    const env = problems([], { SAMPLE_PASSWORD: 'hunter3-secret' });
    expect(env).toEqual(['SAMPLE_PASSWORD is not the expected one']);
    const typo = problems(['--jmx-pasword', 'hunter4-secret']);
    expect(typo).toEqual(['unknown flag --jmx-pasword: did you mean --jmx-password?']);
  });
});

describe('help and reference', () => {
  it('lists every flag with its environment name, default and description, never a secret', () => {
    const help = renderHelp(SAMPLE);
    expect(help).toMatch(/^Daedalus sample: A sample service\.\n\nUsage: node sample\.js/);
    for (const flag of ['--concurrency <n>', '--node-timeout-ms <ms>', '--grace-ms <ms>', '--enable-truncate[=true|false]', '--servers']) {
      expect(help).toContain(flag);
    }
    expect(help).toMatch(/--concurrency <n> +DAEDALUS_CONCURRENCY +default 16; allowed 1 to 256\n +messages handled at once\n/);
    expect(help).toMatch(/--node-timeout-ms <ms> +DAEDALUS_NODE_TIMEOUT_MS +default 30000 \(30 s\)/);
    expect(help).toContain('default 300000 (5 min) or --node-timeout-ms if longer');
    expect(help).toMatch(/--servers <a,b,...> +SAMPLE_SERVERS, SAMPLE_URL +default nats:\/\/127\.0\.0\.1:4222/);
    expect(help).toMatch(/\(environment only\) +SAMPLE_PASSWORD\n +the password \(a secret: never printed\)/);
    expect(help).toContain('Connection (shared):');
  });

  it('writes a Markdown reference with the shared sections once', () => {
    const other: ServiceDescription = { ...SAMPLE, name: 'other', config: OtherConfig };
    const reference = renderReference([SAMPLE, other], ['Preamble.']);
    expect(reference.match(/### Connection \(shared\)/g)).toHaveLength(1);
    expect(reference).toContain('## Sample\n');
    expect(reference).toContain('## Other\n');
    expect(reference).toContain('| `--concurrency` | `DAEDALUS_CONCURRENCY` | 16 | 1 to 256 | messages handled at once |');
    expect(reference).toContain(
      '| `--grace-ms` | `DAEDALUS_GRACE_MS` | 300000 (5 min) or --node-timeout-ms if longer | --node-timeout-ms to 604800000 |',
    );
    expect(reference).toContain('| `--other` | `DAEDALUS_OTHER` | x |  | something else |');
    expect(reference.indexOf('### Connection')).toBeLessThan(reference.indexOf('## Sample'));
  });

  it('configure prints help (exit code 0) or the problems (exit code 2), building nothing', async () => {
    const printed: string[] = [];
    const out = { stdout: (t: string) => printed.push(`out:${t}`), stderr: (t: string) => printed.push(`err:${t}`) };
    const previous = process.exitCode;
    try {
      const build = jest.fn((reader: ConfigReader) => new SampleConfig(reader));
      await expect(configure(SAMPLE, build, new ConfigReader(['--concurrency', '0', '--help'], {}), out)).resolves.toBeUndefined();
      expect(build).not.toHaveBeenCalled();
      expect(process.exitCode).toBe(0);
      expect(printed[0]).toMatch(/^out:Daedalus sample/);

      await expect(configure(SAMPLE, build, new ConfigReader(['--concurrency', '0'], {}), out)).resolves.toBeUndefined();
      expect(process.exitCode).toBe(2);
      expect(printed[1]).toBe(
        'err:daedalus sample: --concurrency (DAEDALUS_CONCURRENCY) must be a whole number from 1 to 256, got 0\n' +
          '(node sample.js --help lists every setting)\n',
      );

      process.exitCode = undefined;
      const config = await configure(SAMPLE, build, new ConfigReader(['-h'], {}), out);
      expect(config).toBeUndefined();
      expect((await configure(SAMPLE, build, new ConfigReader(['--concurrency', '3'], {}), out))?.concurrency).toBe(3);
    } finally {
      process.exitCode = previous;
    }
  });
});
