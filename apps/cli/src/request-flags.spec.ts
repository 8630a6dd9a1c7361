import { UsageError } from './exit-codes';
import { fieldEntries, flagOfField, flagValue, kebab, requestBody, requestFlags } from './request-flags';

describe('request flags from the request DTOs', () => {
  it('makes a flag of every field of a backup request, typed as the DTO validates it', () => {
    const flags = requestFlags('backup');
    const byField = new Map(flags.map((f) => [f.field, f]));
    expect(byField.get('storageLocation')).toMatchObject({ flag: 'storage-location', kind: 'string' });
    expect(byField.get('concurrentConnections')).toMatchObject({ flag: 'concurrent-connections', kind: 'integer' });
    expect(byField.get('createMissingBucket')).toMatchObject({ kind: 'boolean' });
    expect(byField.get('bandwidth')).toMatchObject({ kind: 'json' });
    expect(byField.has('type')).toBe(false);
    const restore = new Map(requestFlags('restore').map((f) => [f.field, f]));
    expect(restore.get('restorationStrategyType')?.choices).toEqual(expect.arrayContaining(['IMPORT', 'HARDLINKS', 'IN_PLACE']));
    expect(kebab('sourceDC')).toBe('source-dc');
    expect(kebab('k8sSecretName')).toBe('k8s-secret-name');
  });

  it('parses flag values by kind and names the flag when one is wrong', () => {
    const flags = new Map(requestFlags('backup').map((f) => [f.field, f]));
    const spec = (field: string) => flags.get(field)!;
    expect(flagValue(spec('concurrentConnections'), '8')).toBe(8);
    expect(() => flagValue(spec('concurrentConnections'), '8x')).toThrow('--concurrent-connections takes a whole number, not "8x"');
    expect(flagValue(spec('bandwidth'), '{"value":10,"unit":"MBPS"}')).toEqual({ value: 10, unit: 'MBPS' });
    expect(() => flagValue(spec('bandwidth'), '{value')).toThrow(/^--bandwidth takes JSON/);
    expect(flagValue(spec('storageLocation'), 's3://b')).toBe('s3://b');
  });

  it('reads --field entries: dotted keys nest, JSON values are typed, and bad entries name --field', () => {
    expect(fieldEntries(['bandwidth.value=10', 'bandwidth.unit=MBPS', 'keepSnapshot=true', 'snapshotTag="007"', 'entities=ks.t'])).toEqual({
      bandwidth: { value: 10, unit: 'MBPS' },
      keepSnapshot: true,
      snapshotTag: '007',
      entities: 'ks.t',
    });
    for (const bad of ['novalue', '=x', 'a..b=1', '__proto__.polluted=1', 'constructor=1']) {
      expect(() => fieldEntries([bad])).toThrow(UsageError);
      expect(() => fieldEntries([bad])).toThrow(/^--field/);
    }
    expect(() => fieldEntries(['a=1', 'a=2'])).toThrow('--field: a is given twice');
    expect(() => fieldEntries(['a=1', 'a.b=2'])).toThrow(/already a value/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('builds the body from flags, shortcuts and fields, refusing a field given two ways', () => {
    const flags = new Map(requestFlags('backup').map((f) => [f.field, f]));
    const body = requestBody('backup', [{ spec: flags.get('storageLocation')!, value: 's3://b' }], { global: true, tag: 'nightly' }, [
      'createMissingBucket=true',
    ]);
    expect(body).toEqual({
      type: 'backup',
      storageLocation: 's3://b',
      globalRequest: true,
      snapshotTag: 'nightly',
      createMissingBucket: true,
    });
    expect(() => requestBody('backup', [{ spec: flags.get('snapshotTag')!, value: 'a' }], { tag: 'b' }, [])).toThrow(
      'snapshotTag is given twice: --snapshot-tag and --tag',
    );
    expect(() => requestBody('backup', [], {}, ['type=restore'])).toThrow(/type is the command itself/);
    expect(flagOfField('storageLocation', [...flags.values()])).toBe('--storage-location');
    expect(flagOfField('bandwidth.value', [...flags.values()])).toBe('--bandwidth');
    expect(flagOfField('globalRequest', [...flags.values()])).toBe('--global');
    expect(flagOfField('unknownThing', [...flags.values()])).toBe('--field unknownThing=…');
  });
});
