package daedalus.sim;

import java.io.IOException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import javax.management.openmbean.TabularData;

/**
 * The part of Cassandra's StorageServiceMBean that 4.0, 4.1 and 5.0 share (same names and signatures as
 * the real interface). Version-specific additions live in StorageService40/41/50; a method a version lacks
 * is simply not in its interface, so JMX refuses it exactly as the real node does.
 */
public interface StorageServiceCommon {
    @Deprecated List<String> getLiveNodes();
    List<String> getLiveNodesWithPort();
    @Deprecated List<String> getUnreachableNodes();
    List<String> getUnreachableNodesWithPort();
    @Deprecated List<String> getJoiningNodes();
    List<String> getJoiningNodesWithPort();
    @Deprecated List<String> getLeavingNodes();
    List<String> getLeavingNodesWithPort();
    @Deprecated List<String> getMovingNodes();
    List<String> getMovingNodesWithPort();
    List<String> getTokens();
    List<String> getTokens(String endpoint) throws UnknownHostException;
    String getReleaseVersion();
    String getSchemaVersion();
    String getClusterName();
    String getLocalHostId();
    String getOperationMode();
    String[] getAllDataFileLocations();
    String getCommitLogLocation();
    String getSavedCachesLocation();
    @Deprecated Map<String, String> getTokenToEndpointMap();
    Map<String, String> getTokenToEndpointWithPortMap();
    @Deprecated Map<List<String>, List<String>> getRangeToEndpointMap(String keyspace);
    Map<List<String>, List<String>> getRangeToEndpointWithPortMap(String keyspace);
    @Deprecated Map<String, String> getEndpointToHostId();
    Map<String, String> getEndpointWithPortToHostId();
    @Deprecated Map<String, String> getHostIdToEndpoint();
    Map<String, String> getHostIdToEndpointWithPort();
    List<String> getKeyspaces();
    List<String> getNonSystemKeyspaces();
    List<String> getNonLocalStrategyKeyspaces();
    boolean isIncrementalBackupsEnabled();
    void setIncrementalBackupsEnabled(boolean value);
    boolean isDrained();
    boolean isDraining();
    boolean isJoined();
    boolean isStarting();
    boolean isInitialized();

    @Deprecated void takeSnapshot(String tag, String... keyspaceNames) throws IOException;
    @Deprecated void takeTableSnapshot(String keyspaceName, String tableName, String tag) throws IOException;
    @Deprecated void takeMultipleTableSnapshot(String tag, String... tableList) throws IOException;
    void takeSnapshot(String tag, Map<String, String> options, String... entities) throws IOException;
    void clearSnapshot(String tag, String... keyspaceNames) throws IOException;
    @Deprecated Map<String, TabularData> getSnapshotDetails();
    long trueSnapshotsSize();
    void refreshSizeEstimates() throws ExecutionException;
    void forceKeyspaceFlush(String keyspaceName, String... tableNames) throws IOException, ExecutionException, InterruptedException;
    void forceKeyspaceCompaction(boolean splitOutput, String keyspaceName, String... tableNames) throws IOException, ExecutionException, InterruptedException;
    @Deprecated int forceKeyspaceCleanup(String keyspaceName, String... tables) throws IOException, ExecutionException, InterruptedException;
    int forceKeyspaceCleanup(int jobs, String keyspaceName, String... tables) throws IOException, ExecutionException, InterruptedException;
    @Deprecated int scrub(boolean disableSnapshot, boolean skipCorrupted, boolean checkData, String keyspaceName, String... tableNames) throws IOException, ExecutionException, InterruptedException;
    @Deprecated int scrub(boolean disableSnapshot, boolean skipCorrupted, boolean checkData, int jobs, String keyspaceName, String... columnFamilies) throws IOException, ExecutionException, InterruptedException;
    int scrub(boolean disableSnapshot, boolean skipCorrupted, boolean checkData, boolean reinsertOverflowedTTL, int jobs, String keyspaceName, String... columnFamilies) throws IOException, ExecutionException, InterruptedException;
    @Deprecated int upgradeSSTables(String keyspaceName, boolean excludeCurrentVersion, String... tableNames) throws IOException, ExecutionException, InterruptedException;
    int upgradeSSTables(String keyspaceName, boolean excludeCurrentVersion, int jobs, String... tableNames) throws IOException, ExecutionException, InterruptedException;
    void decommission(boolean force) throws InterruptedException;
    void drain() throws IOException, InterruptedException, ExecutionException;
    void truncate(String keyspace, String table) throws TimeoutException, IOException;
    void rebuild(String sourceDc);
    void rebuild(String sourceDc, String keyspace, String tokens, String specificSources);
    @Deprecated void loadNewSSTables(String ksName, String tableName);
}
