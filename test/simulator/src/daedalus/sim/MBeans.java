package daedalus.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.management.JMException;
import javax.management.MBeanInfo;
import javax.management.MBeanServer;
import javax.management.NotCompliantMBeanException;
import javax.management.ObjectName;
import javax.management.StandardMBean;

/**
 * Registers the simulator's MBeans. Each is a StandardMBean bound to the interface of the chosen Cassandra
 * version, so JMX itself refuses an operation or attribute that version does not have.
 */
final class MBeans {
    /** StandardMBean that reports Cassandra's implementation class name, as a real node's MBeanInfo does. */
    private static final class Named extends StandardMBean {
        private final String className;

        <T> Named(T impl, Class<T> iface, String className) throws NotCompliantMBeanException {
            super(impl, iface);
            this.className = className;
        }

        @Override
        protected String getClassName(MBeanInfo info) {
            return className;
        }
    }

    private final Node node;
    private final MBeanServer server;
    private final Map<java.util.UUID, TableImpl> tables = new ConcurrentHashMap<>();

    MBeans(Node node, MBeanServer server) {
        this.node = node;
        this.server = server;
    }

    void registerAll() throws JMException {
        StorageServiceImpl ss = new StorageServiceImpl(node);
        StandardMBean ssBean;
        switch (node.options.version) {
            case V40: ssBean = new Named(ss, StorageService40.class, "org.apache.cassandra.service.StorageService"); break;
            case V41: ssBean = new Named(ss, StorageService41.class, "org.apache.cassandra.service.StorageService"); break;
            default: ssBean = new Named(ss, StorageService50.class, "org.apache.cassandra.service.StorageService");
        }
        server.registerMBean(ssBean, new ObjectName("org.apache.cassandra.db:type=StorageService"));
        server.registerMBean(new Named(new EndpointSnitchInfo(node), EndpointSnitchInfoMBean.class,
            "org.apache.cassandra.locator.EndpointSnitchInfo"), new ObjectName("org.apache.cassandra.db:type=EndpointSnitchInfo"));
        server.registerMBean(new Named(new CompactionManager(node), CompactionManagerMBean.class,
            "org.apache.cassandra.db.compaction.CompactionManager"), new ObjectName("org.apache.cassandra.db:type=CompactionManager"));
        server.registerMBean(new Named(new SimulatorControl(node), SimulatorControlMBean.class,
            "daedalus.sim.SimulatorControl"), new ObjectName("daedalus.sim:type=Simulator"));
        for (TableStore store : node.stores.values()) registerTable(store);
    }

    private static ObjectName tableName(TableStore s) throws JMException {
        return new ObjectName("org.apache.cassandra.db:type=Tables,keyspace=" + s.def.keyspace + ",table=" + s.def.name);
    }

    private static ObjectName legacyName(TableStore s) throws JMException {
        return new ObjectName("org.apache.cassandra.db:type=ColumnFamilies,keyspace=" + s.def.keyspace + ",columnfamily=" + s.def.name);
    }

    /**
     * A table metric as Cassandra's TableMetrics registers it: `type=Table,keyspace=K,scope=T,name=N` and the
     * legacy alias `type=ColumnFamily,...`.
     */
    private static ObjectName[] metricNames(TableStore s, String metric) throws JMException {
        String rest = ",keyspace=" + s.def.keyspace + ",scope=" + s.def.name + ",name=" + metric;
        return new ObjectName[] {
            new ObjectName("org.apache.cassandra.metrics:type=Table" + rest),
            new ObjectName("org.apache.cassandra.metrics:type=ColumnFamily" + rest),
        };
    }

    void registerTable(TableStore store) {
        try {
            TableImpl impl = new TableImpl(node, store);
            tables.put(store.def.id, impl);
            for (ObjectName name : new ObjectName[] {tableName(store), legacyName(store)}) {
                if (server.isRegistered(name)) server.unregisterMBean(name);
                StandardMBean bean = node.options.version.is50()
                    ? new Named(impl, Table50.class, "org.apache.cassandra.db.ColumnFamilyStore")
                    : new Named(impl, Table4.class, "org.apache.cassandra.db.ColumnFamilyStore");
                server.registerMBean(bean, name);
            }
            for (ObjectName name : metricNames(store, "LiveSSTableCount")) {
                if (server.isRegistered(name)) server.unregisterMBean(name);
                // Gauge<Integer> in Cassandra: the JMX value is an Integer
                JmxGauge gauge = new JmxGauge(name, () -> store.live().size());
                server.registerMBean(new Named(gauge, JmxGaugeMBean.class, JmxGauge.CLASS_NAME), name);
            }
        } catch (JMException e) {
            throw new IllegalStateException(e);
        }
    }

    void unregisterTable(TableStore store) {
        try {
            tables.remove(store.def.id);
            List<ObjectName> names = new ArrayList<>(List.of(tableName(store), legacyName(store)));
            names.addAll(List.of(metricNames(store, "LiveSSTableCount")));
            for (ObjectName name : names) {
                if (server.isRegistered(name)) server.unregisterMBean(name);
            }
        } catch (JMException e) {
            throw new IllegalStateException(e);
        }
    }
}
