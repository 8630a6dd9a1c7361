/** A duration a request names that is neither form Icarus/Esop accept. */
export class DurationFormatError extends Error {
  constructor(readonly text: string) {
    super(`duration "${text.slice(0, 64)}" is neither ISO-8601 (PT2H) nor "<n> <unit>"`);
    this.name = 'DurationFormatError';
  }
}

/**
 * "PT2H", "2 HOURS", "90 minutes" → milliseconds (Icarus/Esop accept both forms; `IsDuration` validates the same
 * shapes). One parser for the agents (backup `duration`, retention) and the request checks that need the value.
 */
export function parseDurationMs(text: string): number {
  const iso = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i.exec(text.trim());
  if (iso && text.trim().length > 1) {
    const [, d, h, m, s] = iso.map((v) => Number(v ?? 0));
    return (((d * 24 + h) * 60 + m) * 60 + s) * 1000;
  }
  const words = /^(\d+)\s*([a-z]+)$/i.exec(text.trim());
  const units: Record<string, number> = { second: 1e3, minute: 60e3, hour: 3600e3, day: 86400e3 };
  const unit = words ? Object.keys(units).find((u) => words[2].toLowerCase().startsWith(u)) : undefined;
  if (!words || !unit) throw new DurationFormatError(text);
  return Number(words[1]) * units[unit];
}
