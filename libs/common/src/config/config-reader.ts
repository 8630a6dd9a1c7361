/**
 * The raw settings of a service: its command-line flags (`--jmx-service host:port` or `--jmx-service=host:port`,
 * Icarus style) and its environment. A config class (see `readOptions`) decides what they mean; this only
 * splits the command line. Flags are kebab-case; their environment names are SCREAMING_SNAKE
 * (`--node-timeout-ms` ⇔ `DAEDALUS_NODE_TIMEOUT_MS`) unless a setting names its own.
 */
export class ConfigReader {
  /** flag name → its value; `undefined` when the flag was given without one (`--enable-truncate`) */
  private readonly flags = new Map<string, string | undefined>();
  /** arguments that are neither a flag nor a flag's value: where they are, never what they say */
  private readonly strays: string[] = [];
  /** `--help` or `-h` was given */
  readonly helpRequested: boolean;

  constructor(
    argv: readonly string[] = process.argv.slice(2),
    readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    let help = false;
    let previous: string | undefined; // the flag whose value the last argument was
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i];
      if (arg === '-h') {
        help = true;
        previous = undefined;
        continue;
      }
      if (!arg.startsWith('--') || arg === '--') {
        this.strays.push(`argument ${i + 1}${previous ? `, after the value of --${previous},` : ''}`);
        previous = undefined;
        continue;
      }
      const eq = arg.indexOf('=');
      const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      if (eq > 0) this.flags.set(name, arg.slice(eq + 1));
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--') && argv[i + 1] !== '-h') this.flags.set(name, argv[++i]);
      else this.flags.set(name, undefined);
      previous = this.flags.get(name) === undefined ? undefined : name;
    }
    this.helpRequested = help || this.flags.has('help');
  }

  /** The flags given, without their dashes. */
  flagNames(): string[] {
    return [...this.flags.keys()];
  }

  /** Where the arguments that are not flags stand (e.g. "argument 3, after the value of --data-dirs"). */
  strayArguments(): readonly string[] {
    return this.strays;
  }

  /** Whether the flag was given, and its value (`undefined` when it was given bare). */
  flag(name: string): { given: false } | { given: true; value: string | undefined } {
    return this.flags.has(name) ? { given: true, value: this.flags.get(name) } : { given: false };
  }

  static envName(flag: string): string {
    return `DAEDALUS_${flag.replace(/-/g, '_').toUpperCase()}`;
  }
}

export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
