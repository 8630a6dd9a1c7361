package daedalus.sim;

import java.util.List;
import java.util.Map;

/** The part of org.apache.cassandra.db:type=CompactionManager used for progress and cancellation. */
public interface CompactionManagerMBean {
    List<Map<String, String>> getCompactions();
    List<String> getCompactionSummary();
    void stopCompaction(String type);
    void stopCompactionById(String compactionId);
}
