package daedalus.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;

/**
 * The secondary indexes of one table, kept in step with its SSTables: a flush, an import or streamed data
 * gets index data (a new 2i SSTable in `.<index>/`; SAI components beside the SSTable), rewrites
 * (compaction, cleanup, scrub, upgrade) rewrite them, truncate and drop delete them. At start whatever is on
 * disk is the index, stale or not. Called under the owning TableStore's lock.
 */
final class TableIndexes {
    private final TableStore store;
    private final Map<String, LegacyIndex> legacy = new TreeMap<>();
    private final List<String> sai = new ArrayList<>();

    TableIndexes(TableStore store) {
        this.store = store;
    }

    boolean isEmpty() {
        return legacy.isEmpty() && sai.isEmpty();
    }

    List<String> saiNames() {
        return new ArrayList<>(sai);
    }

    /**
     * Takes on the indexes of the table's schema. At start (`build` false) 2i SSTables on disk are loaded as
     * they are; an index created later is built from the live SSTables, as CREATE INDEX does. Returns the live
     * SSTables that got new SAI components (their component lists changed).
     */
    List<SSTable[]> sync(Schema.Table def, List<SSTable> live, boolean build) {
        List<SSTable[]> replaced = new ArrayList<>();
        try {
            List<String> newSai = new ArrayList<>();
            for (Map.Entry<String, String> e : def.indexes.entrySet()) {
                String name = e.getKey();
                if (e.getValue().equals(Schema.SAI)) {
                    if (!sai.contains(name)) {
                        sai.add(name);
                        newSai.add(name);
                    }
                } else if (!legacy.containsKey(name)) {
                    LegacyIndex index = new LegacyIndex(store, name);
                    index.load();
                    if (build) index.build(live);
                    legacy.put(name, index);
                }
            }
            if (build && !newSai.isEmpty()) {
                for (SSTable s : live) replaced.add(new SSTable[] {s, SaiComponents.write(s, sai)});
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return replaced;
    }

    /** New base data (flush, import, streaming, bulk generation): index it. Returns the SSTable as it is now. */
    SSTable indexNew(SSTable s, boolean backup) {
        try {
            SSTable out = SaiComponents.write(s, sai);
            for (LegacyIndex index : legacy.values()) index.index(out, backup);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A rewrite output gets its SAI components (written before it becomes live). */
    SSTable withSai(SSTable s) throws IOException {
        return SaiComponents.write(s, sai);
    }

    /** After a rewrite swapped SSTables: rewrite each 2i without the entries of keys that are gone. */
    void afterRewrite(Set<String> gone) {
        try {
            for (LegacyIndex index : legacy.values()) index.rewrite(gone);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void dropAll() {
        for (LegacyIndex index : legacy.values()) index.dropAll();
    }

    /**
     * Snapshot of the 2i SSTables: links under `<table dir>/snapshots/<tag>/.<index>/` (Cassandra's
     * Directories.getSnapshotDirectory for an index directory). Returns their manifest names
     * (`.<index>/<Data.db>`, Descriptor.relativeFilenameFor). SAI components are linked with their SSTable.
     */
    List<String> snapshot(String tag) throws IOException {
        List<String> files = new ArrayList<>();
        for (LegacyIndex index : legacy.values()) {
            for (SSTable s : index.live()) {
                Path tableDir = s.dir.getParent();
                Path target = tableDir.resolve("snapshots").resolve(tag).resolve(LegacyIndex.dirName(index.name));
                Files.createDirectories(target);
                for (Path f : s.files()) {
                    try {
                        Files.createLink(target.resolve(f.getFileName()), f);
                    } catch (FileAlreadyExistsException e) {
                        // linked by an earlier attempt of the same snapshot
                    }
                }
                files.add(LegacyIndex.dirName(index.name) + "/" + s.dataFileName());
            }
        }
        return files;
    }

    /** Index files present in the live table directories: files of `.<name>/` subdirectories and SAI components. */
    List<String> files() {
        List<String> out = new ArrayList<>();
        for (Path tableDir : store.dirs) {
            for (Path p : Files2.list(tableDir)) {
                String name = p.getFileName().toString();
                if (name.startsWith(".") && Files.isDirectory(p)) {
                    for (Path f : Files2.list(p)) if (Files.isRegularFile(f)) out.add(f.toString());
                } else if (name.contains("-" + SaiComponents.PREFIX) && Files.isRegularFile(p)) {
                    out.add(p.toString());
                }
            }
        }
        out.sort(null);
        return out;
    }

    /**
     * What is wrong with the indexes, one finding per line; empty when every index holds exactly the keys of
     * the live SSTables. 2i: entries for keys not live are stale, live keys without an entry are missing.
     * SAI: components of SSTables (or indexes) that are not live are stale; a live SSTable lacking a component,
     * or one whose components hold other keys than it, is reported too.
     */
    String check(List<SSTable> live) {
        List<String> findings = new ArrayList<>();
        TreeSet<String> liveKeys = store.readLive(rows -> {
            TreeSet<String> keys = new TreeSet<>();
            while (rows.hasNext()) keys.add(rows.next().key);
            return keys;
        });
        for (LegacyIndex index : legacy.values()) {
            TreeSet<String> indexed = index.keys();
            TreeSet<String> stale = new TreeSet<>(indexed);
            stale.removeAll(liveKeys);
            TreeSet<String> missing = new TreeSet<>(liveKeys);
            missing.removeAll(indexed);
            if (!stale.isEmpty()) findings.add("index " + index.name + ": " + stale.size() + " stale entries for keys not live, e.g. " + stale.first());
            if (!missing.isEmpty()) findings.add("index " + index.name + ": " + missing.size() + " live keys missing, e.g. " + missing.first());
        }
        checkSai(live, findings);
        checkStrayDirectories(findings);
        return String.join("\n", findings);
    }

    private void checkSai(List<SSTable> live, List<String> findings) {
        Set<String> livePrefixes = new TreeSet<>();
        for (SSTable s : live) livePrefixes.add(s.dir.resolve(s.prefix()).toString());
        for (Path tableDir : store.dirs) {
            for (Path p : Files2.list(tableDir)) {
                String name = p.getFileName().toString();
                int at = name.indexOf("-" + SaiComponents.PREFIX);
                if (at < 0) continue;
                String prefix = name.substring(0, at + 1);
                String component = name.substring(at + 1);
                if (!livePrefixes.contains(tableDir.resolve(prefix).toString())) {
                    findings.add("stale SAI component of an SSTable that is not live: " + p);
                } else if (!knownSaiComponent(component)) {
                    findings.add("stale SAI component of an index that does not exist: " + p);
                }
            }
        }
        if (sai.isEmpty()) return;
        for (SSTable s : live) {
            TreeSet<String> keys = null;
            for (String component : SaiComponents.expected(sai)) {
                Path f = s.file(component);
                if (!Files.exists(f)) {
                    findings.add("missing SAI component " + f);
                    continue;
                }
                if (!component.endsWith("+PartitionKeyBlocks.db") && !component.endsWith("+TermsData.db")) continue;
                if (keys == null) keys = keysOf(s);
                try {
                    if (!SaiComponents.keysIn(f).equals(keys)) findings.add("stale SAI component (keys of another SSTable): " + f);
                } catch (IOException e) {
                    findings.add("unreadable SAI component " + f + ": " + e.getMessage());
                }
            }
        }
    }

    private boolean knownSaiComponent(String component) {
        for (String part : SaiComponents.PER_SSTABLE) if (component.equals(SaiComponents.perSSTable(part))) return true;
        for (String index : sai) for (String part : SaiComponents.PER_INDEX) if (component.equals(SaiComponents.perIndex(index, part))) return true;
        return false;
    }

    /** `.<name>/` directories holding SSTables of an index the table does not have. */
    private void checkStrayDirectories(List<String> findings) {
        for (Path tableDir : store.dirs) {
            for (Path p : Files2.list(tableDir)) {
                String name = p.getFileName().toString();
                if (!name.startsWith(".") || !Files.isDirectory(p) || legacy.containsKey(name.substring(1))) continue;
                for (Path f : Files2.list(p)) {
                    Matcher m = SSTable.FILE_NAME.matcher(f.getFileName().toString());
                    if (m.matches() && m.group(4).equals("Data.db")) findings.add("stale index SSTable of an index that does not exist: " + f);
                }
            }
        }
    }

    private static TreeSet<String> keysOf(SSTable s) {
        TreeSet<String> out = new TreeSet<>();
        try (RowFile.Reader r = new RowFile.Reader(s.dataFile())) {
            while (r.hasNext()) out.add(r.next().key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
