package daedalus.sim;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import javax.management.openmbean.TabularData;

/** Cassandra 4.1: getSnapshotDetails(options) and upgradeSSTables with maxSSTableTimestamp arrive. */
public interface StorageService41 extends StorageServiceCommon {
    @Deprecated Map<String, String> getHostIdMap();
    Map<String, TabularData> getSnapshotDetails(Map<String, String> options);
    int upgradeSSTables(String keyspaceName, boolean excludeCurrentVersion, long maxSSTableTimestamp, int jobs, String... tableNames) throws IOException, ExecutionException, InterruptedException;
}
