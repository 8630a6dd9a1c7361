package daedalus.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** org.apache.cassandra.db:type=CompactionManager: running compaction-like operations, and stopping them. */
final class CompactionManager implements CompactionManagerMBean {
    private final Node node;

    CompactionManager(Node node) {
        this.node = node;
    }

    @Override
    public List<Map<String, String>> getCompactions() {
        return node.operations.describe();
    }

    @Override
    public List<String> getCompactionSummary() {
        List<String> out = new ArrayList<>();
        for (Map<String, String> m : node.operations.describe()) {
            out.add(m.get("taskType") + "(" + m.get("id") + ", " + m.get("completed") + " / " + m.get("total") + ")" + m.get("unit"));
        }
        return out;
    }

    @Override
    public void stopCompaction(String type) {
        node.operations.stop(type);
    }

    @Override
    public void stopCompactionById(String compactionId) {
        node.operations.stopById(compactionId);
    }
}
