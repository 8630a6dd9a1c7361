package daedalus.sim;

import javax.management.ObjectName;

/**
 * Cassandra's CassandraMetricsRegistry.JmxGaugeMBean: every gauge metric (e.g. a table's LiveSSTableCount) is
 * served as an MBean with attribute `Value` (declared Object) and operation `objectName()`.
 */
public interface JmxGaugeMBean {
    Object getValue();
    ObjectName objectName();
}
