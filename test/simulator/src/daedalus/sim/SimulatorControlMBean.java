package daedalus.sim;

import java.util.List;

/**
 * Test-only controls, under our own domain `daedalus.sim:type=Simulator` (never org.apache.cassandra).
 * Every method is documented in test/simulator/README.md.
 */
public interface SimulatorControlMBean {
    void createKeyspace(String name, String replicationJson);
    void dropKeyspace(String name);
    void createTable(String keyspace, String table);
    void createTable(String keyspace, String table, String cql);
    void dropTable(String keyspace, String table);
    void createIndex(String keyspace, String table, String indexName, String kind);
    List<String> indexFiles(String keyspace, String table);
    String checkIndexes(String keyspace, String table);
    int writeRows(String keyspace, String table, int count, long seed);
    int writeOwnedRows(String keyspace, String table, int count, long seed);
    void writeRow(String keyspace, String table, String key, String value);
    String readRow(String keyspace, String table, String key);
    List<String> generateSSTables(String keyspace, String table, int count, long bytesEach);
    void compact(String keyspace, String table);
    String checksum(String keyspace, String table);
    long rowCount(String keyspace, String table);
    List<String> liveSSTables(String keyspace, String table);
    long memtableRows(String keyspace, String table);
    void failNextImports(String keyspace, String table, int n);
    void delayNextImports(String keyspace, String table, long millis);
    long delayedImports(String keyspace, String table);
    void ignoreNextImports(String keyspace, String table, int n);
    long truncationCount(String keyspace, String table);
    void setOperationMode(String mode);
    String getArchiveCommand();
    void setArchiveCommand(String command);
    void closeCommitLogSegment();
    List<String> getCommitLogSegments();
    String getCassandraVersion();
    String getLastScrubOptions();
    void stop();
}
