import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { IMPLEMENTED_OPERATION_TYPES, OperationType } from '@daedalus/contracts';
import { ExecutorRegistry, OperationExecutor } from './executor';

/**
 * Executors are Nest providers marked with the operation type they run; the registry finds them at start-up.
 * A new operation type is one `@OperationExecutorFor('type')` class listed among the agent module's providers.
 */
const ExecutorFor = DiscoveryService.createDecorator<OperationType>();

/**
 * Marks an executor for `type` (and makes it injectable). The compiler checks that the class runs that type:
 * its `type` must be the same literal.
 */
export function OperationExecutorFor<T extends OperationType>(type: T) {
  return <C extends new (...args: never[]) => OperationExecutor & { readonly type: T }>(target: C): void => {
    Injectable()(target);
    ExecutorFor(type)(target);
  };
}

/** Injection tokens for what executors take besides the node: agent settings, and facts of this node. */
export const EXECUTOR_SETTINGS = Symbol('EXECUTOR_SETTINGS');
export const RESTORE_SETTINGS = Symbol('RESTORE_SETTINGS');
export const TRUNCATE_ENABLED = Symbol('TRUNCATE_ENABLED');
/** `() => string`: where imports keep their work (beside the data directories) */
export const IMPORT_WORK_ROOT = Symbol('IMPORT_WORK_ROOT');
/** `() => string`: this node's host ID (known once the agent registered) */
export const LOCAL_HOST_ID = Symbol('LOCAL_HOST_ID');

/** The executors of this agent, by operation type, as discovered among the providers. */
@Injectable()
export class DiscoveredExecutors extends ExecutorRegistry implements OnModuleInit {
  private readonly logger = new Logger(DiscoveredExecutors.name);
  private readonly byType = new Map<string, OperationExecutor>();

  constructor(private readonly discovery: DiscoveryService) {
    super();
  }

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders({ metadataKey: ExecutorFor.KEY })) {
      const type = this.discovery.getMetadataByDecorator(ExecutorFor, wrapper);
      const executor = wrapper.instance as OperationExecutor | undefined;
      if (!type || !executor) continue;
      const existing = this.byType.get(type);
      if (existing && existing !== executor) {
        throw new Error(`two executors for operation type ${type}: ${existing.constructor.name} and ${executor.constructor.name}`);
      }
      this.byType.set(type, executor);
    }
    const missing = [...IMPLEMENTED_OPERATION_TYPES].filter((type) => !this.byType.has(type));
    if (missing.length > 0) this.logger.warn(`no executor for ${missing.join(', ')}: commands of these types fail`);
  }

  get(type: string): OperationExecutor | undefined {
    return this.byType.get(type);
  }
}
