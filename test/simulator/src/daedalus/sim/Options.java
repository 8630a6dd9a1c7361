package daedalus.sim;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Command-line flags; see test/simulator/README.md for the meaning of each. */
final class Options {
    CassandraVersion version = CassandraVersion.V41;
    Path home;
    Path clusterDir;
    String clusterName = "Test Cluster";
    String address = "127.0.0.1";
    int jmxPort = 7199;
    String dc = "dc1";
    String rack = "rack1";
    int numTokens = 16;
    List<Path> dataDirs = new ArrayList<>();
    String sstableFormat = "big";
    /** 5.0's storage_compatibility_mode (CASSANDRA_4 by default, as real 5.0.2 ships); null before 5.0. */
    String storageCompatibilityMode;
    boolean uuidSSTableIds;
    boolean incrementalBackups;
    boolean autoSnapshot = true;
    Path jmxPasswordFile;
    boolean jmxSsl;
    Path keystore;
    String keystorePassword;
    Path schemaFile;
    String replaceAddress;
    /** Simulated disk throughput of compaction-like operations in bytes/s; 0 means as fast as the disk goes. */
    long compactionThroughputBytes;
    long commitLogSegmentBytes = 32L * 1024 * 1024;
    long memtableFlushBytes = 64L * 1024 * 1024;
    long snapshotMinTtlSeconds = 60;
    long snapshotCleanupPeriodSeconds = 60;
    long heartbeatMillis = 500;
    long downAfterMillis = 3000;
    long truncateTimeoutMillis = 60_000;

    static Options parse(String[] args) {
        Options o = new Options();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            String value = i + 1 < args.length ? args[i + 1] : null;
            boolean consumed = true;
            switch (flag) {
                case "--version": o.version = CassandraVersion.fromFlag(need(flag, value)); break;
                case "--home": o.home = Path.of(need(flag, value)).toAbsolutePath(); break;
                case "--cluster-dir": o.clusterDir = Path.of(need(flag, value)).toAbsolutePath(); break;
                case "--cluster-name": o.clusterName = need(flag, value); break;
                case "--address": o.address = need(flag, value); break;
                case "--jmx-port": o.jmxPort = Integer.parseInt(need(flag, value)); break;
                case "--dc": o.dc = need(flag, value); break;
                case "--rack": o.rack = need(flag, value); break;
                case "--num-tokens": o.numTokens = Integer.parseInt(need(flag, value)); break;
                case "--data-dirs":
                    for (String d : need(flag, value).split(",")) {
                        if (!d.isBlank()) o.dataDirs.add(Path.of(d.trim()).toAbsolutePath());
                    }
                    break;
                case "--sstable-format": o.sstableFormat = need(flag, value); break;
                case "--storage-compatibility-mode": o.storageCompatibilityMode = need(flag, value); break;
                case "--auto-snapshot": o.autoSnapshot = Boolean.parseBoolean(need(flag, value)); break;
                case "--jmx-password-file": o.jmxPasswordFile = Path.of(need(flag, value)).toAbsolutePath(); break;
                case "--keystore": o.keystore = Path.of(need(flag, value)).toAbsolutePath(); break;
                case "--keystore-password": o.keystorePassword = need(flag, value); break;
                case "--schema": o.schemaFile = Path.of(need(flag, value)).toAbsolutePath(); break;
                case "--replace-address": o.replaceAddress = need(flag, value); break;
                case "--compaction-throughput-mib":
                    o.compactionThroughputBytes = (long) (Double.parseDouble(need(flag, value)) * 1024 * 1024);
                    break;
                case "--commitlog-segment-kib": o.commitLogSegmentBytes = Long.parseLong(need(flag, value)) * 1024; break;
                case "--memtable-flush-kib": o.memtableFlushBytes = Long.parseLong(need(flag, value)) * 1024; break;
                case "--snapshot-min-ttl-seconds": o.snapshotMinTtlSeconds = Long.parseLong(need(flag, value)); break;
                case "--snapshot-cleanup-period-seconds":
                    o.snapshotCleanupPeriodSeconds = Long.parseLong(need(flag, value));
                    break;
                case "--heartbeat-ms": o.heartbeatMillis = Long.parseLong(need(flag, value)); break;
                case "--down-after-ms": o.downAfterMillis = Long.parseLong(need(flag, value)); break;
                case "--truncate-timeout-ms": o.truncateTimeoutMillis = Long.parseLong(need(flag, value)); break;
                default:
                    consumed = false;
                    switch (flag) {
                        case "--uuid-sstable-ids": o.uuidSSTableIds = true; break;
                        case "--incremental-backups": o.incrementalBackups = true; break;
                        case "--jmx-ssl": o.jmxSsl = true; break;
                        default: throw new IllegalArgumentException("unknown flag " + flag);
                    }
            }
            if (consumed) i++;
        }
        o.validate();
        return o;
    }

    private static String need(String flag, String value) {
        if (value == null) throw new IllegalArgumentException(flag + " needs a value");
        return value;
    }

    private void validate() {
        if (home == null) throw new IllegalArgumentException("--home is required");
        if (clusterDir == null) throw new IllegalArgumentException("--cluster-dir is required");
        if (dataDirs.isEmpty()) dataDirs.add(home.resolve("data/data"));
        if (!sstableFormat.equals("big") && !sstableFormat.equals("bti")) {
            throw new IllegalArgumentException("--sstable-format must be big or bti");
        }
        if (sstableFormat.equals("bti") && !version.is50()) {
            throw new IllegalArgumentException("the bti sstable format exists only in Cassandra 5.0");
        }
        if (storageCompatibilityMode != null && !version.is50()) {
            throw new IllegalArgumentException("storage_compatibility_mode exists only in Cassandra 5.0");
        }
        if (version.is50()) {
            if (storageCompatibilityMode == null) storageCompatibilityMode = "CASSANDRA_4";
            if (!List.of("CASSANDRA_4", "UPGRADING", "NONE").contains(storageCompatibilityMode)) {
                throw new IllegalArgumentException("--storage-compatibility-mode must be CASSANDRA_4, UPGRADING or NONE");
            }
        }
        if (uuidSSTableIds && !version.atLeast41()) {
            throw new IllegalArgumentException("uuid_sstable_identifiers_enabled exists only from Cassandra 4.1");
        }
        if (jmxSsl && (keystore == null || keystorePassword == null)) {
            throw new IllegalArgumentException("--jmx-ssl needs --keystore and --keystore-password");
        }
        if (numTokens < 1) throw new IllegalArgumentException("--num-tokens must be at least 1");
    }
}
