package daedalus.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;

/**
 * `rebuild`: streams, from live peers (optionally of one DC), the rows of the ranges this node replicates.
 * Our "streaming" reads the peers' live SSTables from their data directories, which they publish in the
 * cluster dir, and writes what this node owns as new local SSTables.
 */
final class Rebuild {
    private static final Object RUNNING = new Object();
    private static boolean rebuilding;

    private Rebuild() {}

    static void run(Node node, String sourceDc, String keyspace, String tokens, String specificSources,
                    boolean excludeLocalDcNodes) {
        synchronized (RUNNING) {
            if (rebuilding) throw new IllegalStateException("Node is still rebuilding. Check nodetool netstats.");
            rebuilding = true;
        }
        try {
            doRun(node, sourceDc, keyspace, tokens, specificSources, excludeLocalDcNodes);
        } finally {
            synchronized (RUNNING) {
                rebuilding = false;
            }
        }
    }

    private static void doRun(Node node, String sourceDc, String keyspace, String tokens, String specificSources,
                              boolean excludeLocalDcNodes) {
        List<ClusterMembership.Peer> ring = node.membership.ring();
        Set<String> dcs = new TreeSet<>();
        for (ClusterMembership.Peer p : ring) dcs.add(p.dc);
        if (sourceDc != null && !dcs.contains(sourceDc)) {
            throw new IllegalArgumentException(String.format(
                "Provided datacenter '%s' is not a valid datacenter, available datacenters are: %s",
                sourceDc, String.join(",", dcs)));
        }
        if (tokens != null && keyspace == null) throw new IllegalArgumentException("Cannot specify tokens without keyspace.");
        Schema schema = node.schema();
        List<Schema.Keyspace> keyspaces = new ArrayList<>();
        if (keyspace != null) {
            Schema.Keyspace ks = schema.keyspace(keyspace);
            if (ks == null) throw new IllegalArgumentException("Unknown keyspace " + keyspace);
            keyspaces.add(ks);
        } else {
            for (Schema.Keyspace ks : schema.keyspaces.values()) if (!ks.localSystem()) keyspaces.add(ks);
        }
        Set<String> specific = new TreeSet<>();
        if (specificSources != null && !specificSources.isBlank()) {
            for (String s : specificSources.split(",")) specific.add(s.trim().replaceFirst("^/", "").replaceFirst(":\\d+$", ""));
        }
        List<ClusterMembership.Peer> sources = new ArrayList<>();
        for (ClusterMembership.Peer p : ring) {
            if (node.membership.isSelf(p) || !node.membership.isUp(p)) continue;
            if (sourceDc != null && !p.dc.equals(sourceDc)) continue;
            if (excludeLocalDcNodes && p.dc.equals(node.options.dc)) continue;
            if (!specific.isEmpty() && !specific.contains(p.address)) continue;
            sources.add(p);
        }
        if (sources.isEmpty()) {
            throw new IllegalStateException("Unable to find sufficient sources for streaming range in keyspace "
                + (keyspace == null ? keyspaces.isEmpty() ? "" : keyspaces.get(0).name : keyspace));
        }
        for (Schema.Keyspace ks : keyspaces) {
            for (Schema.Table t : ks.tables.values()) stream(node, ks, t, sources);
        }
    }

    private static void stream(Node node, Schema.Keyspace ks, Schema.Table table, List<ClusterMembership.Peer> sources) {
        TableStore store = node.store(ks.name, table.name);
        List<RowFile.Reader> readers = new ArrayList<>();
        try {
            for (ClusterMembership.Peer p : sources) {
                for (String dataDir : p.dataDirs) {
                    Path dir = Path.of(dataDir).resolve(ks.name).resolve(table.dirName());
                    for (Path f : Files2.list(dir)) {
                        Matcher m = SSTable.FILE_NAME.matcher(f.getFileName().toString());
                        if (!m.matches() || !m.group(4).equals("Data.db")) continue;
                        Path toc = dir.resolve(m.group(1) + "-" + m.group(2) + "-" + m.group(3) + "-TOC.txt");
                        if (!Files.exists(toc)) continue;
                        try {
                            readers.add(new RowFile.Reader(f));
                        } catch (IOException e) {
                            // compacted away meanwhile: its rows are in the SSTable that replaced it
                        }
                    }
                }
            }
            if (readers.isEmpty()) return;
            Iterator<Row> merged = new MergeIterator(readers);
            Iterator<Row> owned = FilteredRows.of(merged, r -> node.owns(ks, r.key));
            SSTable s = SSTableWriter.write(store.nextDir(), store.currentVersion(), store.newId(),
                node.options.sstableFormat, table.compressed(), owned, 1024);
            if (s != null) store.addLive(s, true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (RowFile.Reader r : readers) {
                try {
                    r.close();
                } catch (IOException e) {
                    // nothing left to do
                }
            }
        }
    }
}
