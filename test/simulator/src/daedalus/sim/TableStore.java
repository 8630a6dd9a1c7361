package daedalus.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;

/**
 * One table on this node: its directory in every data directory, the memtable (rows written but not yet
 * flushed) and the live SSTables. Every change of the live set happens under this object's lock.
 */
final class TableStore {
    final Node node;
    /** Replaced when the schema changes the table's indexes (the ID never changes). */
    volatile Schema.Table def;
    final List<Path> dirs = new ArrayList<>();
    private final TreeMap<String, Row> memtable = new TreeMap<>();
    private long memtableBytes;
    private final List<SSTable> live = new ArrayList<>();
    private final List<SSTable> compacting = new ArrayList<>();
    private long maxGeneration;
    private int nextDir;
    final TableIndexes indexes = new TableIndexes(this);
    final ImportFaults importFaults = new ImportFaults();

    TableStore(Node node, Schema.Table def) {
        this.node = node;
        this.def = def;
        for (Path dataDir : node.options.dataDirs) {
            Path dir = dataDir.resolve(def.keyspace).resolve(def.dirName());
            Files2.mkdirs(dir);
            dirs.add(dir);
        }
        loadFromDisk();
        synchronized (this) {
            indexes.sync(def, live, false);
        }
    }

    /** The schema changed the table (a new index): take it on, building new indexes from the live data. */
    synchronized void updateSchema(Schema.Table newDef) {
        def = newDef;
        for (SSTable[] r : indexes.sync(newDef, new ArrayList<>(live), true)) {
            int at = live.indexOf(r[0]);
            if (at >= 0) live.set(at, r[1]);
        }
    }

    /** Startup: every complete SSTable found in the table directories is live (Cassandra does the same). */
    private synchronized void loadFromDisk() {
        for (Path dir : dirs) {
            for (Path p : Files2.list(dir)) {
                Matcher m = SSTable.FILE_NAME.matcher(p.getFileName().toString());
                if (!m.matches()) continue;
                noteGeneration(m.group(2));
                if (!m.group(4).equals("Data.db")) continue;
                try {
                    live.add(SSTable.open(p));
                } catch (IOException e) {
                    System.err.println("skipping unreadable sstable " + p + ": " + e.getMessage());
                }
            }
        }
        live.sort((a, b) -> SSTable.ID_ORDER.compare(a.id, b.id));
    }

    private void noteGeneration(String id) {
        if (id.chars().allMatch(Character::isDigit)) maxGeneration = Math.max(maxGeneration, Long.parseLong(id));
    }

    /** A new SSTable id, never one in use in any of the table's directories. */
    synchronized String newId() {
        if (node.options.uuidSSTableIds) return TimeUuids.nextSSTableId();
        for (Path dir : dirs) {
            for (Path p : Files2.list(dir)) {
                Matcher m = SSTable.FILE_NAME.matcher(p.getFileName().toString());
                if (m.matches()) noteGeneration(m.group(2));
            }
        }
        return Long.toString(++maxGeneration);
    }

    /** The data directory for the next new SSTable: Cassandra spreads flushes across them; we take turns. */
    synchronized Path nextDir() {
        Path d = dirs.get(nextDir % dirs.size());
        nextDir++;
        return d;
    }

    String currentVersion() {
        return node.options.version.sstableVersion(node.options.sstableFormat, node.options.storageCompatibilityMode);
    }

    synchronized void write(Row row) {
        Row old = memtable.put(row.key, row);
        if (old != null && old.timestamp > row.timestamp) memtable.put(old.key, old);
        memtableBytes += row.serializedSize();
    }

    synchronized long memtableBytes() {
        return memtableBytes;
    }

    synchronized boolean dirty() {
        return !memtable.isEmpty();
    }

    synchronized List<SSTable> live() {
        return new ArrayList<>(live);
    }

    /** Writes the memtable as a new SSTable; returns it, or null when there was nothing to flush. */
    synchronized SSTable flush() {
        if (memtable.isEmpty()) return null;
        try {
            SSTable sstable = SSTableWriter.write(nextDir(), currentVersion(), newId(), node.options.sstableFormat,
                def.compressed(), memtable.values().iterator(), memtable.size());
            memtable.clear();
            memtableBytes = 0;
            addLive(sstable, true);
            return sstable;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Adds new data (a flush, an import, streamed or generated data) to the live set: its index data is written
     * first, and it is hard-linked into backups/ when incremental backups are on.
     */
    synchronized void addLive(SSTable sstable, boolean backup) {
        SSTable indexed = indexes.isEmpty() ? sstable : indexes.indexNew(sstable, backup);
        live.add(indexed);
        noteGeneration(indexed.id);
        if (backup && node.incrementalBackups()) linkAll(indexed, indexed.dir.resolve("backups"));
    }

    /** Hard-links every component of `s` into `dir`. */
    static void linkAll(SSTable s, Path dir) {
        Files2.mkdirs(dir);
        for (Path f : s.files()) {
            try {
                Files.createLink(dir.resolve(f.getFileName()), f);
            } catch (FileAlreadyExistsException e) {
                // already linked
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** Truncation: drops the memtable and every live SSTable (their files are deleted). */
    synchronized void dropAll() {
        memtable.clear();
        memtableBytes = 0;
        for (SSTable s : live) deleteFiles(s);
        live.clear();
        indexes.dropAll();
    }

    static void deleteFiles(SSTable s) {
        // TOC first, as Cassandra does, so a crash mid-way never leaves a TOC naming deleted components
        List<Path> files = s.files();
        Path toc = s.file("TOC.txt");
        try {
            Files.deleteIfExists(toc);
            for (Path f : files) Files.deleteIfExists(f);
            // like Cassandra's transaction log, every file of the SSTable goes, listed in the TOC or not
            // (5.0.2's SAI PartitionToSize is not)
            for (Path f : Files2.list(s.dir)) {
                if (f.getFileName().toString().startsWith(s.prefix()) && Files.isRegularFile(f)) Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opens every live SSTable for a merged read; the files stay readable even if compaction deletes them. */
    private synchronized List<RowFile.Reader> openLive() throws IOException {
        List<RowFile.Reader> readers = new ArrayList<>();
        try {
            for (SSTable s : live) readers.add(new RowFile.Reader(s.dataFile()));
        } catch (IOException | RuntimeException e) {
            for (RowFile.Reader r : readers) r.close();
            throw e;
        }
        return readers;
    }

    /** Folds `fn` over the merged content of the live SSTables (memtable excluded: it is not durable yet). */
    <T> T readLive(Function<Iterator<Row>, T> fn) {
        try {
            List<RowFile.Reader> readers = openLive();
            try {
                return fn.apply(new MergeIterator(readers));
            } finally {
                for (RowFile.Reader r : readers) r.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long rowCount() {
        return readLive(rows -> {
            long n = 0;
            while (rows.hasNext()) {
                rows.next();
                n++;
            }
            return n;
        });
    }

    /** SHA-256 over (key, value) of the merged live rows in key order, as hex. Timestamps are left out. */
    String checksum() {
        return readLive(rows -> {
            MessageDigest sha = sha256();
            byte[] len = new byte[4];
            while (rows.hasNext()) {
                Row r = rows.next();
                putInt(len, r.keyBytes.length);
                sha.update(len);
                sha.update(r.keyBytes);
                putInt(len, r.value.length);
                sha.update(len);
                sha.update(r.value);
            }
            return HexFormat.of().formatHex(sha.digest());
        });
    }

    String read(String key) {
        return readLive(rows -> {
            while (rows.hasNext()) {
                Row r = rows.next();
                if (r.key.equals(key)) return new String(r.value, java.nio.charset.StandardCharsets.UTF_8);
            }
            return null;
        });
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void putInt(byte[] b, int v) {
        b[0] = (byte) (v >>> 24);
        b[1] = (byte) (v >>> 16);
        b[2] = (byte) (v >>> 8);
        b[3] = (byte) v;
    }

    /**
     * Rewrites `inputs` (all live ones when null) through `filter`, as compaction, cleanup, scrub and upgrade
     * do: `merge` makes one output SSTable of all inputs, otherwise each input is rewritten on its own. The
     * inputs are read outside the lock and swapped for the outputs under it; the old files are deleted.
     */
    void rewrite(String opType, List<SSTable> inputs, boolean merge, Predicate<Row> filter) {
        List<SSTable> chosen;
        synchronized (this) {
            chosen = new ArrayList<>();
            for (SSTable s : inputs == null ? live : inputs) {
                if (live.contains(s) && !compacting.contains(s)) chosen.add(s);
            }
            if (chosen.isEmpty()) return;
            compacting.addAll(chosen);
        }
        long total = 0;
        for (SSTable s : chosen) total += s.dataSize();
        Operations.Task task = node.operations.start(opType, def.keyspace, def.name, total);
        List<SSTable> outputs = new ArrayList<>();
        // keys the filter drops: their index entries go too
        java.util.Set<String> dropped = new java.util.TreeSet<>();
        Predicate<Row> keep = filter == null ? null : row -> {
            boolean kept = filter.test(row);
            if (!kept) dropped.add(row.key);
            return kept;
        };
        try {
            List<List<SSTable>> groups = new ArrayList<>();
            if (merge) groups.add(chosen);
            else for (SSTable s : chosen) groups.add(List.of(s));
            for (List<SSTable> group : groups) {
                List<RowFile.Reader> readers = new ArrayList<>();
                try {
                    long expected = 0;
                    for (SSTable s : group) {
                        readers.add(new RowFile.Reader(s.dataFile()));
                        expected += s.rowCount;
                    }
                    Iterator<Row> rows = node.operations.track(task, new MergeIterator(readers));
                    Iterator<Row> kept = FilteredRows.of(rows, keep);
                    SSTable out = SSTableWriter.write(nextDir(), currentVersion(), newId(), node.options.sstableFormat,
                        def.compressed(), kept, Math.max(1, expected));
                    if (out != null) outputs.add(indexes.withSai(out));
                } finally {
                    for (RowFile.Reader r : readers) r.close();
                }
            }
        } catch (IOException e) {
            for (SSTable o : outputs) deleteFiles(o);
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            for (SSTable o : outputs) deleteFiles(o);
            throw e;
        } finally {
            node.operations.finish(task);
            synchronized (this) {
                compacting.removeAll(chosen);
            }
        }
        synchronized (this) {
            boolean stillLive = live.containsAll(chosen);
            if (!stillLive) {
                // truncated meanwhile: what we wrote is stale
                for (SSTable o : outputs) deleteFiles(o);
                return;
            }
            live.removeAll(chosen);
            for (SSTable o : outputs) {
                live.add(o);
                noteGeneration(o.id);
            }
            for (SSTable s : chosen) deleteFiles(s);
            if (!indexes.isEmpty()) indexes.afterRewrite(goneKeys(dropped));
        }
    }

    /** Of the keys a rewrite dropped, those no live SSTable holds any more. */
    private java.util.Set<String> goneKeys(java.util.Set<String> dropped) {
        if (dropped.isEmpty()) return dropped;
        java.util.Set<String> gone = new java.util.TreeSet<>(dropped);
        readLive(rows -> {
            while (rows.hasNext()) gone.remove(rows.next().key);
            return null;
        });
        return gone;
    }

    /** See TableIndexes.check. */
    synchronized String checkIndexes() {
        return indexes.check(new ArrayList<>(live));
    }

    /** Removes files of live SSTables from the live set without deleting them (used by import rollback). */
    synchronized void forget(SSTable s) {
        live.remove(s);
    }

    synchronized boolean isLiveFile(Path p) {
        for (SSTable s : live) if (s.dir.equals(p.getParent()) && p.getFileName().toString().startsWith(s.prefix())) return true;
        return false;
    }

    Map<String, Long> stats() {
        Map<String, Long> m = new TreeMap<>();
        synchronized (this) {
            m.put("liveSSTables", (long) live.size());
            m.put("memtableRows", (long) memtable.size());
        }
        return m;
    }
}
