import { checkMessage } from './message-dto';
import { CancelOperationMessage, ResumeOperationMessage, SubmitOperationMessage } from './messages';
import { SCHEMA_VERSION } from './schema-version';

/** #11: an id in upper case was listed but not fetchable; every message a client sends keeps ids in lower case. */
describe('operation ids from NATS clients', () => {
  const upper = 'ABCDEF01-2345-4678-89AB-CDEF01234567';

  it.each([
    ['SubmitOperation', SubmitOperationMessage, { request: { type: 'drain' }, submittedAt: new Date(0).toISOString() }],
    ['CancelOperation', CancelOperationMessage, {}],
    ['ResumeOperation', ResumeOperationMessage, {}],
  ] as const)('%s stores the operation id in lower case', (_name, type, extra) => {
    const checked = checkMessage<{ operationId: string }>(type, { schemaVersion: SCHEMA_VERSION, operationId: upper, ...extra });
    expect(checked).toMatchObject({ ok: true, value: { operationId: upper.toLowerCase() } });
  });
});
