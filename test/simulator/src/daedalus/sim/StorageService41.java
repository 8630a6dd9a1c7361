package daedalus.sim;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import javax.management.openmbean.TabularData;

/** Cassandra 4.1: getSnapshotDetails(options) and upgradeSSTables with maxSSTableTimestamp arrive. */
public interface StorageService41 extends StorageServiceCommon {
    @Deprecated Map<String, String> getHostIdMap();
    /** The short scrub form: 4.0 and 4.1 keep it, 5.0.2 dropped it. */
    @Deprecated int scrub(boolean disableSnapshot, boolean skipCorrupted, String keyspaceName, String... tableNames) throws IOException, ExecutionException, InterruptedException;
    Map<String, TabularData> getSnapshotDetails(Map<String, String> options);
    int upgradeSSTables(String keyspaceName, boolean excludeCurrentVersion, long maxSSTableTimestamp, int jobs, String... tableNames) throws IOException, ExecutionException, InterruptedException;
}
