import { jmxArgs } from './jmx-args';

describe('jmxArgs', () => {
  it('builds arguments with the Java signature types JMX expects', () => {
    expect(jmxArgs.string('t')).toEqual({ type: 'java.lang.String', value: 't' });
    expect(jmxArgs.string(null)).toEqual({ type: 'java.lang.String', value: null });
    expect(jmxArgs.bool(false)).toEqual({ type: 'boolean', value: false });
    expect(jmxArgs.int(-3)).toEqual({ type: 'int', value: -3 });
    expect(jmxArgs.long(5)).toEqual({ type: 'long', value: 5 });
    expect(jmxArgs.stringArray(['ks1', 'ks2'])).toEqual({ type: '[Ljava.lang.String;', value: ['ks1', 'ks2'] });
    expect(jmxArgs.map({ skipFlush: 'true' })).toEqual({ type: 'java.util.Map', value: { skipFlush: 'true' } });
    expect(jmxArgs.map(new Map([['ttl', '1h']]))).toEqual({ type: 'java.util.Map', value: { ttl: '1h' } });
    expect(jmxArgs.set(['a', 'b', 'a'])).toEqual({ type: 'java.util.Set', value: ['a', 'b'] });
    expect(jmxArgs.list(new Set(['x']))).toEqual({ type: 'java.util.List', value: ['x'] });
  });

  it('sends longs beyond 2^53 as decimal strings and refuses values Java cannot hold', () => {
    expect(jmxArgs.long(2n ** 60n)).toEqual({ type: 'long', value: '1152921504606846976' });
    expect(jmxArgs.long('-9223372036854775808')).toEqual({ type: 'long', value: '-9223372036854775808' });
    expect(() => jmxArgs.long(2 ** 60)).toThrow(RangeError);
    expect(() => jmxArgs.long(2n ** 63n)).toThrow(RangeError);
    expect(() => jmxArgs.long('12a')).toThrow(RangeError);
    expect(() => jmxArgs.int(2 ** 31)).toThrow(RangeError);
    expect(() => jmxArgs.int(1.5)).toThrow(RangeError);
  });
});
