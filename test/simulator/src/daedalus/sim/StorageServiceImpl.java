package daedalus.sim;

import java.io.IOException;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import javax.management.openmbean.TabularData;

/** org.apache.cassandra.db:type=StorageService; exposed through the interface of the chosen version only. */
final class StorageServiceImpl implements StorageService40, StorageService41, StorageService50 {
    private final Node node;

    StorageServiceImpl(Node node) {
        this.node = node;
    }

    // ---------------------------------------------------------------- ring

    private List<String> nodes(boolean withPort, java.util.function.Predicate<ClusterMembership.Peer> filter) {
        List<String> out = new ArrayList<>();
        for (ClusterMembership.Peer p : node.membership.ring()) {
            if (filter.test(p)) out.add(withPort ? p.endpointWithPort() : p.address);
        }
        out.sort(null);
        return out;
    }

    private boolean up(ClusterMembership.Peer p) {
        return node.membership.isUp(p);
    }

    @Override public List<String> getLiveNodes() { return nodes(false, this::up); }
    @Override public List<String> getLiveNodesWithPort() { return nodes(true, this::up); }
    @Override public List<String> getUnreachableNodes() { return nodes(false, p -> !up(p)); }
    @Override public List<String> getUnreachableNodesWithPort() { return nodes(true, p -> !up(p)); }
    @Override public List<String> getJoiningNodes() { return nodes(false, p -> "JOINING".equals(p.state) && !node.membership.isSelf(p)); }
    @Override public List<String> getJoiningNodesWithPort() { return nodes(true, p -> "JOINING".equals(p.state) && !node.membership.isSelf(p)); }
    @Override public List<String> getLeavingNodes() { return nodes(false, p -> "LEAVING".equals(stateOf(p))); }
    @Override public List<String> getLeavingNodesWithPort() { return nodes(true, p -> "LEAVING".equals(stateOf(p))); }
    @Override public List<String> getMovingNodes() { return new ArrayList<>(); }
    @Override public List<String> getMovingNodesWithPort() { return new ArrayList<>(); }

    private String stateOf(ClusterMembership.Peer p) {
        return node.membership.isSelf(p) ? node.mode() : p.state;
    }

    @Override
    public List<String> getTokens() {
        List<String> out = new ArrayList<>();
        for (Long t : node.identity.tokens) out.add(t.toString());
        return out;
    }

    @Override
    public List<String> getTokens(String endpoint) throws UnknownHostException {
        String address = endpoint.startsWith("/") ? endpoint.substring(1) : endpoint;
        if (address.contains(":")) address = address.substring(0, address.lastIndexOf(':'));
        for (ClusterMembership.Peer p : node.membership.ring()) {
            if (p.address.equals(address)) {
                List<String> out = new ArrayList<>();
                for (Long t : p.tokens) out.add(t.toString());
                return out;
            }
        }
        throw new UnknownHostException(endpoint + " is not a member of the ring");
    }

    @Override public String getReleaseVersion() { return node.options.version.releaseVersion; }
    @Override public String getSchemaVersion() { return node.schema().version.toString(); }
    @Override public String getClusterName() { return node.options.clusterName; }
    @Override public String getLocalHostId() { return node.identity.hostId.toString(); }
    @Override public String getOperationMode() { return node.mode(); }

    @Override
    public String[] getAllDataFileLocations() {
        String[] out = new String[node.options.dataDirs.size()];
        for (int i = 0; i < out.length; i++) out[i] = node.options.dataDirs.get(i).toString();
        return out;
    }

    @Override public String getCommitLogLocation() { return node.home.resolve("data/commitlog").toString(); }
    @Override public String getSavedCachesLocation() { return node.home.resolve("data/saved_caches").toString(); }

    private Map<String, String> tokenMap(boolean withPort) {
        TreeMap<Long, String> sorted = new TreeMap<>();
        for (ClusterMembership.Peer p : node.membership.ring()) {
            for (Long t : p.tokens) sorted.put(t, withPort ? p.endpointWithPort() : p.address);
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<Long, String> e : sorted.entrySet()) out.put(e.getKey().toString(), e.getValue());
        return out;
    }

    @Override public Map<String, String> getTokenToEndpointMap() { return tokenMap(false); }
    @Override public Map<String, String> getTokenToEndpointWithPortMap() { return tokenMap(true); }

    private Map<String, String> endpointToHostId(boolean withPort) {
        Map<String, String> out = new TreeMap<>();
        for (ClusterMembership.Peer p : node.membership.ring()) {
            out.put(withPort ? p.endpointWithPort() : p.address, p.hostId.toString());
        }
        return out;
    }

    private Map<String, String> hostIdToEndpoint(boolean withPort) {
        Map<String, String> out = new TreeMap<>();
        for (ClusterMembership.Peer p : node.membership.ring()) {
            out.put(p.hostId.toString(), withPort ? p.endpointWithPort() : p.address);
        }
        return out;
    }

    @Override public Map<String, String> getEndpointToHostId() { return endpointToHostId(false); }
    @Override public Map<String, String> getEndpointWithPortToHostId() { return endpointToHostId(true); }
    @Override public Map<String, String> getHostIdToEndpoint() { return hostIdToEndpoint(false); }
    @Override public Map<String, String> getHostIdToEndpointWithPort() { return hostIdToEndpoint(true); }
    @Override public Map<String, String> getHostIdMap() { return endpointToHostId(false); }

    /**
     * Each token range of the keyspace, [start, end], to its replicas in ring order, as Cassandra's
     * getRangeToAddressMap: down nodes stay replicas (they are still in the ring), departed ones are gone.
     */
    private Map<List<String>, List<String>> rangeToEndpoints(String keyspace, boolean withPort) {
        Schema.Keyspace ks = node.schema().keyspaces.get(keyspace);
        // Keyspace.open's assertion (Cassandra runs with -ea)
        if (ks == null) throw new AssertionError("Unknown keyspace " + keyspace);
        Map<List<String>, List<String>> out = new java.util.HashMap<>();
        for (Map.Entry<List<String>, List<ClusterMembership.Peer>> e : Ring.ranges(node.membership.ring(), ks).entrySet()) {
            List<String> endpoints = new ArrayList<>();
            for (ClusterMembership.Peer p : e.getValue()) endpoints.add(withPort ? p.endpointWithPort() : p.address);
            out.put(new ArrayList<>(e.getKey()), endpoints);
        }
        return out;
    }

    @Override public Map<List<String>, List<String>> getRangeToEndpointMap(String keyspace) { return rangeToEndpoints(keyspace, false); }
    @Override public Map<List<String>, List<String>> getRangeToEndpointWithPortMap(String keyspace) { return rangeToEndpoints(keyspace, true); }

    @Override
    public List<String> getKeyspaces() {
        return new ArrayList<>(node.schema().keyspaces.keySet());
    }

    /** Like Cassandra: only the local system keyspaces count as system here; system_auth & co. are listed. */
    @Override
    public List<String> getNonSystemKeyspaces() {
        List<String> out = new ArrayList<>();
        for (Schema.Keyspace ks : node.schema().keyspaces.values()) if (!ks.localSystem()) out.add(ks.name);
        return out;
    }

    @Override
    public List<String> getNonLocalStrategyKeyspaces() {
        return getNonSystemKeyspaces();
    }

    @Override public boolean isIncrementalBackupsEnabled() { return node.incrementalBackups(); }
    @Override public void setIncrementalBackupsEnabled(boolean value) { node.setIncrementalBackups(value); }
    @Override public boolean isDrained() { return node.mode().equals("DRAINED"); }
    @Override public boolean isDraining() { return node.mode().equals("DRAINING"); }
    @Override public boolean isJoined() { return !node.mode().equals("DECOMMISSIONED") && !node.mode().equals("STARTING"); }
    @Override public boolean isStarting() { return node.mode().equals("STARTING"); }
    @Override public boolean isInitialized() { return !node.mode().equals("STARTING"); }

    // ---------------------------------------------------------------- snapshots

    @Override
    public void takeSnapshot(String tag, String... keyspaceNames) throws IOException {
        node.snapshots.take(tag, Map.of(), keyspaceNames);
    }

    @Override
    public void takeTableSnapshot(String keyspaceName, String tableName, String tag) throws IOException {
        node.snapshots.take(tag, Map.of(), keyspaceName + "." + tableName);
    }

    @Override
    public void takeMultipleTableSnapshot(String tag, String... tableList) throws IOException {
        node.snapshots.take(tag, Map.of(), tableList);
    }

    @Override
    public void takeSnapshot(String tag, Map<String, String> options, String... entities) throws IOException {
        node.snapshots.take(tag, options, entities);
    }

    @Override
    public void clearSnapshot(String tag, String... keyspaceNames) throws IOException {
        node.snapshots.clear(tag, keyspaceNames, null);
    }

    @Override
    public void clearSnapshot(Map<String, Object> options, String tag, String... keyspaceNames) throws IOException {
        node.snapshots.clear(tag, keyspaceNames, Snapshots.olderThan(options));
    }

    @Override
    public Map<String, TabularData> getSnapshotDetails() {
        return node.snapshots.details(Map.of());
    }

    @Override
    public Map<String, TabularData> getSnapshotDetails(Map<String, String> options) {
        return node.snapshots.details(options);
    }

    @Override
    public long trueSnapshotsSize() {
        long total = 0;
        for (Snapshots.Entry e : node.snapshots.list()) total += Snapshots.sizes(e)[1];
        return total;
    }

    @Override
    public void refreshSizeEstimates() {
        // size estimates are not modelled: nothing reads them in the simulator
    }

    // ---------------------------------------------------------------- flush, compaction & co.

    @Override
    public void forceKeyspaceFlush(String keyspaceName, String... tableNames) {
        node.flush(keyspaceName, tableNames);
    }

    @Override
    public void forceKeyspaceCompaction(boolean splitOutput, String keyspaceName, String... tableNames) {
        for (TableStore s : node.stores(keyspaceName, tableNames)) s.rewrite("COMPACTION", null, true, null);
    }

    @Override
    public int forceKeyspaceCleanup(String keyspaceName, String... tables) {
        return forceKeyspaceCleanup(0, keyspaceName, tables);
    }

    @Override
    public int forceKeyspaceCleanup(int jobs, String keyspaceName, String... tables) {
        Schema.Keyspace ks = node.schema().keyspace(keyspaceName);
        if (ks != null && ks.localSystem()) {
            throw new RuntimeException("Cleanup of system keyspace " + keyspaceName + " is not allowed");
        }
        for (TableStore s : node.stores(keyspaceName, tables)) {
            s.rewrite("CLEANUP", null, false, row -> node.owns(ks, row.key));
        }
        return 0;
    }

    @Override
    public int scrub(boolean disableSnapshot, boolean skipCorrupted, String keyspaceName, String... tableNames) {
        return scrub(disableSnapshot, skipCorrupted, true, 0, keyspaceName, tableNames);
    }

    @Override
    public int scrub(boolean disableSnapshot, boolean skipCorrupted, boolean checkData, String keyspaceName, String... tableNames) {
        return scrub(disableSnapshot, skipCorrupted, checkData, 0, keyspaceName, tableNames);
    }

    @Override
    public int scrub(boolean disableSnapshot, boolean skipCorrupted, boolean checkData, int jobs, String keyspaceName, String... columnFamilies) {
        return scrub(disableSnapshot, skipCorrupted, checkData, false, jobs, keyspaceName, columnFamilies);
    }

    /**
     * Every scrub form ends here, as in Cassandra. 4.0 and 4.1 hand checkData and reinsertOverflowedTTL to
     * the table swapped (StorageService calls `cfs.scrub(disableSnapshot, skipCorrupted, reinsertOverflowedTTL,
     * checkData, jobs)` against a (checkData, reinsertOverflowedTTL) signature; seen on a real 4.0.13 node);
     * 5.0 passes them in the declared order.
     */
    @Override
    public int scrub(boolean disableSnapshot, boolean skipCorrupted, boolean checkData, boolean reinsertOverflowedTTL,
                     int jobs, String keyspaceName, String... columnFamilies) {
        boolean swapped = !node.options.version.is50();
        boolean tableCheckData = swapped ? reinsertOverflowedTTL : checkData;
        boolean tableReinsert = swapped ? checkData : reinsertOverflowedTTL;
        for (TableStore s : node.stores(keyspaceName, columnFamilies)) {
            node.lastScrubOptions = "checkData=" + tableCheckData + ",reinsertOverflowedTTL=" + tableReinsert;
            if (!disableSnapshot) {
                node.snapshots.snapshotTable(s, "pre-scrub-" + System.currentTimeMillis(), null, true);
            }
            // Cassandra's Scrubber says so for each SSTable it scrubs
            if (tableReinsert) {
                for (int i = 0; i < s.live().size(); i++) System.err.println("Starting scrub with reinsert overflowed TTL option");
            }
            s.rewrite("SCRUB", null, false, null);
        }
        return 0;
    }

    @Override
    public int upgradeSSTables(String keyspaceName, boolean excludeCurrentVersion, String... tableNames) {
        return upgradeSSTables(keyspaceName, excludeCurrentVersion, Long.MAX_VALUE, 0, tableNames);
    }

    @Override
    public int upgradeSSTables(String keyspaceName, boolean excludeCurrentVersion, int jobs, String... tableNames) {
        return upgradeSSTables(keyspaceName, excludeCurrentVersion, Long.MAX_VALUE, jobs, tableNames);
    }

    @Override
    public int upgradeSSTables(String keyspaceName, boolean excludeCurrentVersion, long maxSSTableTimestamp, int jobs,
                               String... tableNames) {
        for (TableStore s : node.stores(keyspaceName, tableNames)) {
            List<SSTable> chosen = new ArrayList<>();
            for (SSTable t : s.live()) {
                boolean current = t.version.equals(s.currentVersion()) && t.format.equals(node.options.sstableFormat);
                if (excludeCurrentVersion && current) continue;
                if (t.maxTimestamp > maxSSTableTimestamp) continue;
                chosen.add(t);
            }
            if (!chosen.isEmpty()) s.rewrite("UPGRADE_SSTABLES", chosen, false, null);
        }
        return 0;
    }

    // ---------------------------------------------------------------- node operations

    @Override
    public void decommission(boolean force) throws InterruptedException {
        node.decommission(force);
    }

    @Override
    public void drain() {
        node.drain();
    }

    @Override
    public void truncate(String keyspace, String table) throws TimeoutException, IOException {
        node.truncate(keyspace, table);
    }

    @Override
    public void rebuild(String sourceDc) {
        rebuild(sourceDc, null, null, null);
    }

    @Override
    public void rebuild(String sourceDc, String keyspace, String tokens, String specificSources) {
        Rebuild.run(node, sourceDc, keyspace, tokens, specificSources, false);
    }

    @Override
    public void rebuild(String sourceDc, String keyspace, String tokens, String specificSources, boolean excludeLocalDcNodes) {
        Rebuild.run(node, sourceDc, keyspace, tokens, specificSources, excludeLocalDcNodes);
    }

    @Override
    public void loadNewSSTables(String ksName, String tableName) {
        node.importer.importNewSSTables(node.store(ksName, tableName), Set.of(), false, false, false, false);
    }
}
