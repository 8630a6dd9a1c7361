/**
 * The contract between TypeScript and JMX. Node has no JMX client, so a small JDK-only Java program
 * (libs/jmx/java/JmxBridge.java) does the JMX work; this interface is what the rest of the code sees.
 * Values cross the bridge as JSON; see `JmxValue` for how Java types map.
 */

/**
 * A value as it crosses the bridge.
 * - String, numbers, booleans, null: as themselves (long values beyond 2^53 arrive as strings).
 * - arrays, List, Set: JSON arrays.
 * - Map<String, X>: JSON objects.
 * - CompositeData: an object of item name to value.
 * - TabularData: an array of row objects (each row a CompositeData).
 */
export type JmxValue = string | number | boolean | null | JmxValue[] | { [key: string]: JmxValue };

/** One argument of an operation call, with its Java signature type as JMX wants it. */
export interface JmxArg {
  /** e.g. 'java.lang.String', 'boolean', 'int', 'long', '[Ljava.lang.String;', 'java.util.Map', 'java.util.Set', 'java.util.List' */
  type: string;
  value: JmxValue;
}

export interface JmxConnectionOptions {
  /** Full JMX service URL; built from host and port when absent. */
  serviceUrl?: string;
  host?: string;
  port?: number;
  username?: string;
  password?: string;
  /** Use TLS for the RMI registry and connection (SslRMIClientSocketFactory). */
  ssl?: boolean;
  trustStore?: string;
  trustStorePassword?: string;
  keyStore?: string;
  keyStorePassword?: string;
}

export interface JmxCallOptions {
  /** Upper bound for this call; the promise rejects with a JmxError of kind 'timeout' after it. */
  timeoutMs?: number;
}

export interface MBeanOperationInfo {
  name: string;
  returnType: string;
  /** Parameter types in order, e.g. ['java.lang.String', '[Ljava.lang.String;'] */
  params: string[];
}

export interface MBeanAttributeInfo {
  name: string;
  type: string;
  readable: boolean;
  writable: boolean;
}

export interface MBeanDescription {
  objectName: string;
  className: string;
  attributes: MBeanAttributeInfo[];
  operations: MBeanOperationInfo[];
}

export type JmxErrorKind =
  /** cannot reach or lost the connection to the JMX endpoint (node down, restarting) */
  | 'connection'
  /** authentication refused */
  | 'auth'
  /** the call did not answer within its timeout */
  | 'timeout'
  /** no MBean with that ObjectName */
  | 'not-found'
  /** attribute or operation with that name and signature does not exist on the MBean */
  | 'signature'
  /** the MBean itself threw: the remote exception's class and message are in the error */
  | 'remote'
  /** the bridge process failed or answered something it should not */
  | 'bridge';

export class JmxError extends Error {
  constructor(
    readonly kind: JmxErrorKind,
    message: string,
    /** Java class of the root cause when there is one, e.g. 'java.io.IOException' */
    readonly javaClass?: string,
  ) {
    super(message);
    this.name = 'JmxError';
  }
}

export interface JmxClient {
  getAttribute(objectName: string, attribute: string, options?: JmxCallOptions): Promise<JmxValue>;
  setAttribute(objectName: string, attribute: string, value: JmxArg, options?: JmxCallOptions): Promise<void>;
  invoke(objectName: string, operation: string, args: JmxArg[], options?: JmxCallOptions): Promise<JmxValue>;
  /** ObjectNames matching a pattern such as 'org.apache.cassandra.db:type=Tables,*' */
  queryNames(pattern: string, options?: JmxCallOptions): Promise<string[]>;
  describe(objectName: string, options?: JmxCallOptions): Promise<MBeanDescription>;
  /** Stops the bridge process (by PID) and rejects calls still in flight. */
  close(): Promise<void>;
}
