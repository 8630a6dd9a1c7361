package daedalus.sim;

import java.util.function.Supplier;
import javax.management.ObjectName;

/** One gauge metric, read live at each `Value` read (class name reported as Cassandra's, see MBeans). */
final class JmxGauge implements JmxGaugeMBean {
    static final String CLASS_NAME = "org.apache.cassandra.metrics.CassandraMetricsRegistry$JmxGauge";
    private final ObjectName name;
    private final Supplier<Object> value;

    JmxGauge(ObjectName name, Supplier<Object> value) {
        this.name = name;
        this.value = value;
    }

    @Override
    public Object getValue() {
        return value.get();
    }

    @Override
    public ObjectName objectName() {
        return name;
    }
}
