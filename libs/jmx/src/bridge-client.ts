/**
 * JmxClient backed by the Java bridge (libs/jmx/java/JmxBridge.java). The JVM starts on the first call and
 * stays up; if it dies, calls in flight fail with kind 'bridge' and the next call starts a new one.
 */
import { BridgeCommand, BridgeLaunchOptions, resolveBridgeCommand } from './bridge-launch';
import { BridgeProcess, JmxLogger } from './bridge-process';
import {
  JmxArg,
  JmxCallOptions,
  JmxClient,
  JmxConnectionOptions,
  JmxError,
  JmxValue,
  MBeanAttributeInfo,
  MBeanDescription,
  MBeanOperationInfo,
} from './jmx-client';

export interface JmxBridgeClientOptions extends JmxConnectionOptions, BridgeLaunchOptions {
  /** Timeout of a call that does not set its own; includes starting the JVM. Default 30 s. */
  defaultTimeoutMs?: number;
  /** Bound for opening the JMX connection inside the bridge. Default 10 s. */
  connectTimeoutMs?: number;
  /** Receives the bridge's stderr (never secrets) and warnings. Default: warnings to the console. */
  logger?: JmxLogger;
  /** Replaces the java command entirely (tests run a fake bridge this way). */
  bridgeCommand?: BridgeCommand;
  /** Told of every call once it ended (metrics: latency and errors by call and MBean operation name). */
  onCall?: (call: JmxCallRecord) => void;
}

export interface JmxCallRecord {
  /** getAttribute, setAttribute, invoke, queryNames, describe, ping */
  call: string;
  /** the MBean operation or attribute name, or the call itself; never an object name (it may hold table names) */
  name: string;
  seconds: number;
  failed: boolean;
}

export interface JmxBridgePing {
  pong: boolean;
  /** Whether the bridge currently holds an open JMX connection. */
  connected: boolean;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Starting a JVM with the source launcher on a busy 2-core machine can take a few seconds. */
const CONFIGURE_TIMEOUT_MS = 30_000;

const quietLogger: JmxLogger = { log: () => undefined, warn: (message) => console.warn(message) };

export class JmxBridgeClient implements JmxClient {
  private readonly logger: JmxLogger;
  private readonly defaultTimeoutMs: number;
  private bridge?: BridgeProcess;
  private starting?: Promise<BridgeProcess>;
  private closed = false;
  private closing?: Promise<void>;

  constructor(private readonly options: JmxBridgeClientOptions = {}) {
    this.logger = options.logger ?? quietLogger;
    this.defaultTimeoutMs = options.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** PID of the running bridge JVM, if one is running. */
  get pid(): number | undefined {
    return this.bridge?.alive ? this.bridge.pid : undefined;
  }

  async getAttribute(objectName: string, attribute: string, options?: JmxCallOptions): Promise<JmxValue> {
    return this.call('getAttribute', { objectName, attribute }, `getAttribute ${objectName} ${attribute}`, options, attribute);
  }

  async setAttribute(objectName: string, attribute: string, value: JmxArg, options?: JmxCallOptions): Promise<void> {
    await this.call('setAttribute', { objectName, attribute, value }, `setAttribute ${objectName} ${attribute}`, options, attribute);
  }

  async invoke(objectName: string, operation: string, args: JmxArg[], options?: JmxCallOptions): Promise<JmxValue> {
    return this.call('invoke', { objectName, operation, args }, `invoke ${objectName} ${operation}`, options, operation);
  }

  async queryNames(pattern: string, options?: JmxCallOptions): Promise<string[]> {
    const names = await this.call('queryNames', { pattern }, `queryNames ${pattern}`, options);
    if (!Array.isArray(names) || !names.every((n): n is string => typeof n === 'string')) {
      throw new JmxError('bridge', `queryNames ${pattern}: the bridge answered something other than a list of names`);
    }
    return names;
  }

  async describe(objectName: string, options?: JmxCallOptions): Promise<MBeanDescription> {
    const info = await this.call('describe', { objectName }, `describe ${objectName}`, options);
    return toDescription(info, objectName);
  }

  /** Round trip to the bridge (starting it if needed) without touching JMX. */
  async ping(options?: JmxCallOptions): Promise<JmxBridgePing> {
    const answer = await this.call('ping', {}, 'ping', options);
    if (!isRecord(answer) || typeof answer.pong !== 'boolean' || typeof answer.connected !== 'boolean') {
      throw new JmxError('bridge', 'ping: unexpected answer from the bridge');
    }
    return { pong: answer.pong, connected: answer.connected };
  }

  /** Stops the bridge by PID and waits for it; calls in flight reject. The client cannot be used afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    // Every caller of close() waits for the same shutdown, also the second one.
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const starting = this.starting;
    if (starting) await starting.catch(() => undefined);
    const bridge = this.bridge;
    this.bridge = undefined;
    if (bridge) await bridge.kill();
  }

  private async call(
    op: string,
    params: Record<string, unknown>,
    label: string,
    callOptions: JmxCallOptions | undefined,
    /** the MBean operation or attribute name (a bounded set: those our code uses); never the object name */
    name = op,
  ): Promise<JmxValue> {
    const observe = this.options.onCall;
    if (!observe) return this.send(op, params, label, callOptions);
    const started = performance.now();
    let failed = false;
    try {
      return await this.send(op, params, label, callOptions);
    } catch (error) {
      failed = true;
      throw error;
    } finally {
      observe({ call: op, name, seconds: (performance.now() - started) / 1000, failed });
    }
  }

  private async send(
    op: string,
    params: Record<string, unknown>,
    label: string,
    callOptions: JmxCallOptions | undefined,
  ): Promise<JmxValue> {
    const timeoutMs = callOptions?.timeoutMs ?? this.defaultTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    const bridge = await withTimeout(this.ready(), timeoutMs, label);
    return bridge.request(op, params, Math.max(1, deadline - Date.now()), label);
  }

  private async ready(): Promise<BridgeProcess> {
    if (this.closed) throw new JmxError('bridge', 'the JMX client is closed');
    if (this.bridge?.alive) return this.bridge;
    if (!this.starting) {
      this.starting = this.start().finally(() => (this.starting = undefined));
    }
    return this.starting;
  }

  private async start(): Promise<BridgeProcess> {
    const command = this.options.bridgeCommand ?? resolveBridgeCommand(this.options, (m) => this.logger.warn(m));
    const bridge = await BridgeProcess.start(command, this.logger);
    void bridge.exited.then(() => {
      if (this.bridge === bridge) this.bridge = undefined;
    });
    try {
      await bridge.request('configure', { options: this.configureOptions() }, CONFIGURE_TIMEOUT_MS, 'configure');
    } catch (error) {
      await bridge.kill().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await bridge.kill();
      throw new JmxError('bridge', 'the JMX client is closed');
    }
    this.logger.log(`[jmx-bridge ${bridge.pid}] started (${command.command} ${command.args.at(-1) ?? ''})`);
    this.bridge = bridge;
    return bridge;
  }

  /** Connection settings only: launch options (java path, logger) stay on this side. */
  private configureOptions(): Record<string, unknown> {
    const o = this.options;
    return {
      serviceUrl: o.serviceUrl,
      host: o.host,
      port: o.port,
      username: o.username,
      password: o.password,
      ssl: o.ssl ?? false,
      trustStore: o.trustStore,
      trustStorePassword: o.trustStorePassword,
      keyStore: o.keyStore,
      keyStorePassword: o.keyStorePassword,
      connectTimeoutMs: o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    };
  }
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new JmxError('timeout', `${label} did not answer within ${timeoutMs} ms (bridge still starting)`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toDescription(info: JmxValue, objectName: string): MBeanDescription {
  const fail = (): never => {
    throw new JmxError('bridge', `describe ${objectName}: malformed MBean description from the bridge`);
  };
  if (!isRecord(info) || typeof info.objectName !== 'string' || typeof info.className !== 'string') return fail();
  if (!Array.isArray(info.attributes) || !Array.isArray(info.operations)) return fail();
  const attributes: MBeanAttributeInfo[] = info.attributes.map((a) => {
    if (!isRecord(a) || typeof a.name !== 'string' || typeof a.type !== 'string') return fail();
    if (typeof a.readable !== 'boolean' || typeof a.writable !== 'boolean') return fail();
    return { name: a.name, type: a.type, readable: a.readable, writable: a.writable };
  });
  const operations: MBeanOperationInfo[] = info.operations.map((o) => {
    if (!isRecord(o) || typeof o.name !== 'string' || typeof o.returnType !== 'string') return fail();
    const params = o.params;
    if (!Array.isArray(params) || !params.every((p): p is string => typeof p === 'string')) return fail();
    return { name: o.name, returnType: o.returnType, params };
  });
  return { objectName: info.objectName, className: info.className, attributes, operations };
}
