package daedalus.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

/** The simulated node: identity, membership, schema, tables on disk, commit log and operation mode. */
final class Node {
    final Options options;
    final Path home;
    NodeIdentity identity;
    ClusterMembership membership;
    final SchemaStore schemaStore;
    final Operations operations;
    final Map<UUID, TableStore> stores = new ConcurrentHashMap<>();
    CommitLog commitLog;
    final Snapshots snapshots;
    final Importer importer;
    MBeans mbeans;
    private volatile String mode = "STARTING";
    private volatile boolean incrementalBackups;
    Truncations truncations;
    /** The scrub flags the last scrubbed table received (test attribute LastScrubOptions); "" before any. */
    volatile String lastScrubOptions = "";
    private long lastMicros;
    private long bulkCounter;

    Node(Options options) {
        this.options = options;
        this.home = options.home;
        this.schemaStore = new SchemaStore(options.clusterDir);
        this.operations = new Operations(options.compactionThroughputBytes);
        this.incrementalBackups = options.incrementalBackups;
        this.snapshots = new Snapshots(this);
        this.importer = new Importer(this);
    }

    // ---------------------------------------------------------------- start-up

    void start() {
        for (String sub : List.of("conf", "data/commitlog", "data/saved_caches", "data/hints", "data/cdc_raw", "sim")) {
            Files2.mkdirs(home.resolve(sub));
        }
        for (Path d : options.dataDirs) Files2.mkdirs(d);
        ConfigFiles.write(options, home);
        List<Long> inherited = null;
        ClusterMembership.Peer replaced = null;
        if (options.replaceAddress != null && !Files.exists(home.resolve("sim/identity.json"))) {
            replaced = findReplaced();
            inherited = replaced.tokens;
        }
        identity = NodeIdentity.loadOrCreate(home, options.numTokens, inherited);
        membership = new ClusterMembership(options, identity);
        checkAddressFree(replaced);
        if (replaced != null) membership.forget(replaced.hostId);
        truncations = new Truncations(home);
        membership.publish("JOINING");
        if (options.schemaFile != null) SchemaFile.apply(this, options.schemaFile);
        syncSchema();
        commitLog = new CommitLog(home.resolve("data/commitlog"),
            home.resolve("conf/commitlog_archiving.properties"), options.version.commitLogVersion,
            options.commitLogSegmentBytes);
        recoverCommitLog();
    }

    void markNormal() {
        mode = "NORMAL";
        membership.publish("NORMAL");
    }

    private ClusterMembership.Peer findReplaced() {
        for (ClusterMembership.Peer p : ClusterMembership.readAll(options.clusterDir.resolve("nodes"))) {
            if (!p.inRing()) continue;
            if (p.address.equals(options.replaceAddress)) {
                if (p.up(System.currentTimeMillis(), options.downAfterMillis)) {
                    throw new IllegalStateException("Cannot replace a live node " + p.address + ". Endpoint is still alive.");
                }
                return p;
            }
        }
        throw new IllegalStateException("Cannot replace_address /" + options.replaceAddress
            + " because it doesn't exist in gossip");
    }

    private void checkAddressFree(ClusterMembership.Peer replaced) {
        for (ClusterMembership.Peer p : membership.ring()) {
            if (p.hostId.equals(identity.hostId)) continue;
            if (replaced != null && p.hostId.equals(replaced.hostId)) continue;
            if (p.address.equals(options.address)) {
                throw new IllegalStateException("A node with address /" + options.address + ":7000 already exists, "
                    + "cancelling join. Use cassandra.replace_address if you want to replace this node.");
            }
        }
    }

    private void recoverCommitLog() {
        Set<UUID> touched = new HashSet<>();
        Schema schema = schema();
        List<Path> replayed = commitLog.recover((tableId, ks, table, row) -> {
            Schema.Table def = schema.table(ks, table);
            if (def == null || !def.id.equals(tableId)) return;
            Long truncated = truncations.truncatedAt(tableId);
            if (truncated != null && row.timestamp <= truncated) return;
            TableStore store = stores.get(tableId);
            if (store == null) return;
            store.write(row);
            touched.add(tableId);
            lastMicros = Math.max(lastMicros, row.timestamp);
        });
        for (UUID id : touched) stores.get(id).flush();
        for (Path p : replayed) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (!replayed.isEmpty()) System.err.println("Log replay complete, " + replayed.size() + " segment(s) replayed");
    }

    // ---------------------------------------------------------------- schema

    Schema schema() {
        return schemaStore.current();
    }

    /** Brings local tables in line with the shared schema: dropped tables go first, then new ones arrive. */
    synchronized void syncSchema() {
        Schema schema = schema();
        Set<UUID> wanted = new HashSet<>();
        for (Schema.Table t : schema.allTables()) wanted.add(t.id);
        for (TableStore store : new ArrayList<>(stores.values())) {
            if (wanted.contains(store.def.id)) continue;
            stores.remove(store.def.id);
            if (mbeans != null) mbeans.unregisterTable(store);
            // DROP TABLE: Cassandra snapshots the table first when auto_snapshot is on, then deletes its SSTables
            if (options.autoSnapshot) {
                if (commitLog != null) store.flush();
                snapshots.snapshotTable(store, "dropped-" + System.currentTimeMillis() + "-" + store.def.name, null, true);
            }
            store.dropAll();
            if (commitLog != null) commitLog.flushed(store.def.id);
        }
        for (Schema.Table t : schema.allTables()) {
            TableStore existing = stores.get(t.id);
            if (existing != null) {
                // CREATE INDEX reaches every node through the schema: each builds it from its own data
                if (!existing.def.indexes.equals(t.indexes)) existing.updateSchema(t);
                continue;
            }
            TableStore store = new TableStore(this, t);
            stores.put(t.id, store);
            if (mbeans != null) mbeans.registerTable(store);
        }
    }

    TableStore store(String keyspace, String table) {
        Schema.Table def = schema().table(keyspace, table);
        if (def == null) {
            if (schema().keyspace(keyspace) == null) {
                throw new IllegalArgumentException("Unknown keyspace " + keyspace);
            }
            throw new IllegalArgumentException(String.format("Unknown keyspace/cf pair (%s.%s)", keyspace, table));
        }
        TableStore store = stores.get(def.id);
        if (store == null) {
            syncSchema();
            store = stores.get(def.id);
        }
        if (store == null) throw new IllegalStateException("table " + keyspace + "." + table + " is not loaded yet");
        return store;
    }

    /** Tables of a keyspace, or the named ones; names that do not exist fail like Cassandra. */
    List<TableStore> stores(String keyspace, String... tables) {
        Schema.Keyspace ks = schema().keyspace(keyspace);
        if (ks == null) throw new IllegalArgumentException("Keyspace " + keyspace + " does not exist");
        List<TableStore> out = new ArrayList<>();
        if (tables == null || tables.length == 0) {
            for (Schema.Table t : ks.tables.values()) out.add(store(keyspace, t.name));
        } else {
            for (String t : tables) {
                if (!ks.tables.containsKey(t)) {
                    throw new IllegalArgumentException("Unknown table '" + t + "' in keyspace '" + keyspace + "'");
                }
                out.add(store(keyspace, t));
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- mode and writes

    String mode() {
        return mode;
    }

    void setMode(String newMode) {
        mode = newMode;
        String published = switch (newMode) {
            case "DECOMMISSIONED" -> "LEFT";
            case "DRAINED", "DRAINING" -> "DRAINED";
            default -> newMode;
        };
        membership.publish(published);
    }

    boolean incrementalBackups() {
        return incrementalBackups;
    }

    void setIncrementalBackups(boolean on) {
        incrementalBackups = on;
    }

    synchronized long nextMicros() {
        long now = System.currentTimeMillis() * 1000;
        lastMicros = Math.max(now, lastMicros + 1);
        return lastMicros;
    }

    private void checkWritable() {
        if (mode.equals("DRAINED") || mode.equals("DRAINING") || mode.equals("DECOMMISSIONED") || mode.equals("STARTING")) {
            throw new IllegalStateException("Node is " + mode + ": it accepts no writes (native transport is stopped)");
        }
    }

    void write(String keyspace, String table, String key, byte[] value) {
        checkWritable();
        TableStore store = store(keyspace, table);
        Row row = new Row(key, nextMicros(), value);
        if (row.keyBytes.length > 65535) throw new IllegalArgumentException("Key length of " + row.keyBytes.length + " is longer than maximum of 65535");
        commitLog.append(store.def.id, keyspace, table, row);
        store.write(row);
        if (store.memtableBytes() >= options.memtableFlushBytes) flushStore(store);
    }

    int writeRows(String keyspace, String table, int count, long seed) {
        for (int i = 0; i < count; i++) write(keyspace, table, rowKey(seed, i), rowValue(seed, i));
        return count;
    }

    /**
     * Like writeRows, but only the keys this node replicates (as a coordinator's write would place them): rows
     * key-seed-i for increasing i, skipping the others, until `count` are written. Bounded: gives up (returns
     * fewer) after count * 1000 keys.
     */
    int writeOwnedRows(String keyspace, String table, int count, long seed) {
        Schema.Keyspace ks = schema().keyspaces.get(keyspace);
        if (ks == null) throw new IllegalArgumentException("Unknown keyspace " + keyspace);
        int written = 0;
        for (int i = 0; written < count && i < count * 1000; i++) {
            String key = rowKey(seed, i);
            if (!owns(ks, key)) continue;
            write(keyspace, table, key, rowValue(seed, i));
            written++;
        }
        return written;
    }

    static String rowKey(long seed, int i) {
        return String.format("key-%d-%08d", seed, i);
    }

    static byte[] rowValue(long seed, int i) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i);
        byte[] b = new byte[48 + r.nextInt(80)];
        for (int j = 0; j < b.length; j++) b[j] = (byte) ('a' + r.nextInt(26));
        return b;
    }

    void flushStore(TableStore store) {
        store.flush();
        commitLog.flushed(store.def.id);
        boolean anyDirty = false;
        for (TableStore s : stores.values()) anyDirty |= s.dirty();
        // everything written so far is in SSTables: the active segment can close (and be archived)
        if (!anyDirty) commitLog.closeActive();
        commitLog.deleteClean();
    }

    void flush(String keyspace, String... tables) {
        if (mode.equals("DECOMMISSIONED")) return;
        for (TableStore s : stores(keyspace, tables)) flushStore(s);
    }

    void flushAll() {
        for (TableStore s : new ArrayList<>(stores.values())) flushStore(s);
    }

    /** Bulk data for benchmarks: `count` flushed SSTables of about `bytesEach` bytes of Data.db each. */
    List<String> generateSSTables(String keyspace, String table, int count, long bytesEach) {
        checkWritable();
        TableStore store = store(keyspace, table);
        List<String> out = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            long call;
            synchronized (this) {
                call = ++bulkCounter;
            }
            long ts = nextMicros();
            long seed = (keyspace + "." + table).hashCode() * 31L + call;
            Iterator<Row> rows = bulkRows(call, seed, ts, bytesEach);
            try {
                long estimate = Math.max(1, bytesEach / 4096);
                SSTable s = SSTableWriter.write(store.nextDir(), store.currentVersion(), store.newId(),
                    options.sstableFormat, store.def.compressed(), rows, estimate);
                if (s != null) {
                    store.addLive(s, true);
                    out.add(s.dataFile().toString());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    private static Iterator<Row> bulkRows(long call, long seed, long ts, long bytes) {
        return new Iterator<Row>() {
            long written = RowFile.HEADER_SIZE;
            int i;
            final SplittableRandom random = new SplittableRandom(seed);

            @Override
            public boolean hasNext() {
                return written < bytes || i == 0;
            }

            @Override
            public Row next() {
                String key = String.format("bulk-%06d-%09d", call, i++);
                long room = bytes - written - (2 + key.length() + 12);
                int size = (int) Math.max(1, Math.min(4096, room));
                byte[] value = new byte[size];
                java.nio.ByteBuffer fill = java.nio.ByteBuffer.wrap(value);
                while (fill.remaining() >= 8) fill.putLong(random.nextLong());
                Row r = new Row(key, ts, value);
                written += r.serializedSize();
                return r;
            }
        };
    }

    // ---------------------------------------------------------------- truncate (cluster-wide)

    void truncateLocal(UUID tableId) {
        TableStore store = stores.get(tableId);
        if (store == null) return;
        if (options.autoSnapshot) {
            flushStore(store);
            snapshots.snapshotTable(store, "truncated-" + System.currentTimeMillis() + "-" + store.def.name, null, true);
        }
        truncations.record(tableId, nextMicros());
        store.dropAll();
        commitLog.flushed(tableId);
    }

    /** Cassandra's StorageProxy.truncateBlocking: every ring member must be up; each drops its data. */
    void truncate(String keyspace, String table) throws IOException, TimeoutException {
        if (schema().keyspace(keyspace) == null) throw new IllegalArgumentException("Keyspace " + keyspace + " does not exist");
        Schema.Table def = schema().table(keyspace, table);
        if (def == null) throw new IllegalArgumentException(String.format("Unknown keyspace/cf pair (%s.%s)", keyspace, table));
        List<ClusterMembership.Peer> ring = membership.ring();
        for (ClusterMembership.Peer p : ring) {
            if (!membership.isUp(p)) throw new IOException("Cannot achieve consistency level ALL");
        }
        Inbox inbox = new Inbox(options.clusterDir);
        List<Inbox.Pending> pending = new ArrayList<>();
        for (ClusterMembership.Peer p : ring) {
            if (membership.isSelf(p)) continue;
            Map<String, Object> req = new LinkedHashMap<>();
            req.put("op", "truncate");
            req.put("tableId", def.id.toString());
            pending.add(inbox.send(p.hostId, req));
        }
        truncateLocal(def.id);
        long deadline = System.currentTimeMillis() + options.truncateTimeoutMillis;
        int responses = 1;
        for (Inbox.Pending p : pending) {
            Map<String, Object> answer = p.await(deadline);
            if (answer == null) throw new TimeoutException("Truncate timed out - received only " + responses + " responses");
            responses++;
        }
    }

    // ---------------------------------------------------------------- drain / decommission

    synchronized void drain() {
        if (mode.equals("DRAINED")) {
            System.err.println("Cannot drain node (did it already happen?)");
            return;
        }
        setMode("DRAINING");
        flushAll();
        commitLog.closeActive();
        commitLog.awaitArchiving(30_000);
        commitLog.deleteClean();
        setMode("DRAINED");
    }

    synchronized void decommission(boolean force) throws InterruptedException {
        List<ClusterMembership.Peer> ring = membership.ring();
        boolean member = !mode.equals("DECOMMISSIONED") && ring.stream().anyMatch(membership::isSelf);
        if (!member) throw new UnsupportedOperationException("local node is not a member of the token ring yet");
        if (ring.size() < 2) {
            throw new UnsupportedOperationException("no other normal nodes in the ring; decommission would be pointless");
        }
        if (!mode.equals("NORMAL")) {
            throw new UnsupportedOperationException("Node in " + mode + " state; wait for status to become normal or restart");
        }
        if (!force) {
            Schema schema = schema();
            for (Schema.Keyspace ks : schema.keyspaces.values()) {
                if (ks.localSystem()) continue;
                String strategy = ks.replication.getOrDefault("class", "");
                int rf;
                int numNodes;
                if (strategy.endsWith("NetworkTopologyStrategy")) {
                    rf = Ring.parseRf(ks.replication.getOrDefault(options.dc, "0"));
                    numNodes = (int) ring.stream().filter(p -> p.dc.equals(options.dc)).count();
                } else {
                    rf = Ring.parseRf(ks.replication.getOrDefault("replication_factor", "1"));
                    numNodes = ring.size();
                }
                if (numNodes <= rf) {
                    throw new IllegalStateException("Not enough live nodes to maintain replication factor in keyspace "
                        + ks.name + " (RF = " + rf + ", N = " + numNodes + "). Perform a forceful decommission to ignore.");
                }
            }
        }
        setMode("LEAVING");
        Thread.sleep(300); // stands in for RING_DELAY and streaming
        flushAll();
        commitLog.closeActive();
        setMode("DECOMMISSIONED");
    }

    // ---------------------------------------------------------------- background work

    /** Periodic chores: heartbeat, schema changes from peers, requests from peers, expiring snapshots. */
    void startBackground() {
        daemon("heartbeat", options.heartbeatMillis, () -> {
            if (!mode.equals("DRAINED") && !mode.equals("DECOMMISSIONED")) membership.heartbeat();
        });
        daemon("schema-sync", 200, this::syncSchema);
        daemon("inbox", 50, () -> new Inbox(options.clusterDir).serve(identity.hostId, this::handleRequest));
        if (options.version.atLeast41()) {
            daemon("snapshot-ttl", Math.max(100, options.snapshotCleanupPeriodSeconds * 1000), snapshots::clearExpired);
        }
    }

    private Map<String, Object> handleRequest(Map<String, Object> req) {
        Map<String, Object> answer = new HashMap<>();
        if ("truncate".equals(req.get("op"))) {
            syncSchema();
            truncateLocal(UUID.fromString(req.get("tableId").toString()));
            answer.put("ok", true);
        } else {
            answer.put("ok", false);
            answer.put("error", "unknown request");
        }
        return answer;
    }

    private static void daemon(String name, long periodMillis, Runnable task) {
        Thread t = new Thread(() -> {
            while (true) {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    System.err.println(name + ": " + e);
                }
                try {
                    Thread.sleep(periodMillis);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }

    /** Keys this node replicates for a keyspace, per the current ring (used by cleanup). */
    boolean owns(Schema.Keyspace ks, String key) {
        if (ks.localSystem()) return true;
        return Ring.replicas(membership.ring(), ks, key).contains(identity.hostId);
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
