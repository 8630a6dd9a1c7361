package daedalus.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;

/**
 * One classic secondary index (2i) of a table. As in Cassandra it is a hidden table of its own: its SSTables
 * live in the `.<index>/` subdirectory of each table directory, with their own generations, version and
 * format those of the node. Our index rows are keyed by the base row's key (value: the 8-byte term of the
 * indexed value), so the index can be compared with the live base keys. Every change happens under the
 * owning TableStore's lock.
 */
final class LegacyIndex {
    final String name;
    private final TableStore store;
    private final List<SSTable> live = new ArrayList<>();
    private long maxGeneration;

    LegacyIndex(TableStore store, String name) {
        this.store = store;
        this.name = name;
    }

    static String dirName(String index) {
        return "." + index;
    }

    Path dirIn(Path tableDir) {
        return tableDir.resolve(dirName(name));
    }

    /** Start-up: whatever complete index SSTables are on disk are the index, stale or not. */
    void load() {
        for (Path tableDir : store.dirs) {
            for (Path p : Files2.list(dirIn(tableDir))) {
                Matcher m = SSTable.FILE_NAME.matcher(p.getFileName().toString());
                if (!m.matches()) continue;
                noteGeneration(m.group(2));
                if (!m.group(4).equals("Data.db")) continue;
                try {
                    live.add(SSTable.open(p));
                } catch (IOException e) {
                    System.err.println("skipping unreadable index sstable " + p + ": " + e.getMessage());
                }
            }
        }
    }

    List<SSTable> live() {
        return new ArrayList<>(live);
    }

    private void noteGeneration(String id) {
        if (id.chars().allMatch(Character::isDigit)) maxGeneration = Math.max(maxGeneration, Long.parseLong(id));
    }

    private String newId() {
        if (store.node.options.uuidSSTableIds) return TimeUuids.nextSSTableId();
        for (Path tableDir : store.dirs) {
            for (Path p : Files2.list(dirIn(tableDir))) {
                Matcher m = SSTable.FILE_NAME.matcher(p.getFileName().toString());
                if (m.matches()) noteGeneration(m.group(2));
            }
        }
        return Long.toString(++maxGeneration);
    }

    /** Indexes the rows of a new base SSTable: one new index SSTable beside it (flush, import, streaming). */
    void index(SSTable base, boolean backup) throws IOException {
        try (RowFile.Reader rows = new RowFile.Reader(base.dataFile())) {
            write(dirIn(base.dir), entries(rows), Math.max(1, base.rowCount), backup);
        }
    }

    /** Builds the index of existing data (CREATE INDEX on a table that holds SSTables). */
    void build(List<SSTable> bases) throws IOException {
        for (SSTable base : bases) index(base, false);
    }

    /**
     * After a rewrite of the base SSTables (compaction, cleanup, scrub, upgrade), the index is rewritten too:
     * its SSTables are merged into one of the current version, without the entries of `removed` keys (rows the
     * rewrite dropped). Entries for other keys stay, stale ones included.
     */
    void rewrite(Set<String> removed) throws IOException {
        if (live.isEmpty()) return;
        List<SSTable> inputs = new ArrayList<>(live);
        List<RowFile.Reader> readers = new ArrayList<>();
        try {
            long expected = 0;
            for (SSTable s : inputs) {
                readers.add(new RowFile.Reader(s.dataFile()));
                expected += s.rowCount;
            }
            Iterator<Row> merged = new MergeIterator(readers);
            Iterator<Row> kept = FilteredRows.of(merged, r -> !removed.contains(r.key));
            write(dirIn(store.nextDir()), kept, Math.max(1, expected), false);
        } finally {
            for (RowFile.Reader r : readers) r.close();
        }
        live.removeAll(inputs);
        for (SSTable s : inputs) TableStore.deleteFiles(s);
    }

    private void write(Path dir, Iterator<Row> rows, long expected, boolean backup) throws IOException {
        SSTable s = SSTableWriter.write(dir, store.currentVersion(), newId(), store.node.options.sstableFormat,
            store.def.compressed(), rows, expected);
        if (s == null) return;
        live.add(s);
        // Directories.getBackupsDirectory: an index's backups go to <table dir>/backups/.<index>/
        if (backup && store.node.incrementalBackups()) {
            TableStore.linkAll(s, dir.getParent().resolve("backups").resolve(dirName(name)));
        }
    }

    /** Our index rows: the base key, the base timestamp and the term of the indexed value. */
    private static Iterator<Row> entries(Iterator<Row> base) {
        return new Iterator<Row>() {
            @Override
            public boolean hasNext() {
                return base.hasNext();
            }

            @Override
            public Row next() {
                Row r = base.next();
                return new Row(r.key, r.timestamp, java.nio.ByteBuffer.allocate(8).putLong(SaiComponents.term(r.value)).array());
            }
        };
    }

    /** Truncate / drop: every index SSTable goes (the `.<index>/` directories stay). */
    void dropAll() {
        for (SSTable s : live) TableStore.deleteFiles(s);
        live.clear();
    }

    /** Every key the index holds (merged over its SSTables). */
    TreeSet<String> keys() {
        TreeSet<String> out = new TreeSet<>();
        List<RowFile.Reader> readers = new ArrayList<>();
        try {
            for (SSTable s : live) readers.add(new RowFile.Reader(s.dataFile()));
            MergeIterator merged = new MergeIterator(readers);
            while (merged.hasNext()) out.add(merged.next().key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (RowFile.Reader r : readers) {
                try {
                    r.close();
                } catch (IOException e) {
                    // read-only: nothing to undo
                }
            }
        }
        return out;
    }
}
