import { Injectable } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { FlushRequest } from '@daedalus/contracts';
import { CassandraNode } from '../cassandra/cassandra-node';
import { DiscoveredExecutors, OperationExecutorFor } from './executor-discovery';
import { ExecutorRegistry } from './executor';
import { DrainExecutor } from './drain.executor';
import { FlushExecutor } from './flush.executor';

@Injectable()
class Unrelated {}

@OperationExecutorFor('flush')
class OtherFlush {
  readonly type = 'flush' as const;
  async execute(_request: FlushRequest): Promise<undefined> {
    return undefined;
  }
}

async function registry(providers: Array<new (...args: never[]) => unknown>): Promise<ExecutorRegistry> {
  const moduleRef = await Test.createTestingModule({
    imports: [DiscoveryModule],
    providers: [{ provide: CassandraNode, useValue: {} }, ...providers, { provide: ExecutorRegistry, useClass: DiscoveredExecutors }],
  }).compile();
  await moduleRef.init();
  return moduleRef.get(ExecutorRegistry);
}

describe('DiscoveredExecutors', () => {
  it('finds the executors among the providers by the type they are marked with, with their dependencies injected', async () => {
    const executors = await registry([FlushExecutor, DrainExecutor, Unrelated]);
    expect(executors.get('flush')).toBeInstanceOf(FlushExecutor);
    expect(executors.get('drain')).toBeInstanceOf(DrainExecutor);
    expect(executors.get('cleanup')).toBeUndefined();
  });

  it('refuses two executors of one type', async () => {
    await expect(registry([FlushExecutor, OtherFlush])).rejects.toThrow(
      'two executors for operation type flush: FlushExecutor and OtherFlush',
    );
  });
});
