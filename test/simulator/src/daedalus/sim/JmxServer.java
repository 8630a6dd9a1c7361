package daedalus.sim;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.RMIClientSocketFactory;
import java.rmi.server.RMIServerSocketFactory;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import javax.management.MBeanServer;
import javax.management.remote.JMXAuthenticator;
import javax.management.remote.JMXPrincipal;
import javax.management.remote.JMXServiceURL;
import javax.management.remote.rmi.RMIConnectorServer;
import javax.management.remote.rmi.RMIJRMPServerImpl;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.rmi.ssl.SslRMIClientSocketFactory;
import javax.security.auth.Subject;

/**
 * A real JMX RMI connector on 127.0.0.1: registry and connector share the port (service URL
 * `service:jmx:rmi:///jndi/rmi://127.0.0.1:P/jmxrmi`), optional password-file authentication and TLS for
 * both the registry and the connection, as Cassandra configures them.
 */
final class JmxServer {
    /** Server sockets bound to loopback only; one instance per server so registry and connector share the port. */
    private static final class LoopbackServerSockets implements RMIServerSocketFactory {
        private final SSLContext ssl;

        LoopbackServerSockets(SSLContext ssl) {
            this.ssl = ssl;
        }

        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            InetAddress loopback = InetAddress.getByName("127.0.0.1");
            if (ssl == null) return new ServerSocket(port, 50, loopback);
            return ssl.getServerSocketFactory().createServerSocket(port, 50, loopback);
        }
    }

    /** jmxremote.password format: `user password` per line, `#` comments; read at each login. */
    private static final class PasswordFileAuthenticator implements JMXAuthenticator {
        private final Path file;

        PasswordFileAuthenticator(Path file) {
            this.file = file;
        }

        @Override
        public Subject authenticate(Object credentials) {
            if (!(credentials instanceof String[]) || ((String[]) credentials).length != 2) {
                throw new SecurityException("Authentication failed! Credentials required");
            }
            String user = ((String[]) credentials)[0];
            String password = ((String[]) credentials)[1];
            try {
                for (String line : Files.readAllLines(file)) {
                    String l = line.trim();
                    if (l.isEmpty() || l.startsWith("#")) continue;
                    String[] parts = l.split("\\s+", 2);
                    if (parts.length == 2 && parts[0].equals(user) && password != null
                        && MessageDigest.isEqual(parts[1].getBytes(), password.getBytes())) {
                        return new Subject(true, Set.of(new JMXPrincipal(user)), Set.of(), Set.of());
                    }
                }
            } catch (IOException e) {
                throw new SecurityException("Authentication failed! could not read the password file");
            }
            throw new SecurityException("Authentication failed! Invalid username or password");
        }
    }

    private JmxServer() {}

    static RMIConnectorServer start(Options o, MBeanServer mbs) throws Exception {
        System.setProperty("java.rmi.server.hostname", "127.0.0.1");
        SSLContext ssl = o.jmxSsl ? sslContext(o.keystore, o.keystorePassword) : null;
        RMIServerSocketFactory ssf = new LoopbackServerSockets(ssl);
        RMIClientSocketFactory csf = ssl == null ? null : new SslRMIClientSocketFactory();
        Map<String, Object> env = new HashMap<>();
        if (o.jmxPasswordFile != null) env.put(JMXConnectorServerEnv.AUTHENTICATOR, new PasswordFileAuthenticator(o.jmxPasswordFile));
        if (ssl != null) {
            env.put(RMIConnectorServer.RMI_CLIENT_SOCKET_FACTORY_ATTRIBUTE, csf);
            env.put(RMIConnectorServer.RMI_SERVER_SOCKET_FACTORY_ATTRIBUTE, ssf);
        }
        Registry registry = LocateRegistry.createRegistry(o.jmxPort, csf, ssf);
        RMIJRMPServerImpl impl = new RMIJRMPServerImpl(o.jmxPort, csf, ssf, env);
        RMIConnectorServer server = new RMIConnectorServer(
            new JMXServiceURL("service:jmx:rmi://127.0.0.1:" + o.jmxPort), env, impl, mbs);
        server.start();
        registry.bind("jmxrmi", impl.toStub());
        return server;
    }

    private static SSLContext sslContext(Path keystore, String password) throws Exception {
        KeyStore ks;
        try (InputStream ignored = Files.newInputStream(keystore)) {
            ks = KeyStore.getInstance(keystore.toFile(), password.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password.toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    private static final class JMXConnectorServerEnv {
        static final String AUTHENTICATOR = javax.management.remote.JMXConnectorServer.AUTHENTICATOR;
    }
}
