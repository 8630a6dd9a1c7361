import type { OpenAPIObject } from '@nestjs/swagger';
import { requestSchemaName, withOperationRequests } from './openapi-requests';

const bare = {
  openapi: '3.0.0',
  info: { title: 't', version: '1' },
  paths: { '/operations': { post: { responses: {} } } },
} as unknown as OpenAPIObject;

describe('the served OpenAPI document', () => {
  const document = withOperationRequests(bare);
  const schemas = document.components?.schemas as Record<
    string,
    { required?: string[]; properties: Record<string, Record<string, unknown>> }
  >;

  it("names request schemas as Icarus's spec does", () => {
    expect(requestSchemaName('backup')).toBe('BackupOperationRequest');
    expect(requestSchemaName('upgradesstables')).toBe('UpgradesstablesOperationRequest');
  });

  it('documents every implemented request type from its DTO, with the checks the gateway applies', () => {
    expect(Object.keys(schemas)).toEqual(
      expect.arrayContaining(['BackupOperationRequest', 'RestoreOperationRequest', 'FlushOperationRequest']),
    );
    const restore = schemas.RestoreOperationRequest;
    expect(restore.required).toEqual(expect.arrayContaining(['storageLocation']));
    // required unless pointInTime chooses the backup (a conditional check, which the schema cannot say)
    expect(restore.required).not.toContain('snapshotTag');
    expect(restore.properties.pointInTime).toMatchObject({ type: 'string' });
    expect(restore.properties.restorationPhase).toMatchObject({ enum: ['INIT', 'DOWNLOAD', 'TRUNCATE', 'IMPORT', 'CLEANUP'] });
    expect(restore.properties.singlePhase).toMatchObject({ type: 'boolean' });
    expect(restore.properties.type).toEqual({ type: 'string', enum: ['restore'] });
    expect(schemas.BackupOperationRequest.properties.cassandraDirectory).toMatchObject({ type: 'string' });
    expect(schemas.BackupOperationRequest.properties.concurrentConnections).toMatchObject({ type: 'integer', minimum: 1, maximum: 1000 });
  });

  it('gives POST /operations their oneOf, chosen by type', () => {
    const body = document.paths['/operations'].post?.requestBody as { content: Record<string, { schema: Record<string, unknown> }> };
    const schema = body.content['application/json'].schema as { oneOf: unknown[]; discriminator: { mapping: Record<string, string> } };
    expect(schema.oneOf.length).toBe(Object.keys(schemas).length);
    expect(schema.discriminator.mapping.backup).toBe('#/components/schemas/BackupOperationRequest');
  });
});
