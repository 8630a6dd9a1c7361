package daedalus.sim;

import java.lang.management.ManagementFactory;
import javax.management.MBeanServer;

/**
 * Entry point: `java -cp dist/java/simulator daedalus.sim.CassandraSimulator --version 4.1 --home DIR ...`.
 * Prints exactly one line on stdout, `SIMULATOR READY hostId=<uuid> jmx=127.0.0.1:<port> address=<addr>`,
 * once JMX is up; everything else goes to stderr.
 */
public final class CassandraSimulator {
    private CassandraSimulator() {}

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        preloadClasses();
        Node node = new Node(options);
        try {
            node.start();
            MBeanServer mbs = ManagementFactory.getPlatformMBeanServer();
            node.mbeans = new MBeans(node, mbs);
            node.mbeans.registerAll();
            JmxServer.start(options, mbs);
        } catch (Exception e) {
            System.err.println("error: could not start: " + e);
            e.printStackTrace();
            System.exit(1);
            return;
        }
        node.markNormal();
        node.startBackground();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(node), "shutdown"));
        System.out.println("SIMULATOR READY hostId=" + node.identity.hostId + " jmx=127.0.0.1:" + options.jmxPort
            + " address=" + options.address);
        System.out.flush();
        Thread.currentThread().join();
    }

    /**
     * Loads every class of the simulator now: tests may recompile dist/java/simulator while simulators run,
     * and a class loaded lazily after that could be missing or newer than its neighbours.
     */
    private static void preloadClasses() {
        try {
            java.nio.file.Path dir = java.nio.file.Path.of(CassandraSimulator.class.getProtectionDomain()
                .getCodeSource().getLocation().toURI()).resolve("daedalus/sim");
            try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(dir)) {
                for (java.nio.file.Path f : (Iterable<java.nio.file.Path>) files::iterator) {
                    String name = f.getFileName().toString();
                    if (name.endsWith(".class")) Class.forName("daedalus.sim." + name.substring(0, name.length() - 6));
                }
            }
        } catch (Exception | LinkageError e) {
            System.err.println("could not preload simulator classes: " + e);
        }
    }

    /** A clean stop (SIGTERM) drains like Cassandra's shutdown hook: memtables flushed, peers told. */
    private static void shutdown(Node node) {
        try {
            String mode = node.mode();
            if (mode.equals("NORMAL") || mode.equals("LEAVING") || mode.equals("JOINING")) {
                node.flushAll();
                node.commitLog.closeActive();
                node.commitLog.awaitArchiving(5_000);
                node.commitLog.deleteClean();
            }
            if (!mode.equals("DECOMMISSIONED")) node.membership.publish("SHUTDOWN");
        } catch (RuntimeException e) {
            System.err.println("shutdown: " + e);
        }
    }
}
