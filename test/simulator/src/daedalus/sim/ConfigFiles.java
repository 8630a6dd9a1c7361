package daedalus.sim;

import java.nio.file.Files;
import java.nio.file.Path;

/** Writes conf/cassandra.yaml (what the node agent reads to find the data) and commitlog_archiving.properties. */
final class ConfigFiles {
    private ConfigFiles() {}

    static void write(Options o, Path home) {
        Path conf = home.resolve("conf");
        Files2.mkdirs(conf);
        StringBuilder y = new StringBuilder();
        y.append("# Written by the Daedalus Cassandra simulator, impersonating Cassandra ").append(o.version.releaseVersion).append('\n');
        y.append("cluster_name: '").append(o.clusterName.replace("'", "''")).append("'\n");
        y.append("num_tokens: ").append(o.numTokens).append('\n');
        y.append("partitioner: org.apache.cassandra.dht.Murmur3Partitioner\n");
        y.append("data_file_directories:\n");
        for (Path d : o.dataDirs) y.append("    - ").append(d).append('\n');
        y.append("commitlog_directory: ").append(home.resolve("data/commitlog")).append('\n');
        y.append("saved_caches_directory: ").append(home.resolve("data/saved_caches")).append('\n');
        y.append("hints_directory: ").append(home.resolve("data/hints")).append('\n');
        y.append("cdc_raw_directory: ").append(home.resolve("data/cdc_raw")).append('\n');
        y.append("listen_address: ").append(o.address).append('\n');
        y.append("rpc_address: ").append(o.address).append('\n');
        y.append("storage_port: 7000\n");
        y.append("native_transport_port: 9042\n");
        y.append("endpoint_snitch: GossipingPropertyFileSnitch\n");
        y.append("auto_snapshot: ").append(o.autoSnapshot).append('\n');
        y.append("incremental_backups: ").append(o.incrementalBackups).append('\n');
        y.append("commitlog_sync: periodic\n");
        if (o.version.atLeast41()) {
            y.append("commitlog_sync_period: 10000ms\n");
            y.append("commitlog_segment_size: ").append(Math.max(1, o.commitLogSegmentBytes / 1024)).append("KiB\n");
            y.append("uuid_sstable_identifiers_enabled: ").append(o.uuidSSTableIds).append('\n');
        } else {
            y.append("commitlog_sync_period_in_ms: 10000\n");
            y.append("commitlog_segment_size_in_mb: ").append(Math.max(1, o.commitLogSegmentBytes / (1024 * 1024))).append('\n');
        }
        if (o.version.is50()) {
            y.append("sstable:\n  selected_format: ").append(o.sstableFormat).append('\n');
            y.append("storage_compatibility_mode: ").append(o.storageCompatibilityMode).append('\n');
        }
        Files2.writeAtomic(conf.resolve("cassandra.yaml"), y.toString());

        Path rackdc = conf.resolve("cassandra-rackdc.properties");
        Files2.writeAtomic(rackdc, "dc=" + o.dc + "\nrack=" + o.rack + "\n");

        Path archiving = conf.resolve("commitlog_archiving.properties");
        if (!Files.exists(archiving)) {
            StringBuilder p = new StringBuilder();
            p.append("# archive_command: run when a commit log segment closes; %path = full path, %name = file name\n");
            p.append("archive_command=\n");
            p.append("# restore_command: %from = archived segment, %to = live commit log directory\n");
            p.append("restore_command=\n");
            p.append("restore_directories=\n");
            p.append("# format yyyy:MM:dd HH:mm:ss (GMT)\n");
            p.append("restore_point_in_time=\n");
            p.append("precision=MICROSECONDS\n");
            if (o.version.atLeast41()) p.append("snapshot_commitlog_position=\n");
            Files2.writeAtomic(archiving, p.toString());
        }
    }
}
