/**
 * Services take settings from command-line flags (`--jmx-service host:port`, Icarus style) or the
 * environment (`DAEDALUS_JMX_SERVICE`); flags win. Names are kebab-case flags / SCREAMING_SNAKE env.
 */
export class ConfigReader {
  private readonly flags = new Map<string, string>();

  constructor(
    argv: string[] = process.argv.slice(2),
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    for (let i = 0; i < argv.length; i++) {
      const arg = argv[i];
      if (!arg.startsWith('--')) continue;
      const eq = arg.indexOf('=');
      if (eq > 0) this.flags.set(arg.slice(2, eq), arg.slice(eq + 1));
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) this.flags.set(arg.slice(2), argv[++i]);
      else this.flags.set(arg.slice(2), 'true');
    }
  }

  private envName(flag: string): string {
    return `DAEDALUS_${flag.replace(/-/g, '_').toUpperCase()}`;
  }

  string(flag: string): string | undefined;
  string(flag: string, fallback: string): string;
  string(flag: string, fallback?: string): string | undefined {
    const value = this.flags.get(flag) ?? this.env[this.envName(flag)];
    return value === undefined || value === '' ? fallback : value;
  }

  number(flag: string, fallback: number): number {
    const raw = this.string(flag);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new Error(`--${flag} (${this.envName(flag)}) must be a number, got "${raw}"`);
    return value;
  }

  boolean(flag: string, fallback = false): boolean {
    const raw = this.string(flag);
    if (raw === undefined) return fallback;
    if (/^(true|1|yes)$/i.test(raw)) return true;
    if (/^(false|0|no)$/i.test(raw)) return false;
    throw new Error(`--${flag} (${this.envName(flag)}) must be true or false, got "${raw}"`);
  }

  list(flag: string): string[] {
    return (this.string(flag) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  }
}
