import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.Attribute;
import javax.management.AttributeNotFoundException;
import javax.management.InstanceNotFoundException;
import javax.management.IntrospectionException;
import javax.management.InvalidAttributeValueException;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanException;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.MBeanServerConnection;
import javax.management.MalformedObjectNameException;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.ReflectionException;
import javax.management.RuntimeErrorException;
import javax.management.RuntimeMBeanException;
import javax.management.RuntimeOperationsException;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import javax.management.remote.JMXConnectionNotification;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.rmi.ssl.SslRMIClientSocketFactory;

/**
 * JMX bridge for the node agent (Node has no JMX client). JDK only, one file, default package, so it also
 * runs with the source launcher. Protocol: one JSON request per line on stdin, one JSON response per line
 * on stdout, logs on stderr. The first request must be {"op":"configure"}: credentials arrive that way so
 * they never show up in the process list or the child's environment.
 *
 * Calls run on a pool so a long invoke (scrub, cleanup) does not hold up quick reads. The JMX connection is
 * opened on the first call and dropped when it breaks; reads retry once on a fresh connection, operations do
 * not (re-sending a snapshot or a decommission behind the caller's back is not safe).
 */
public final class JmxBridge {
  static final long DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
  static final int MAX_CONCURRENT_CALLS = 64;

  private final Output out;
  private final Redactor redactor = new Redactor();
  private final ThreadPoolExecutor pool;
  private volatile Connection connection;

  JmxBridge(Output out) {
    this.out = out;
    AtomicInteger threadNumber = new AtomicInteger();
    // Up to MAX_CONCURRENT_CALLS run at once (idle threads go away); a burst beyond that waits in the queue
    // rather than failing, and the caller's own timeout bounds the wait.
    this.pool = new ThreadPoolExecutor(MAX_CONCURRENT_CALLS, MAX_CONCURRENT_CALLS, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "jmx-call-" + threadNumber.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    this.pool.allowCoreThreadTimeOut(true);
  }

  public static void main(String[] args) throws IOException {
    PrintStream protocol = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
    // Anything the JDK prints on System.out would corrupt the protocol stream; send it to stderr instead.
    System.setOut(System.err);
    JmxBridge bridge = new JmxBridge(new Output(protocol));
    bridge.run(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
    // stdin closed: the parent is gone or done with us. Exit rather than linger as an orphan JVM.
    bridge.shutdown();
    System.exit(0);
  }

  void run(BufferedReader in) throws IOException {
    String line;
    while ((line = in.readLine()) != null) {
      if (!line.isBlank()) handleLine(line);
    }
    log("stdin closed; exiting");
  }

  void shutdown() {
    pool.shutdownNow();
    Connection c = connection;
    if (c != null) c.closeQuietly(1_000);
  }

  private void handleLine(String line) {
    Long id = null;
    try {
      Map<String, Object> request = Json.asObject(Json.parse(line), "request");
      Object rawId = request.get("id");
      if (!(rawId instanceof Long)) throw new BadRequest("request 'id' must be an integer");
      id = (Long) rawId;
      String op = Json.requiredString(request, "op");
      switch (op) {
        case "configure":
          configure(Json.asObject(request.get("options"), "options"));
          out.success(id, null);
          return;
        case "ping":
          Map<String, Object> pong = new LinkedHashMap<>();
          pong.put("pong", Boolean.TRUE);
          Connection c = connection;
          pong.put("connected", c != null && c.isConnected());
          out.success(id, pong);
          return;
        default:
          if (connection == null) throw new BadRequest("not configured: the first request must be 'configure'");
          Long callId = id;
          pool.execute(() -> answer(callId, op, request));
      }
    } catch (RejectedExecutionException e) {
      out.failure(id, new Failure("bridge", "the bridge is shutting down", null), redactor);
    } catch (Throwable t) {
      out.failure(id, Failure.of(t), redactor);
    }
  }

  private void answer(long id, String op, Map<String, Object> request) {
    try {
      out.success(id, execute(op, request));
    } catch (Throwable t) {
      Failure failure = Failure.of(t);
      if (failure.kind.equals("bridge")) log("call " + id + " (" + op + ") failed: " + t);
      out.failure(id, failure, redactor);
    }
  }

  private Object execute(String op, Map<String, Object> request) throws Exception {
    Connection c = connection;
    switch (op) {
      case "getAttribute": {
        ObjectName name = objectName(Json.requiredString(request, "objectName"));
        String attribute = Json.requiredString(request, "attribute");
        return Convert.toJson(c.read(server -> server.getAttribute(name, attribute)));
      }
      case "setAttribute": {
        ObjectName name = objectName(Json.requiredString(request, "objectName"));
        String attribute = Json.requiredString(request, "attribute");
        Object value = Convert.argument(Json.asObject(request.get("value"), "value"), "value");
        c.write(server -> {
          server.setAttribute(name, new Attribute(attribute, value));
          return null;
        });
        return null;
      }
      case "invoke": {
        ObjectName name = objectName(Json.requiredString(request, "objectName"));
        String operation = Json.requiredString(request, "operation");
        List<Object> rawArgs = Json.asArray(request.get("args"), "args");
        Object[] params = new Object[rawArgs.size()];
        String[] signature = new String[rawArgs.size()];
        for (int i = 0; i < params.length; i++) {
          Map<String, Object> arg = Json.asObject(rawArgs.get(i), "args[" + i + "]");
          signature[i] = Json.requiredString(arg, "type");
          params[i] = Convert.argument(arg, "args[" + i + "]");
        }
        return Convert.toJson(c.write(server -> server.invoke(name, operation, params, signature)));
      }
      case "queryNames": {
        Object pattern = request.get("pattern");
        ObjectName query = pattern == null ? null : objectName(Json.requiredString(request, "pattern"));
        Set<ObjectName> names = c.read(server -> server.queryNames(query, null));
        List<Object> sorted = new ArrayList<>();
        for (ObjectName n : names) sorted.add(n.toString());
        Collections.sort(sorted, (a, b) -> ((String) a).compareTo((String) b));
        return sorted;
      }
      case "describe": {
        ObjectName name = objectName(Json.requiredString(request, "objectName"));
        MBeanInfo info = c.read(server -> server.getMBeanInfo(name));
        return describe(name, info);
      }
      default:
        throw new BadRequest("unknown op '" + op + "'");
    }
  }

  private static Map<String, Object> describe(ObjectName name, MBeanInfo info) {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("objectName", name.toString());
    result.put("className", info.getClassName());
    List<Object> attributes = new ArrayList<>();
    for (MBeanAttributeInfo a : info.getAttributes()) {
      Map<String, Object> attribute = new LinkedHashMap<>();
      attribute.put("name", a.getName());
      attribute.put("type", a.getType());
      attribute.put("readable", a.isReadable());
      attribute.put("writable", a.isWritable());
      attributes.add(attribute);
    }
    List<Object> operations = new ArrayList<>();
    for (MBeanOperationInfo o : info.getOperations()) {
      Map<String, Object> operation = new LinkedHashMap<>();
      operation.put("name", o.getName());
      operation.put("returnType", o.getReturnType());
      List<Object> params = new ArrayList<>();
      for (MBeanParameterInfo p : o.getSignature()) params.add(p.getType());
      operation.put("params", params);
      operations.add(operation);
    }
    result.put("attributes", attributes);
    result.put("operations", operations);
    return result;
  }

  private static ObjectName objectName(String text) throws BadRequest {
    try {
      return new ObjectName(text);
    } catch (MalformedObjectNameException e) {
      throw new BadRequest("invalid ObjectName '" + text + "': " + e.getMessage());
    }
  }

  private synchronized void configure(Map<String, Object> options) throws Exception {
    if (connection != null) throw new BadRequest("already configured");
    String username = Json.optionalString(options, "username");
    String password = Json.optionalString(options, "password");
    String trustStorePassword = Json.optionalString(options, "trustStorePassword");
    String keyStorePassword = Json.optionalString(options, "keyStorePassword");
    redactor.add(password);
    redactor.add(trustStorePassword);
    redactor.add(keyStorePassword);

    JMXServiceURL url = serviceUrl(options);
    Map<String, Object> env = new HashMap<>();
    if (username != null || password != null) {
      env.put(JMXConnector.CREDENTIALS, new String[] {username == null ? "" : username, password == null ? "" : password});
    }
    boolean ssl = Boolean.TRUE.equals(options.get("ssl"));
    if (ssl) {
      SSLContext.setDefault(sslContext(
          Json.optionalString(options, "trustStore"), trustStorePassword,
          Json.optionalString(options, "keyStore"), keyStorePassword));
      // The registry lookup goes through JNDI, which needs to be told to speak TLS; the connection itself
      // uses the client socket factory the server exported.
      env.put("com.sun.jndi.rmi.factory.socket", new SslRMIClientSocketFactory());
    }
    Object timeout = options.get("connectTimeoutMs");
    long connectTimeoutMs = timeout instanceof Long && (Long) timeout > 0 ? (Long) timeout : DEFAULT_CONNECT_TIMEOUT_MS;
    connection = new Connection(url, env, connectTimeoutMs, this::log);
    log("configured for " + url + (ssl ? " (TLS)" : "") + (username != null ? " as user '" + username + "'" : ""));
  }

  private static JMXServiceURL serviceUrl(Map<String, Object> options) throws Exception {
    String serviceUrl = Json.optionalString(options, "serviceUrl");
    if (serviceUrl == null) {
      String host = Json.optionalString(options, "host");
      if (host == null) host = "127.0.0.1";
      if (host.contains(":") && !host.startsWith("[")) host = "[" + host + "]";
      Object port = options.get("port");
      long p = port == null ? 7199 : (port instanceof Long ? (Long) port : -1);
      if (p < 1 || p > 65535) throw new BadRequest("options.port must be an integer between 1 and 65535");
      serviceUrl = "service:jmx:rmi:///jndi/rmi://" + host + ":" + p + "/jmxrmi";
    }
    try {
      return new JMXServiceURL(serviceUrl);
    } catch (java.net.MalformedURLException e) {
      throw new BadRequest("invalid serviceUrl: " + e.getMessage());
    }
  }

  private static SSLContext sslContext(String trustStore, String trustStorePassword, String keyStore,
      String keyStorePassword) throws Exception {
    try {
      TrustManagerFactory tmf = null;
      if (trustStore != null) {
        tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(loadStore(trustStore, trustStorePassword));
      }
      KeyManagerFactory kmf = null;
      if (keyStore != null) {
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        char[] secret = keyStorePassword == null ? new char[0] : keyStorePassword.toCharArray();
        kmf.init(loadStore(keyStore, keyStorePassword), secret);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
      return context;
    } catch (IOException | java.security.GeneralSecurityException e) {
      // JDK messages here name files and formats, not passwords; still, keep them short and typed.
      throw new BadRequest("cannot set up TLS: " + e.getClass().getName() + ": " + e.getMessage());
    }
  }

  private static KeyStore loadStore(String path, String password) throws Exception {
    if (!Files.isReadable(Path.of(path))) throw new BadRequest("store file is not readable: " + path);
    // JDK 9+ detects JKS or PKCS12 from the file itself.
    return KeyStore.getInstance(Path.of(path).toFile(), password == null ? null : password.toCharArray());
  }

  void log(String message) {
    System.err.println("[jmx-bridge] " + redactor.redact(message));
    System.err.flush();
  }

  // ---------------------------------------------------------------------------------------------------
  /** The one JMX connection: opened lazily, dropped when it breaks, reopened by the next call. */
  static final class Connection {
    interface Call<T> {
      T run(MBeanServerConnection server) throws Exception;
    }

    interface Logger {
      void log(String message);
    }

    private final JMXServiceURL url;
    private final Map<String, Object> env;
    private final long connectTimeoutMs;
    private final Logger logger;
    private JMXConnector connector;
    private MBeanServerConnection server;

    Connection(JMXServiceURL url, Map<String, Object> env, long connectTimeoutMs, Logger logger) {
      this.url = url;
      this.env = env;
      this.connectTimeoutMs = connectTimeoutMs;
      this.logger = logger;
    }

    synchronized boolean isConnected() {
      return server != null;
    }

    /** Reads are safe to repeat: one retry on a fresh connection hides a node restart from the caller. */
    <T> T read(Call<T> call) throws Exception {
      MBeanServerConnection current = get();
      try {
        return call.run(current);
      } catch (IOException e) {
        if (!isConnectionLoss(e)) throw e;
        drop(current, e);
        return call.run(get());
      }
    }

    /** Writes and operations are never re-sent: the caller learns the connection broke and decides. */
    <T> T write(Call<T> call) throws Exception {
      MBeanServerConnection current = get();
      try {
        return call.run(current);
      } catch (IOException e) {
        if (isConnectionLoss(e)) drop(current, e);
        throw e;
      }
    }

    private synchronized MBeanServerConnection get() throws Exception {
      if (server != null) return server;
      long started = System.nanoTime();
      JMXConnector opened = connectWithTimeout();
      try {
        MBeanServerConnection mbsc = opened.getMBeanServerConnection();
        connector = opened;
        server = mbsc;
      } catch (IOException e) {
        closeInBackground(opened);
        throw e;
      }
      JMXConnector watched = opened;
      opened.addConnectionNotificationListener((Notification n, Object handback) -> {
        if (JMXConnectionNotification.FAILED.equals(n.getType()) || JMXConnectionNotification.CLOSED.equals(n.getType())) {
          dropConnector(watched, n.getType());
        }
      }, null, null);
      logger.log("connected to " + url + " in " + (System.nanoTime() - started) / 1_000_000 + " ms");
      return server;
    }

    private JMXConnector connectWithTimeout() throws Exception {
      AtomicBoolean abandoned = new AtomicBoolean();
      FutureTask<JMXConnector> task = new FutureTask<>(() -> {
        JMXConnector c = JMXConnectorFactory.connect(url, env);
        // A connect that finishes after we gave up must not leak a live connection.
        if (abandoned.get()) closeInBackground(c);
        return c;
      });
      Thread thread = new Thread(task, "jmx-connect");
      thread.setDaemon(true);
      thread.start();
      try {
        return task.get(connectTimeoutMs, TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        abandoned.set(true);
        thread.interrupt();
        throw new ConnectTimeoutException("connecting to " + url + " timed out after " + connectTimeoutMs + " ms");
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof Exception) throw (Exception) cause;
        throw e;
      }
    }

    private synchronized void drop(MBeanServerConnection stale, Exception reason) {
      if (server != stale) return; // another thread already replaced it
      logger.log("connection lost (" + reason.getClass().getName() + "); will reconnect on the next call");
      closeInBackground(connector);
      connector = null;
      server = null;
    }

    private synchronized void dropConnector(JMXConnector stale, String why) {
      if (connector != stale) return;
      logger.log("connection " + why + "; will reconnect on the next call");
      closeInBackground(connector);
      connector = null;
      server = null;
    }

    /** Waits outside the lock: closing fires a CLOSED notification whose listener takes the lock. */
    void closeQuietly(long waitMs) {
      JMXConnector c;
      synchronized (this) {
        c = connector;
        connector = null;
        server = null;
      }
      if (c == null) return;
      Thread t = closeInBackground(c);
      try {
        t.join(waitMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /** Closing a connector to a dead node can block on the network; never make a caller wait for it. */
    private static Thread closeInBackground(JMXConnector c) {
      Thread t = new Thread(() -> {
        try {
          c.close();
        } catch (Exception ignored) {
          // the connection is already unusable; nothing to report
        }
      }, "jmx-close");
      t.setDaemon(true);
      t.start();
      return t;
    }

    /**
     * An IOException from a call usually means the transport broke. The exception: a reply that arrived
     * fine but holds a class this JVM cannot load (a Cassandra-specific exception); that is the MBean's
     * answer, not a broken connection.
     */
    static boolean isConnectionLoss(IOException e) {
      return Failure.unknownRemoteClass(e) == null;
    }
  }

  static final class ConnectTimeoutException extends IOException {
    private static final long serialVersionUID = 1L;

    ConnectTimeoutException(String message) {
      super(message);
    }
  }

  static final class BadRequest extends Exception {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
      super(message);
    }
  }

  // ---------------------------------------------------------------------------------------------------
  /** Maps a Java failure to the error kinds of libs/jmx/src/jmx-client.ts (JmxErrorKind). */
  static final class Failure {
    final String kind;
    final String message;
    final String javaClass;

    Failure(String kind, String message, String javaClass) {
      this.kind = kind;
      this.message = message;
      this.javaClass = javaClass;
    }

    static Failure of(Throwable t) {
      if (t instanceof ExecutionException && t.getCause() != null) t = t.getCause();
      if (t instanceof BadRequest) return new Failure("bridge", t.getMessage(), null);
      if (t instanceof InstanceNotFoundException) return plain("not-found", t);
      if (t instanceof AttributeNotFoundException) return plain("signature", t);
      if (t instanceof InvalidAttributeValueException) return plain("signature", t);
      if (t instanceof IntrospectionException) return plain("remote", t);
      if (t instanceof ReflectionException) {
        Exception target = ((ReflectionException) t).getTargetException();
        if (target instanceof NoSuchMethodException) {
          return new Failure("signature", "no such operation or signature: " + target.getMessage(), target.getClass().getName());
        }
        if (mentionsNoSuchOperation(t)) return plain("signature", t);
        return remote(target, t);
      }
      if (t instanceof MBeanException) return remote(((MBeanException) t).getTargetException(), t);
      if (t instanceof RuntimeMBeanException) return remote(((RuntimeMBeanException) t).getTargetException(), t);
      if (t instanceof RuntimeErrorException) return remote(((RuntimeErrorException) t).getTargetError(), t);
      if (t instanceof RuntimeOperationsException) {
        // The MBean server refused the request itself (wrong argument types, null names): a signature problem.
        RuntimeException target = ((RuntimeOperationsException) t).getTargetException();
        return plain("signature", target != null ? target : t);
      }
      if (t instanceof SecurityException) return plain("auth", t);
      if (mentionsNoSuchOperation(t)) return plain("signature", t);
      if (t instanceof IOException) {
        String remoteClass = unknownRemoteClass((IOException) t);
        if (remoteClass != null) {
          return new Failure("remote", "the MBean threw " + remoteClass + ", a class the bridge cannot load", remoteClass);
        }
        return new Failure("connection", connectionMessage(t), rootCause(t).getClass().getName());
      }
      return plain("bridge", t);
    }

    /** Class name when an RMI reply could not be read because it holds a class unknown to this JVM. */
    static String unknownRemoteClass(IOException e) {
      if (!(e instanceof java.rmi.UnmarshalException)) return null;
      Throwable cause = e.getCause();
      if (!(cause instanceof ClassNotFoundException)) return null;
      String message = cause.getMessage() == null ? "" : cause.getMessage();
      int space = message.indexOf(' ');
      return space > 0 ? message.substring(0, space) : message;
    }

    private static Failure remote(Throwable target, Throwable wrapper) {
      Throwable source = target != null ? target : wrapper;
      return new Failure("remote", firstMessage(source), source.getClass().getName());
    }

    private static Failure plain(String kind, Throwable t) {
      return new Failure(kind, firstMessage(t), t.getClass().getName());
    }

    private static boolean mentionsNoSuchOperation(Throwable t) {
      for (Throwable c = t; c != null; c = c.getCause()) {
        if (c.getMessage() != null && c.getMessage().contains("No such operation")) return true;
        if (c.getCause() == c) break;
      }
      return false;
    }

    /** RMI wraps the useful part ("Connection refused") several levels deep; say both ends. */
    private static String connectionMessage(Throwable t) {
      Throwable root = rootCause(t);
      String top = t.getMessage() == null ? t.getClass().getName() : t.getMessage();
      int nested = top.indexOf("; nested exception is");
      if (nested > 0) top = top.substring(0, nested);
      int rootMark = top.indexOf(" [Root exception is");
      if (rootMark > 0) top = top.substring(0, rootMark);
      if (root == t || root.getMessage() == null) return top;
      return top + " (" + root.getClass().getName() + ": " + root.getMessage() + ")";
    }

    private static Throwable rootCause(Throwable t) {
      Throwable c = t;
      for (int i = 0; i < 20 && c.getCause() != null && c.getCause() != c; i++) c = c.getCause();
      // javax.naming exceptions keep their cause as "root cause"
      if (c instanceof javax.naming.NamingException && ((javax.naming.NamingException) c).getRootCause() != null) {
        return rootCause(((javax.naming.NamingException) c).getRootCause());
      }
      return c;
    }

    private static String firstMessage(Throwable t) {
      for (Throwable c = t; c != null; c = c.getCause()) {
        if (c.getMessage() != null && !c.getMessage().isEmpty()) return c.getMessage();
        if (c.getCause() == c) break;
      }
      return t.getClass().getName();
    }
  }

  /** Replaces every configured secret in text leaving the bridge, whatever JDK message carried it. */
  static final class Redactor {
    private final List<String> secrets = new ArrayList<>();

    synchronized void add(String secret) {
      if (secret != null && !secret.isEmpty()) secrets.add(secret);
    }

    synchronized String redact(String text) {
      if (text == null) return null;
      String result = text;
      for (String s : secrets) result = result.replace(s, "***");
      return result;
    }
  }

  // ---------------------------------------------------------------------------------------------------
  /** Serialised writes of response lines; each response is one line, flushed at once. */
  static final class Output {
    private final PrintStream stream;

    Output(PrintStream stream) {
      this.stream = stream;
    }

    void success(Long id, Object result) {
      Map<String, Object> message = new LinkedHashMap<>();
      message.put("id", id);
      message.put("ok", Boolean.TRUE);
      message.put("result", result);
      write(message);
    }

    void failure(Long id, Failure failure, Redactor redactor) {
      Map<String, Object> error = new LinkedHashMap<>();
      error.put("kind", failure.kind);
      error.put("message", redactor.redact(failure.message));
      if (failure.javaClass != null) error.put("javaClass", failure.javaClass);
      Map<String, Object> message = new LinkedHashMap<>();
      message.put("id", id);
      message.put("ok", Boolean.FALSE);
      message.put("error", error);
      write(message);
    }

    private void write(Map<String, Object> message) {
      String line = Json.write(message);
      synchronized (this) {
        stream.print(line);
        stream.print('\n');
        stream.flush();
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------
  /** Java values to JSON-ready values and back (the type names are those of a JMX signature). */
  static final class Convert {
    private static final int MAX_DEPTH = 32;

    static Object argument(Map<String, Object> arg, String where) throws BadRequest {
      String type = Json.requiredString(arg, "type");
      if (!arg.containsKey("value")) throw new BadRequest(where + ": missing 'value'");
      return toJava(type, arg.get("value"), where);
    }

    static Object toJava(String type, Object value, String where) throws BadRequest {
      boolean primitive = type.equals("boolean") || type.equals("int") || type.equals("long") || type.equals("double");
      if (value == null) {
        if (primitive) throw new BadRequest(where + ": " + type + " cannot be null");
        return null;
      }
      switch (type) {
        case "java.lang.String":
          return expect(value, String.class, type, where);
        case "boolean":
        case "java.lang.Boolean":
          return expect(value, Boolean.class, type, where);
        case "int":
        case "java.lang.Integer": {
          long v = integral(value, type, where);
          if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) throw new BadRequest(where + ": " + v + " is out of int range");
          return (int) v;
        }
        case "long":
        case "java.lang.Long":
          return integral(value, type, where);
        case "double":
        case "java.lang.Double":
          if (value instanceof Number) return ((Number) value).doubleValue();
          throw new BadRequest(where + ": expected a number for " + type);
        case "[Ljava.lang.String;": {
          List<String> items = stringList(value, type, where);
          return items.toArray(new String[0]);
        }
        case "java.util.List":
          return new ArrayList<>(stringList(value, type, where));
        case "java.util.Set":
          return new HashSet<>(stringList(value, type, where));
        case "java.util.Map": {
          if (!(value instanceof Map)) throw new BadRequest(where + ": expected an object for " + type);
          Map<String, Object> result = new HashMap<>();
          for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
            Object v = e.getValue();
            if (v != null && !(v instanceof String) && !(v instanceof Boolean) && !(v instanceof Long)) {
              throw new BadRequest(where + ": map values must be strings, booleans or integers");
            }
            result.put((String) e.getKey(), v);
          }
          return result;
        }
        default:
          throw new BadRequest(where + ": unsupported argument type '" + type + "'");
      }
    }

    private static Object expect(Object value, Class<?> cls, String type, String where) throws BadRequest {
      if (cls.isInstance(value)) return value;
      throw new BadRequest(where + ": expected " + cls.getSimpleName().toLowerCase() + " for " + type);
    }

    /** Longs travel as strings when they exceed what a JSON number holds exactly. */
    private static long integral(Object value, String type, String where) throws BadRequest {
      if (value instanceof Long) return (Long) value;
      if (value instanceof String) {
        try {
          return Long.parseLong((String) value);
        } catch (NumberFormatException e) {
          throw new BadRequest(where + ": '" + value + "' is not an integer");
        }
      }
      throw new BadRequest(where + ": expected an integer for " + type);
    }

    private static List<String> stringList(Object value, String type, String where) throws BadRequest {
      if (!(value instanceof List)) throw new BadRequest(where + ": expected an array for " + type);
      List<String> result = new ArrayList<>();
      for (Object item : (List<?>) value) {
        if (!(item instanceof String)) throw new BadRequest(where + ": " + type + " items must be strings");
        result.add((String) item);
      }
      return result;
    }

    static Object toJson(Object value) {
      return toJson(value, 0);
    }

    private static Object toJson(Object value, int depth) {
      if (value == null) return null;
      if (depth > MAX_DEPTH) return value.toString();
      if (value instanceof String || value instanceof Boolean) return value;
      if (value instanceof Character) return value.toString();
      if (value instanceof Byte || value instanceof Short || value instanceof Integer) return ((Number) value).longValue();
      if (value instanceof Long || value instanceof BigInteger || value instanceof BigDecimal) return value;
      if (value instanceof Float || value instanceof Double) return ((Number) value).doubleValue();
      if (value instanceof Enum) return ((Enum<?>) value).name();
      if (value instanceof CompositeData) {
        CompositeData data = (CompositeData) value;
        Map<String, Object> result = new LinkedHashMap<>();
        for (String key : new TreeSet<>(data.getCompositeType().keySet())) result.put(key, toJson(data.get(key), depth + 1));
        return result;
      }
      if (value instanceof TabularData) {
        List<Object> rows = new ArrayList<>();
        for (Object row : ((TabularData) value).values()) rows.add(toJson(row, depth + 1));
        return rows;
      }
      if (value instanceof Map) {
        Map<String, Object> result = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
          result.put(String.valueOf(e.getKey()), toJson(e.getValue(), depth + 1));
        }
        return result;
      }
      if (value instanceof Collection) {
        List<Object> result = new ArrayList<>();
        for (Object item : (Collection<?>) value) result.add(toJson(item, depth + 1));
        return result;
      }
      if (value.getClass().isArray()) {
        int length = Array.getLength(value);
        List<Object> result = new ArrayList<>(length);
        for (int i = 0; i < length; i++) result.add(toJson(Array.get(value, i), depth + 1));
        return result;
      }
      return value.toString();
    }
  }

  // ---------------------------------------------------------------------------------------------------
  /**
   * A small strict JSON reader and writer (RFC 8259): objects become LinkedHashMap, arrays ArrayList,
   * integers Long (BigInteger beyond), other numbers Double. Nothing lenient: a malformed request is refused.
   */
  static final class Json {
    private static final int MAX_NESTING = 64;
    /** Largest integer a JavaScript number holds exactly; larger ones are written as strings. */
    private static final long MAX_SAFE_INTEGER = 9_007_199_254_740_991L;

    private final String text;
    private int pos;

    private Json(String text) {
      this.text = text;
    }

    static Object parse(String text) throws BadRequest {
      Json reader = new Json(text);
      reader.skipWhitespace();
      Object value = reader.readValue(0);
      reader.skipWhitespace();
      if (reader.pos != text.length()) throw reader.error("unexpected text after the value");
      return value;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> asObject(Object value, String what) throws BadRequest {
      if (value instanceof Map) return (Map<String, Object>) value;
      throw new BadRequest("'" + what + "' must be a JSON object");
    }

    @SuppressWarnings("unchecked")
    static List<Object> asArray(Object value, String what) throws BadRequest {
      if (value instanceof List) return (List<Object>) value;
      throw new BadRequest("'" + what + "' must be a JSON array");
    }

    static String requiredString(Map<String, Object> object, String key) throws BadRequest {
      Object value = object.get(key);
      if (value instanceof String) return (String) value;
      throw new BadRequest("'" + key + "' must be a string");
    }

    static String optionalString(Map<String, Object> object, String key) throws BadRequest {
      Object value = object.get(key);
      if (value == null) return null;
      if (value instanceof String) return (String) value;
      throw new BadRequest("'" + key + "' must be a string");
    }

    private BadRequest error(String message) {
      return new BadRequest("invalid JSON at offset " + pos + ": " + message);
    }

    private void skipWhitespace() {
      while (pos < text.length()) {
        char c = text.charAt(pos);
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
        pos++;
      }
    }

    private Object readValue(int depth) throws BadRequest {
      if (depth > MAX_NESTING) throw error("nested too deeply");
      if (pos >= text.length()) throw error("unexpected end of input");
      char c = text.charAt(pos);
      switch (c) {
        case '{':
          return readObject(depth);
        case '[':
          return readArray(depth);
        case '"':
          return readString();
        case 't':
          return readLiteral("true", Boolean.TRUE);
        case 'f':
          return readLiteral("false", Boolean.FALSE);
        case 'n':
          return readLiteral("null", null);
        default:
          if (c == '-' || (c >= '0' && c <= '9')) return readNumber();
          throw error("unexpected character '" + c + "'");
      }
    }

    private Object readLiteral(String literal, Object value) throws BadRequest {
      if (!text.startsWith(literal, pos)) throw error("expected " + literal);
      pos += literal.length();
      return value;
    }

    private Map<String, Object> readObject(int depth) throws BadRequest {
      Map<String, Object> result = new LinkedHashMap<>();
      pos++;
      skipWhitespace();
      if (peek() == '}') {
        pos++;
        return result;
      }
      while (true) {
        skipWhitespace();
        if (peek() != '"') throw error("expected a string key");
        String key = readString();
        skipWhitespace();
        if (peek() != ':') throw error("expected ':'");
        pos++;
        skipWhitespace();
        if (result.containsKey(key)) throw error("duplicate key '" + key + "'");
        result.put(key, readValue(depth + 1));
        skipWhitespace();
        char c = peek();
        pos++;
        if (c == '}') return result;
        if (c != ',') throw error("expected ',' or '}'");
      }
    }

    private List<Object> readArray(int depth) throws BadRequest {
      List<Object> result = new ArrayList<>();
      pos++;
      skipWhitespace();
      if (peek() == ']') {
        pos++;
        return result;
      }
      while (true) {
        skipWhitespace();
        result.add(readValue(depth + 1));
        skipWhitespace();
        char c = peek();
        pos++;
        if (c == ']') return result;
        if (c != ',') throw error("expected ',' or ']'");
      }
    }

    private char peek() throws BadRequest {
      if (pos >= text.length()) throw error("unexpected end of input");
      return text.charAt(pos);
    }

    private String readString() throws BadRequest {
      StringBuilder sb = new StringBuilder();
      pos++; // opening quote
      while (true) {
        char c = peek();
        pos++;
        if (c == '"') return sb.toString();
        if (c < 0x20) throw error("control character in string");
        if (c != '\\') {
          sb.append(c);
          continue;
        }
        char e = peek();
        pos++;
        switch (e) {
          case '"': sb.append('"'); break;
          case '\\': sb.append('\\'); break;
          case '/': sb.append('/'); break;
          case 'b': sb.append('\b'); break;
          case 'f': sb.append('\f'); break;
          case 'n': sb.append('\n'); break;
          case 'r': sb.append('\r'); break;
          case 't': sb.append('\t'); break;
          case 'u': {
            if (pos + 4 > text.length()) throw error("truncated \\u escape");
            int code = 0;
            for (int i = 0; i < 4; i++) {
              int digit = Character.digit(text.charAt(pos + i), 16);
              if (digit < 0) throw error("invalid \\u escape");
              code = code * 16 + digit;
            }
            pos += 4;
            sb.append((char) code);
            break;
          }
          default:
            throw error("invalid escape '\\" + e + "'");
        }
      }
    }

    private Object readNumber() throws BadRequest {
      int start = pos;
      if (peekOr('\0') == '-') pos++;
      if (peekOr('\0') == '0') {
        pos++;
      } else if (isDigit(peekOr('\0'))) {
        while (isDigit(peekOr('\0'))) pos++;
      } else {
        throw error("invalid number");
      }
      boolean integral = true;
      if (peekOr('\0') == '.') {
        integral = false;
        pos++;
        if (!isDigit(peekOr('\0'))) throw error("invalid number");
        while (isDigit(peekOr('\0'))) pos++;
      }
      char e = peekOr('\0');
      if (e == 'e' || e == 'E') {
        integral = false;
        pos++;
        char sign = peekOr('\0');
        if (sign == '+' || sign == '-') pos++;
        if (!isDigit(peekOr('\0'))) throw error("invalid number");
        while (isDigit(peekOr('\0'))) pos++;
      }
      String number = text.substring(start, pos);
      if (!integral) return Double.parseDouble(number);
      BigInteger big = new BigInteger(number);
      return big.bitLength() < 64 ? (Object) big.longValue() : big;
    }

    private char peekOr(char fallback) {
      return pos < text.length() ? text.charAt(pos) : fallback;
    }

    private static boolean isDigit(char c) {
      return c >= '0' && c <= '9';
    }

    static String write(Object value) {
      StringBuilder sb = new StringBuilder();
      write(value, sb);
      return sb.toString();
    }

    private static void write(Object value, StringBuilder sb) {
      if (value == null) {
        sb.append("null");
      } else if (value instanceof String) {
        writeString((String) value, sb);
      } else if (value instanceof Boolean) {
        sb.append(value.toString());
      } else if (value instanceof Long) {
        long v = (Long) value;
        if (Math.abs(v) <= MAX_SAFE_INTEGER && v != Long.MIN_VALUE) sb.append(v);
        else writeString(Long.toString(v), sb);
      } else if (value instanceof BigInteger) {
        BigInteger v = (BigInteger) value;
        if (v.bitLength() < 53) sb.append(v);
        else writeString(v.toString(), sb);
      } else if (value instanceof BigDecimal) {
        writeString(((BigDecimal) value).toPlainString(), sb);
      } else if (value instanceof Double) {
        double d = (Double) value;
        // JSON has no NaN or Infinity; a string keeps the information.
        if (Double.isNaN(d) || Double.isInfinite(d)) writeString(Double.toString(d), sb);
        else sb.append(d);
      } else if (value instanceof Map) {
        sb.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
          if (!first) sb.append(',');
          first = false;
          writeString(String.valueOf(e.getKey()), sb);
          sb.append(':');
          write(e.getValue(), sb);
        }
        sb.append('}');
      } else if (value instanceof List) {
        sb.append('[');
        boolean first = true;
        for (Object item : (List<?>) value) {
          if (!first) sb.append(',');
          first = false;
          write(item, sb);
        }
        sb.append(']');
      } else {
        writeString(value.toString(), sb);
      }
    }

    private static void writeString(String s, StringBuilder sb) {
      sb.append('"');
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        switch (c) {
          case '"': sb.append("\\\""); break;
          case '\\': sb.append("\\\\"); break;
          case '\n': sb.append("\\n"); break;
          case '\r': sb.append("\\r"); break;
          case '\t': sb.append("\\t"); break;
          default:
            // Surrogates are escaped so a lone one survives the UTF-8 encoder instead of becoming '?'.
            if (c < 0x20 || Character.isSurrogate(c)) sb.append(String.format("\\u%04x", (int) c));
            else sb.append(c);
        }
      }
      sb.append('"');
    }
  }
}
