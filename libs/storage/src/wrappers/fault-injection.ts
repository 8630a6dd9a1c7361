/**
 * Fault injection for tests of code that uses storage (this library's retry wrapper, backup, restore).
 * Rules pick calls — the Nth matching call, every Nth, or a seeded random fraction — and inject a
 * fault: an error before the call reaches the backend, an error after it succeeded (a lost answer),
 * a stream cut short (with an error, or a clean early end), or corrupted bytes. The random source is
 * seeded so a failing test run can be reproduced exactly.
 */
import { pipeline, Readable, Transform, TransformCallback } from 'node:stream';
import {
  EnsureBucketOptions,
  GetOptions,
  ListEntry,
  ListOptions,
  ObjectInfo,
  PutOptions,
  PutResult,
  PutSource,
  StorageBackend,
  openSource,
} from '../backend';
import { StorageError } from '../errors';
import { ForwardingBackend } from './forwarding';

export type FaultOperation = 'ensureBucket' | 'put' | 'get' | 'stat' | 'list' | 'delete';

export type FaultTrigger =
  /** The Nth call that matches the rule's operations (1-based). */
  | { nth: number }
  /** Every Nth matching call. */
  | { every: number }
  /** Each matching call with this probability, from the seeded generator. */
  | { probability: number };

export type Fault =
  /** 'before': the backend never sees the call. 'after': it does, but the caller gets an error. */
  | { type: 'error'; kind?: 'retryable' | 'permanent' | 'not-found'; when?: 'before' | 'after' }
  /** Cut the get stream (or the put source) after `afterBytes`: with an error, or a clean early end. */
  | { type: 'cut'; afterBytes?: number; mode?: 'error' | 'truncate' }
  /** Flip the byte at `atByte` of the get stream (or put source). */
  | { type: 'corrupt'; atByte?: number };

export interface FaultRule {
  operations?: FaultOperation[];
  trigger: FaultTrigger;
  fault: Fault;
}

export interface FaultInjectionOptions {
  seed?: number;
  rules: FaultRule[];
}

export interface InjectedFault {
  call: number;
  operation: FaultOperation;
  key?: string;
  fault: Fault['type'];
}

/** A small, fast, seedable PRNG (mulberry32); returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultInjectingBackend extends ForwardingBackend {
  private readonly random: () => number;
  private readonly rules: FaultRule[];
  private readonly matched: number[];
  /** Calls seen, per operation. */
  readonly calls: Record<FaultOperation, number> = { ensureBucket: 0, put: 0, get: 0, stat: 0, list: 0, delete: 0 };
  /** Every fault injected, in order. */
  readonly injected: InjectedFault[] = [];

  constructor(inner: StorageBackend, options: FaultInjectionOptions) {
    super(inner);
    this.random = seededRandom(options.seed ?? 1);
    this.rules = options.rules;
    this.matched = options.rules.map(() => 0);
  }

  get totalCalls(): number {
    return Object.values(this.calls).reduce((a, b) => a + b, 0);
  }

  count(type?: Fault['type'], operation?: FaultOperation): number {
    return this.injected.filter((f) => (!type || f.fault === type) && (!operation || f.operation === operation)).length;
  }

  override async ensureBucket(options: EnsureBucketOptions): Promise<void> {
    const fault = this.pick('ensureBucket');
    await this.errorBefore(fault, 'ensureBucket');
    await this.inner.ensureBucket(options);
    this.errorAfter(fault, 'ensureBucket');
  }

  override async put(key: string, source: PutSource, options?: PutOptions): Promise<PutResult> {
    const fault = this.pick('put', key);
    await this.errorBefore(fault, 'put', key);
    let effective = source;
    if (fault && fault.type !== 'error') {
      const wrap = (): Readable => this.damage(openSource(source), fault, 'put', key);
      effective = typeof source === 'function' ? wrap : wrap();
    }
    // a damaged source must reach the provider: it may not copy the intact local file instead
    const result = await this.inner.put(key, effective, effective === source ? options : { ...options, localFile: undefined });
    this.errorAfter(fault, 'put', key);
    return result;
  }

  override async get(key: string, options?: GetOptions): Promise<Readable> {
    const fault = this.pick('get', key);
    await this.errorBefore(fault, 'get', key);
    const stream = await this.inner.get(key, options);
    if (fault?.type === 'error' && fault.when === 'after') {
      stream.destroy();
      this.errorAfter(fault, 'get', key);
    }
    return fault && fault.type !== 'error' ? this.damage(stream, fault, 'get', key) : stream;
  }

  override async stat(key: string): Promise<ObjectInfo | undefined> {
    const fault = this.pick('stat', key);
    await this.errorBefore(fault, 'stat', key);
    const info = await this.inner.stat(key);
    this.errorAfter(fault, 'stat', key);
    return info;
  }

  override async *list(prefix: string, options?: ListOptions): AsyncIterable<ListEntry> {
    const fault = this.pick('list');
    await this.errorBefore(fault, 'list');
    let yielded = 0;
    for await (const entry of this.inner.list(prefix, options)) {
      yield entry;
      yielded += 1;
      // 'after' on a list: fail midway, once some entries were delivered.
      if (yielded === 1) this.errorAfter(fault, 'list');
    }
    if (yielded === 0) this.errorAfter(fault, 'list');
  }

  override async delete(key: string): Promise<void> {
    const fault = this.pick('delete', key);
    await this.errorBefore(fault, 'delete', key);
    await this.inner.delete(key);
    this.errorAfter(fault, 'delete', key);
  }

  /** Counts the call and returns the fault of the first rule that fires for it. */
  private pick(operation: FaultOperation, key?: string): Fault | undefined {
    this.calls[operation] += 1;
    let chosen: Fault | undefined;
    this.rules.forEach((rule, index) => {
      if (rule.operations && !rule.operations.includes(operation)) return;
      this.matched[index] += 1;
      const n = this.matched[index];
      const trigger = rule.trigger;
      // Draw for every matching call so the sequence does not depend on which rule fired first.
      const fires =
        'nth' in trigger ? n === trigger.nth : 'every' in trigger ? n % trigger.every === 0 : this.random() < trigger.probability;
      if (fires && !chosen) chosen = rule.fault;
    });
    if (chosen) this.injected.push({ call: this.totalCalls, operation, key, fault: chosen.type });
    return chosen;
  }

  private async errorBefore(fault: Fault | undefined, operation: FaultOperation, key?: string): Promise<void> {
    if (fault?.type === 'error' && fault.when !== 'after') throw this.injectedError(fault.kind ?? 'retryable', operation, key);
  }

  private errorAfter(fault: Fault | undefined, operation: FaultOperation, key?: string): void {
    if (fault?.type === 'error' && fault.when === 'after') throw this.injectedError(fault.kind ?? 'retryable', operation, key);
  }

  private injectedError(kind: 'retryable' | 'permanent' | 'not-found', operation: FaultOperation, key?: string): StorageError {
    return new StorageError(kind, `injected ${kind} fault in ${operation}${key ? ` ${JSON.stringify(key)}` : ''}`, {
      provider: this.inner.capabilities.provider,
      key,
      operation,
      code: 'injected-fault',
    });
  }

  private damage(stream: Readable, fault: Exclude<Fault, { type: 'error' }>, operation: 'put' | 'get', key: string): Readable {
    const damaged =
      fault.type === 'cut'
        ? new CutStream(fault.afterBytes ?? 1, fault.mode ?? 'error', () => this.injectedError('retryable', operation, key))
        : new CorruptStream(fault.atByte ?? 0);
    pipeline(stream, damaged, () => undefined);
    return damaged;
  }
}

/** Ends (or fails) the stream once `limit` bytes went through. */
class CutStream extends Transform {
  private passed = 0;
  private failing = false;

  constructor(
    private readonly limit: number,
    private readonly mode: 'error' | 'truncate',
    private readonly makeError: () => Error,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.passed >= this.limit) {
      callback();
      return;
    }
    const room = this.limit - this.passed;
    this.passed += Math.min(room, chunk.length);
    if (chunk.length < room) {
      callback(null, chunk);
      return;
    }
    this.push(chunk.subarray(0, room));
    if (this.mode === 'error') {
      this.failing = true;
      callback();
      this.failOnceDelivered();
    } else {
      this.push(null);
      callback();
    }
  }

  override _flush(callback: TransformCallback): void {
    // A cut-with-error stream must never end cleanly; failOnceDelivered destroys it instead.
    if (!this.failing) callback();
  }

  /**
   * Destroying at once would drop bytes still buffered for the reader; a real broken connection
   * delivers what arrived before it broke. So fail only once the reader has taken everything.
   */
  private failOnceDelivered(): void {
    if (this.destroyed) return;
    if (this.readableLength === 0) {
      this.destroy(this.makeError());
      return;
    }
    setTimeout(() => this.failOnceDelivered(), 2).unref();
  }
}

/** Flips every bit of one byte. */
class CorruptStream extends Transform {
  private offset = 0;

  constructor(private readonly atByte: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const index = this.atByte - this.offset;
    this.offset += chunk.length;
    if (index >= 0 && index < chunk.length) {
      const copy = Buffer.from(chunk);
      copy[index] ^= 0xff;
      callback(null, copy);
      return;
    }
    callback(null, chunk);
  }
}

export function withFaults(inner: StorageBackend, options: FaultInjectionOptions): FaultInjectingBackend {
  return new FaultInjectingBackend(inner, options);
}
