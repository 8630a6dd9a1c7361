package daedalus.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Implementation of the test-only MBean; also used to apply `--schema` files. */
final class SimulatorControl implements SimulatorControlMBean {
    private static final Pattern TABLE_IN_CQL = Pattern.compile(
        "(?is)^\\s*CREATE\\s+TABLE\\s+(?:IF\\s+NOT\\s+EXISTS\\s+)?\"?(\\w+)\"?\\.\"?(\\w+)\"?\\s*\\(.*");
    private final Node node;

    SimulatorControl(Node node) {
        this.node = node;
    }

    @Override
    public void createKeyspace(String name, String replicationJson) {
        createKeyspace(name, replicationJson, false);
    }

    void createKeyspaceIfNotExists(String name, String replicationJson) {
        createKeyspace(name, replicationJson, true);
    }

    private void createKeyspace(String name, String replicationJson, boolean ifNotExists) {
        Schema.checkName("Keyspace", name);
        Map<String, Object> replication = Json.parseObject(replicationJson == null || replicationJson.isBlank()
            ? "{\"class\":\"SimpleStrategy\",\"replication_factor\":\"1\"}" : replicationJson);
        Object cls = replication.get("class");
        if (cls == null) throw new IllegalArgumentException("Missing replication strategy class");
        Map<String, Object> normalized = new TreeMap<>();
        for (Map.Entry<String, Object> e : replication.entrySet()) normalized.put(e.getKey(), String.valueOf(e.getValue()));
        if (Schema.LOCAL_SYSTEM_KEYSPACES.contains(name) || Schema.REPLICATED_SYSTEM_KEYSPACES.contains(name)) {
            throw new IllegalArgumentException("Cannot add existing keyspace \"" + name + "\"");
        }
        node.schemaStore.mutate(stored -> {
            Map<String, Object> kss = SchemaStore.keyspacesOf(stored);
            if (kss.containsKey(name)) {
                if (ifNotExists) return null;
                throw new IllegalArgumentException("Cannot add existing keyspace \"" + name + "\"");
            }
            Map<String, Object> ks = new TreeMap<>();
            ks.put("replication", normalized);
            ks.put("tables", new TreeMap<String, Object>());
            kss.put(name, ks);
            return null;
        });
        node.syncSchema();
    }

    @Override
    public void dropKeyspace(String name) {
        node.schemaStore.mutate(stored -> {
            if (SchemaStore.keyspacesOf(stored).remove(name) == null) {
                throw new IllegalArgumentException("Cannot drop non existing keyspace '" + name + "'.");
            }
            return null;
        });
        node.syncSchema();
    }

    @Override
    public void createTable(String keyspace, String table) {
        createTable(keyspace, table, null, false);
    }

    @Override
    public void createTable(String keyspace, String table, String cql) {
        createTable(keyspace, table, cql, false);
    }

    void createTableIfNotExists(String keyspace, String table, String cql) {
        createTable(keyspace, table, cql, true);
    }

    @SuppressWarnings("unchecked")
    private void createTable(String keyspace, String table, String cql, boolean ifNotExists) {
        Schema.checkName("Table", table);
        if (cql != null && !cql.isBlank()) {
            Matcher m = TABLE_IN_CQL.matcher(cql);
            if (!m.matches() || !m.group(1).equals(keyspace) || !m.group(2).equals(table)) {
                throw new IllegalArgumentException("cql must be CREATE TABLE " + keyspace + "." + table + " (...)");
            }
        }
        String statement = cql == null || cql.isBlank() ? Schema.defaultCql(keyspace, table) : cql.trim();
        node.schemaStore.mutate(stored -> {
            Map<String, Object> kss = SchemaStore.keyspacesOf(stored);
            Map<String, Object> ks = (Map<String, Object>) kss.get(keyspace);
            if (ks == null) throw new IllegalArgumentException("Keyspace '" + keyspace + "' doesn't exist");
            Map<String, Object> tables = (Map<String, Object>) ks.computeIfAbsent("tables", k -> new TreeMap<String, Object>());
            if (tables.containsKey(table)) {
                if (ifNotExists) return null;
                throw new IllegalArgumentException("Cannot add already existing table \"" + table + "\" to keyspace \"" + keyspace + "\"");
            }
            Map<String, Object> t = new TreeMap<>();
            t.put("id", TimeUuids.next().toString());
            t.put("cql", statement);
            tables.put(table, t);
            return null;
        });
        node.syncSchema();
    }

    @Override
    @SuppressWarnings("unchecked")
    public void dropTable(String keyspace, String table) {
        node.schemaStore.mutate(stored -> {
            Map<String, Object> ks = (Map<String, Object>) SchemaStore.keyspacesOf(stored).get(keyspace);
            Object tables = ks == null ? null : ks.get("tables");
            if (!(tables instanceof Map) || ((Map<String, Object>) tables).remove(table) == null) {
                throw new IllegalArgumentException("Table '" + keyspace + "." + table + "' doesn't exist");
            }
            return null;
        });
        node.syncSchema();
    }

    /**
     * CREATE INDEX (kind `legacy`: a classic 2i) or CREATE CUSTOM INDEX ... USING 'StorageAttachedIndex' (kind
     * `sai`, 5.0 only) on the table's `value` column. Index names are unique per keyspace, as in Cassandra.
     * Every node builds the new index from its live SSTables when the schema reaches it.
     */
    @Override
    @SuppressWarnings("unchecked")
    public void createIndex(String keyspace, String table, String indexName, String kind) {
        Schema.checkName("Index", indexName);
        if (!Schema.LEGACY.equals(kind) && !Schema.SAI.equals(kind)) {
            throw new IllegalArgumentException("index kind must be legacy or sai, not " + kind);
        }
        if (Schema.SAI.equals(kind) && !node.options.version.is50()) {
            // 4.x has no StorageAttachedIndex class: CQL fails to load the custom index class
            throw new IllegalArgumentException("Unable to find custom indexer class 'StorageAttachedIndex'");
        }
        node.schemaStore.mutate(stored -> {
            Map<String, Object> ks = (Map<String, Object>) SchemaStore.keyspacesOf(stored).get(keyspace);
            if (ks == null) throw new IllegalArgumentException("Keyspace '" + keyspace + "' doesn't exist");
            Map<String, Object> tables = (Map<String, Object>) ks.get("tables");
            Map<String, Object> t = tables == null ? null : (Map<String, Object>) tables.get(table);
            if (t == null) throw new IllegalArgumentException("Table '" + keyspace + "." + table + "' doesn't exist");
            for (Object other : tables.values()) {
                Object idx = ((Map<String, Object>) other).get("indexes");
                if (idx instanceof Map && ((Map<String, Object>) idx).containsKey(indexName)) {
                    throw new IllegalArgumentException("Index '" + indexName + "' already exists");
                }
            }
            Map<String, Object> indexes = (Map<String, Object>) t.computeIfAbsent("indexes", k -> new TreeMap<String, Object>());
            Map<String, Object> index = new TreeMap<>();
            index.put("kind", kind);
            indexes.put(indexName, index);
            return null;
        });
        node.syncSchema();
    }

    @Override
    public List<String> indexFiles(String keyspace, String table) {
        return node.store(keyspace, table).indexes.files();
    }

    @Override
    public String checkIndexes(String keyspace, String table) {
        return node.store(keyspace, table).checkIndexes();
    }

    @Override
    public int writeRows(String keyspace, String table, int count, long seed) {
        return node.writeRows(keyspace, table, count, seed);
    }

    @Override
    public int writeOwnedRows(String keyspace, String table, int count, long seed) {
        return node.writeOwnedRows(keyspace, table, count, seed);
    }

    @Override
    public void writeRow(String keyspace, String table, String key, String value) {
        node.write(keyspace, table, key, value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String readRow(String keyspace, String table, String key) {
        return node.store(keyspace, table).read(key);
    }

    @Override
    public List<String> generateSSTables(String keyspace, String table, int count, long bytesEach) {
        return node.generateSSTables(keyspace, table, count, bytesEach);
    }

    @Override
    public void compact(String keyspace, String table) {
        node.store(keyspace, table).rewrite("COMPACTION", null, true, null);
    }

    @Override
    public String checksum(String keyspace, String table) {
        return node.store(keyspace, table).checksum();
    }

    @Override
    public long rowCount(String keyspace, String table) {
        return node.store(keyspace, table).rowCount();
    }

    @Override
    public List<String> liveSSTables(String keyspace, String table) {
        List<String> out = new ArrayList<>();
        for (SSTable s : node.store(keyspace, table).live()) out.add(s.dataFile().toString());
        return out;
    }

    @Override
    public long memtableRows(String keyspace, String table) {
        return node.store(keyspace, table).stats().get("memtableRows");
    }

    @Override
    public void failNextImports(String keyspace, String table, int n) {
        node.store(keyspace, table).importFaults.failNext(n);
    }

    @Override
    public void delayNextImports(String keyspace, String table, long millis) {
        node.store(keyspace, table).importFaults.delayNext(millis);
    }

    @Override
    public long delayedImports(String keyspace, String table) {
        return node.store(keyspace, table).importFaults.delayedCalls();
    }

    @Override
    public void ignoreNextImports(String keyspace, String table, int n) {
        node.store(keyspace, table).importFaults.ignoreNext(n);
    }

    @Override
    public long truncationCount(String keyspace, String table) {
        return node.truncations.count(node.store(keyspace, table).def.id);
    }

    @Override
    public void setOperationMode(String mode) {
        List<String> modes = List.of("STARTING", "NORMAL", "JOINING", "LEAVING", "DECOMMISSIONED", "MOVING", "DRAINING", "DRAINED");
        if (!modes.contains(mode)) throw new IllegalArgumentException("unknown operation mode " + mode);
        node.setMode(mode);
    }

    @Override
    public String getArchiveCommand() {
        return node.commitLog.archiveCommand();
    }

    /** Also rewrites conf/commitlog_archiving.properties so a restart keeps the command. */
    @Override
    public void setArchiveCommand(String command) {
        node.commitLog.setArchiveCommand(command);
        Path file = node.home.resolve("conf/commitlog_archiving.properties");
        try {
            List<String> lines = new ArrayList<>(Files.readAllLines(file));
            boolean replaced = false;
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).startsWith("archive_command=")) {
                    lines.set(i, "archive_command=" + (command == null ? "" : command));
                    replaced = true;
                }
            }
            if (!replaced) lines.add("archive_command=" + (command == null ? "" : command));
            Files2.writeAtomic(file, String.join("\n", lines) + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void closeCommitLogSegment() {
        node.commitLog.closeActive();
    }

    @Override
    public List<String> getCommitLogSegments() {
        return node.commitLog.segments();
    }

    @Override
    public String getCassandraVersion() {
        return node.options.version.releaseVersion;
    }

    /** `checkData=..,reinsertOverflowedTTL=..` as the last scrubbed table received them (4.x swaps them). */
    @Override
    public String getLastScrubOptions() {
        return node.lastScrubOptions;
    }

    /** Dies like a crashed node (no flush, no goodbye), shortly after answering. */
    @Override
    public void stop() {
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Runtime.getRuntime().halt(137);
        }, "crash");
        t.start();
    }
}
