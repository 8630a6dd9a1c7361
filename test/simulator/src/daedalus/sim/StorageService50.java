package daedalus.sim;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import javax.management.openmbean.TabularData;

/** Cassandra 5.0: clearSnapshot with options and rebuild with excludeLocalDcNodes; HostIdMap is gone. */
public interface StorageService50 extends StorageServiceCommon {
    Map<String, TabularData> getSnapshotDetails(Map<String, String> options);
    int upgradeSSTables(String keyspaceName, boolean excludeCurrentVersion, long maxSSTableTimestamp, int jobs, String... tableNames) throws IOException, ExecutionException, InterruptedException;
    void clearSnapshot(Map<String, Object> options, String tag, String... keyspaceNames) throws IOException;
    void rebuild(String sourceDc, String keyspace, String tokens, String specificSources, boolean excludeLocalDcNodes);
}
