/** Builders for operation arguments, so call sites read `jmxArgs.string(tag)` instead of signature strings. */
import { JmxArg } from './jmx-client';

const INT_MIN = -2_147_483_648;
const INT_MAX = 2_147_483_647;

export const jmxArgs = {
  string(value: string | null): JmxArg {
    return { type: 'java.lang.String', value };
  },
  bool(value: boolean): JmxArg {
    return { type: 'boolean', value };
  },
  int(value: number): JmxArg {
    if (!Number.isInteger(value) || value < INT_MIN || value > INT_MAX) {
      throw new RangeError(`${value} is not a Java int`);
    }
    return { type: 'int', value };
  },
  /** Numbers beyond 2^53 cannot be exact in JavaScript: pass a bigint or a decimal string instead. */
  long(value: number | bigint | string): JmxArg {
    if (typeof value === 'number') {
      if (!Number.isSafeInteger(value)) throw new RangeError(`${value} is not a safe integer; pass a bigint or string`);
      return { type: 'long', value };
    }
    const text = value.toString();
    if (!/^-?\d+$/.test(text)) throw new RangeError(`'${text}' is not an integer`);
    const big = BigInt(text);
    if (big < -(2n ** 63n) || big >= 2n ** 63n) throw new RangeError(`${text} is not a Java long`);
    return { type: 'long', value: text };
  },
  stringArray(values: readonly string[]): JmxArg {
    return { type: '[Ljava.lang.String;', value: [...values] };
  },
  /** java.util.Map of String to String (e.g. takeSnapshot options). */
  map(entries: Readonly<Record<string, string>> | ReadonlyMap<string, string>): JmxArg {
    const value: Record<string, string> =
      entries instanceof Map ? Object.fromEntries(entries) : { ...(entries as Readonly<Record<string, string>>) };
    return { type: 'java.util.Map', value };
  },
  set(values: Iterable<string>): JmxArg {
    return { type: 'java.util.Set', value: [...new Set(values)] };
  },
  list(values: Iterable<string>): JmxArg {
    return { type: 'java.util.List', value: [...values] };
  },
};
