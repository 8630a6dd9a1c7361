import { plainToInstance } from 'class-transformer';
import { RestoreRequest } from '@daedalus/contracts';
import { importOptions } from './import-tables';

const options = (importFields: Record<string, unknown>) =>
  importOptions(plainToInstance(RestoreRequest, { type: 'restore', storageLocation: 's3://b', snapshotTag: 't', import: importFields }));

describe("a restore's import options", () => {
  it('verify, reset levels and invalidate caches by default', () => {
    expect(options({})).toEqual({
      resetLevel: true,
      clearRepaired: true,
      verifySSTables: true,
      verifyTokens: true,
      invalidateCaches: true,
      extendedVerify: false,
      copyData: false,
    });
  });

  it('take quick as nodetool import does: no verification, no cache invalidation', () => {
    expect(options({ quick: true, extendedVerify: true })).toMatchObject({
      verifySSTables: false,
      verifyTokens: false,
      invalidateCaches: false,
      extendedVerify: false,
      resetLevel: true,
    });
  });
});
