package daedalus.sim;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * `importNewSSTables` / `loadNewSSTables`, following Cassandra's SSTableImporter: verify every directory
 * first when asked (a directory with a bad SSTable is reported as failed and left untouched), then move or
 * copy each SSTable into the table under a new id, rolling a directory back if any of its SSTables cannot
 * be imported. Returns the source directories that failed.
 */
final class Importer {
    private final Node node;

    Importer(Node node) {
        this.node = node;
    }

    private static final class Candidate {
        final SSTable sstable;
        Candidate(SSTable sstable) {
            this.sstable = sstable;
        }
    }

    List<String> importNewSSTables(TableStore store, Set<String> srcPaths, boolean verifySSTables, boolean verifyTokens,
                                   boolean extendedVerify, boolean copyData) {
        store.importFaults.awaitDelay();
        Map<String, List<Path>> listers = new LinkedHashMap<>();
        if (srcPaths == null || srcPaths.isEmpty()) {
            // loadNewSSTables: whatever was dropped into the table directories themselves
            List<Path> dirs = new ArrayList<>(store.dirs);
            listers.put(null, dirs);
        } else {
            for (String path : srcPaths) {
                Path dir = Path.of(path);
                if (!Files.exists(dir)) throw new RuntimeException(String.format("Directory %s does not exist", path));
                if (!Files.isDirectory(dir) || !Files.isReadable(dir) || !Files.isWritable(dir)) {
                    throw new RuntimeException("Insufficient permissions on directory " + path);
                }
                listers.put(path, List.of(dir));
            }
        }
        List<String> failed = new ArrayList<>();
        if (store.importFaults.consumeIgnore()) {
            // injected: as real 5.0.2 does when it accepts none of the SSTables it sees
            System.err.println("No new SSTables were found for " + store.def.keyspace + "/" + store.def.name);
            return failed;
        }
        if (store.importFaults.consumeFailure()) {
            // failure injection: every directory fails verification, exactly as a corrupt SSTable would make it
            for (String dir : listers.keySet()) {
                if (dir == null) throw new RuntimeException("Failed verifying sstable (injected failure)");
                failed.add(dir);
            }
            return failed;
        }
        Map<String, List<Candidate>> found = new LinkedHashMap<>();
        boolean any = false;
        for (Map.Entry<String, List<Path>> e : listers.entrySet()) {
            List<Candidate> list = new ArrayList<>();
            if (e.getKey() == null || acceptsDirectory(store, Path.of(e.getKey()))) {
                for (Path dir : e.getValue()) list.addAll(candidates(store, dir));
            }
            any |= !list.isEmpty();
            found.put(e.getKey(), list);
        }
        if (!any) {
            // SSTableImporter: nothing to import is not a failure
            System.err.println("No new SSTables were found for " + store.def.keyspace + "/" + store.def.name);
            return failed;
        }

        if (verifySSTables || verifyTokens) {
            for (Map.Entry<String, List<Candidate>> e : found.entrySet()) {
                for (Candidate c : e.getValue()) {
                    try {
                        verify(store, c.sstable, verifySSTables, verifyTokens, extendedVerify);
                    } catch (Exception ex) {
                        System.err.println("Failed verifying sstable " + c.sstable + ": " + ex.getMessage());
                        if (e.getKey() == null) throw new RuntimeException("Failed verifying sstable " + c.sstable + ": " + ex.getMessage());
                        failed.add(e.getKey());
                        break;
                    }
                }
            }
        }

        List<SSTable> imported = new ArrayList<>();
        for (Map.Entry<String, List<Candidate>> e : found.entrySet()) {
            String dir = e.getKey();
            if (failed.contains(dir)) continue;
            List<Path[]> moved = new ArrayList<>();
            List<SSTable> perDir = new ArrayList<>();
            try {
                for (Candidate c : e.getValue()) {
                    SSTable s = c.sstable;
                    checkOpenable(s);
                    Path targetDir = store.dirs.contains(s.dir) ? s.dir : store.nextDir();
                    String newId = store.newId();
                    SSTable target = new SSTable(targetDir, s.version, newId, s.format, s.components, s.rowCount,
                        s.minTimestamp, s.maxTimestamp);
                    // TOC last, so a half-moved SSTable is never complete in the target
                    List<String> order = new ArrayList<>(s.components);
                    order.remove("TOC.txt");
                    order.add("TOC.txt");
                    for (String component : order) {
                        Path from = s.file(component);
                        Path to = target.file(component);
                        if (Files.exists(to)) throw new IOException("target " + to + " already exists");
                        if (copyData) Files.copy(from, to);
                        else Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
                        moved.add(new Path[] {from, to});
                    }
                    perDir.add(target);
                }
            } catch (Exception ex) {
                System.err.println("Failed importing sstables in directory " + dir + ": " + ex.getMessage());
                for (Path[] m : moved) {
                    try {
                        if (copyData) Files.deleteIfExists(m[1]);
                        else Files.move(m[1], m[0]);
                    } catch (IOException rollback) {
                        System.err.println("could not roll back " + m[1] + ": " + rollback.getMessage());
                    }
                }
                if (dir == null) throw new RuntimeException("Failed importing sstables: " + ex.getMessage());
                failed.add(dir);
                continue;
            }
            imported.addAll(perDir);
        }
        for (SSTable s : imported) store.addLive(s, true);
        return failed;
    }

    /**
     * Real 5.0.2 only sees SSTables in a directory shaped `.../<keyspace>/<table>/` (it reads the keyspace and
     * table from the path); from any other directory it imports nothing and reports no failure. 4.x imports
     * from any directory.
     */
    private boolean acceptsDirectory(TableStore store, Path dir) {
        if (!node.options.version.is50()) return true;
        Path parent = dir.getParent();
        return dir.getFileName() != null && dir.getFileName().toString().equals(store.def.name)
            && parent != null && parent.getFileName() != null
            && parent.getFileName().toString().equals(store.def.keyspace);
    }

    /** SSTables in `dir` that are not live already (for loadNewSSTables, the table dirs hold live ones too). */
    private static List<Candidate> candidates(TableStore store, Path dir) {
        List<Candidate> out = new ArrayList<>();
        for (Path p : Files2.list(dir)) {
            Matcher m = SSTable.FILE_NAME.matcher(p.getFileName().toString());
            if (!m.matches() || !m.group(4).equals("Data.db") || !Files.isRegularFile(p)) continue;
            if (store.isLiveFile(p)) continue;
            try {
                out.add(new Candidate(SSTable.open(p)));
            } catch (IOException e) {
                throw new RuntimeException(e.getMessage());
            }
        }
        return out;
    }

    private void checkOpenable(SSTable s) throws IOException {
        if (!Files.exists(s.file("TOC.txt"))) throw new IOException("Missing component TOC.txt for " + s);
        for (String c : s.components) {
            if (!Files.exists(s.file(c))) throw new IOException("Missing component " + c + " for " + s);
        }
        if (!readable(s.version, s.format)) {
            throw new IOException("SSTable " + s + " has version " + s.version + "-" + s.format
                + " which Cassandra " + node.options.version.releaseVersion + " cannot read");
        }
    }

    /** Versions a release can read: `big` from 3.0's `ma` up to its own; `bti` only in 5.0. */
    boolean readable(String version, String format) {
        if (format.equals("bti")) return node.options.version.is50();
        String max = node.options.version.bigVersion;
        return version.compareTo("ma") >= 0 && version.compareTo(max) <= 0;
    }

    private void verify(TableStore store, SSTable s, boolean verifySSTables, boolean verifyTokens, boolean extended)
            throws IOException {
        checkOpenable(s);
        if (verifySSTables) {
            String digest = Files.readString(s.file("Digest.crc32"), StandardCharsets.US_ASCII).trim();
            long actual = SSTableWriter.crc32(s.dataFile());
            if (!digest.equals(Long.toString(actual))) {
                throw new IOException("Corrupted SSTable : " + s.dataFile() + " (digest mismatch: Digest.crc32 says "
                    + digest + ", Data.db has " + actual + ")");
            }
        }
        if (extended || verifyTokens) {
            Schema.Keyspace ks = node.schema().keyspace(store.def.keyspace);
            try (RowFile.Reader reader = new RowFile.Reader(s.dataFile())) {
                while (reader.hasNext()) {
                    Row r = reader.next();
                    if (verifyTokens && ks != null && !node.owns(ks, r.key)) {
                        throw new IOException("Can't import sstable " + s + ": key " + r.key
                            + " is outside the token ranges this node owns");
                    }
                }
            } catch (java.io.UncheckedIOException e) {
                throw e.getCause();
            }
        }
    }
}
