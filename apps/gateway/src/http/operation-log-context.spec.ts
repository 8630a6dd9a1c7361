import { CallHandler, ExecutionContext } from '@nestjs/common';
import { firstValueFrom, from } from 'rxjs';
import { currentLogContext } from '@daedalus/common';
import { OperationLogContextInterceptor, operationLogContext } from './operation-log-context';

const ID = '3f2c7a7e-3a55-4c8e-9d0e-2b1f5d0c9a11';
const headers = (location?: string) => ({ getHeader: (name: string) => (name === 'location' ? location : undefined) });

describe('operationLogContext', () => {
  it('names the operation of a path about one', () => {
    for (const path of [`/operations/${ID}`, `/operations/${ID}/events`, `/operations/${ID}/resume`]) {
      expect(operationLogContext({ path })).toEqual({ operationId: ID });
    }
  });

  it("names a submission's operation from the Location of its answer", () => {
    expect(operationLogContext({ path: '/operations' }, headers(`/operations/${ID}`))).toEqual({ operationId: ID });
  });

  it('names none for a request about no single operation, or an id that could forge a line', () => {
    expect(operationLogContext({ path: '/operations' }, headers())).toEqual({});
    expect(operationLogContext({ path: '/schedules/nightly' }, headers('/schedules/nightly'))).toEqual({});
    expect(operationLogContext({ path: '/operations/a%0Ab' })).toEqual({});
    expect(operationLogContext({ path: `/operations/${'x'.repeat(201)}` })).toEqual({});
    expect(operationLogContext({ path: '/operations/%E0%A4%A' })).toEqual({});
  });
});

describe('OperationLogContextInterceptor', () => {
  const contextFor = (path: string) => ({ switchToHttp: () => ({ getRequest: () => ({ path }) }) }) as unknown as ExecutionContext;
  /** A handler that reads the log context after an await, as a service's line would. */
  const handler: CallHandler = {
    handle: () =>
      from(
        (async () => {
          await new Promise((resolve) => setImmediate(resolve));
          return currentLogContext();
        })(),
      ),
  };

  it('runs the handler in the context of the operation its path names, across awaits', async () => {
    const seen = await firstValueFrom(new OperationLogContextInterceptor().intercept(contextFor(`/operations/${ID}`), handler));
    expect(seen).toEqual({ operationId: ID });
  });

  it('adds nothing for other paths', async () => {
    expect(await firstValueFrom(new OperationLogContextInterceptor().intercept(contextFor('/nodes'), handler))).toEqual({});
  });
});
