package daedalus.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.openmbean.CompositeDataSupport;
import javax.management.openmbean.CompositeType;
import javax.management.openmbean.OpenDataException;
import javax.management.openmbean.OpenType;
import javax.management.openmbean.SimpleType;
import javax.management.openmbean.TabularData;
import javax.management.openmbean.TabularDataSupport;
import javax.management.openmbean.TabularType;

/** Snapshots: hard links under `snapshots/<tag>/`, the version's manifest.json, schema.cql, details, clearing. */
final class Snapshots {
    private static final Pattern DURATION = Pattern.compile("^(\\d+)(d|h|m|s|ms|us|µs|ns)$");
    private final Node node;

    Snapshots(Node node) {
        this.node = node;
    }

    // ---------------------------------------------------------------- take

    void take(String tag, Map<String, String> options, String... entities) throws IOException {
        if (tag == null || tag.isEmpty()) throw new IOException("You must supply a snapshot name.");
        if (tag.contains("/") || tag.contains(java.io.File.separator)) {
            throw new IllegalArgumentException("Snapshot name cannot contain " + java.io.File.separatorChar);
        }
        Map<String, String> opts = options == null ? Map.of() : options;
        boolean skipFlush = Boolean.parseBoolean(opts.getOrDefault("skipFlush", "false"));
        Long ttlSeconds = null;
        if (node.options.version.atLeast41() && opts.containsKey("ttl")) {
            long seconds = parseDurationSeconds(opts.get("ttl"));
            if (seconds < node.options.snapshotMinTtlSeconds) {
                throw new IllegalArgumentException(String.format("ttl for snapshot must be at least %d seconds",
                    node.options.snapshotMinTtlSeconds));
            }
            ttlSeconds = seconds;
        }
        Schema schema = node.schema();
        List<TableStore> targets = new ArrayList<>();
        if (entities != null && entities.length > 0 && entities[0] != null && entities[0].contains(".")) {
            for (String entity : entities) {
                String[] parts = entity.split("\\.");
                if (parts.length != 2) {
                    throw new IllegalArgumentException("Cannot take a snapshot on secondary index or invalid column "
                        + "family name. You must supply a column family name in the form of keyspace.columnfamily");
                }
                if (schema.keyspace(parts[0]) == null) throw new IOException("Keyspace " + parts[0] + " does not exist");
                if (schema.table(parts[0], parts[1]) == null) {
                    throw new IllegalArgumentException(String.format("Unknown keyspace/cf pair (%s.%s)", parts[0], parts[1]));
                }
                TableStore store = node.store(parts[0], parts[1]);
                if (exists(store, tag)) throw new IOException("Snapshot " + tag + " already exists.");
                targets.add(store);
            }
        } else {
            List<String> keyspaces = new ArrayList<>();
            if (entities == null || entities.length == 0) keyspaces.addAll(schema.keyspaces.keySet());
            else for (String e : entities) keyspaces.add(e);
            for (String ks : keyspaces) {
                if (schema.keyspace(ks) == null) throw new IOException("Keyspace " + ks + " does not exist");
            }
            for (String ks : keyspaces) {
                for (TableStore store : node.stores(ks)) {
                    if (exists(store, tag)) throw new IOException("Snapshot " + tag + " already exists.");
                }
            }
            for (String ks : keyspaces) targets.addAll(node.stores(ks));
        }
        for (TableStore store : targets) snapshotTable(store, tag, ttlSeconds, skipFlush);
    }

    static long parseDurationSeconds(String value) {
        Matcher m = DURATION.matcher(value == null ? "" : value.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("Invalid duration: " + value + " Accepted units:[NANOSECONDS, "
                + "MICROSECONDS, MILLISECONDS, SECONDS, MINUTES, HOURS, DAYS] where case matters and only non-negative values.");
        }
        long n = Long.parseLong(m.group(1));
        switch (m.group(2)) {
            case "d": return n * 86400;
            case "h": return n * 3600;
            case "m": return n * 60;
            case "s": return n;
            case "ms": return n / 1000;
            case "us": case "µs": return n / 1_000_000;
            default: return n / 1_000_000_000;
        }
    }

    boolean exists(TableStore store, String tag) {
        for (Path dir : store.dirs) if (Files.isDirectory(dir.resolve("snapshots").resolve(tag))) return true;
        return false;
    }

    /** Snapshots one table: links in each data dir holding its SSTables; manifest and schema.cql in one of them. */
    void snapshotTable(TableStore store, String tag, Long ttlSeconds, boolean skipFlush) {
        if (!skipFlush) node.flushStore(store);
        List<String> files = new ArrayList<>();
        // under the table's lock, so the SSTables and their index data are seen at one point in time
        synchronized (store) {
            linkLive(store, tag, ttlSeconds, files);
        }
    }

    private void linkLive(TableStore store, String tag, Long ttlSeconds, List<String> files) {
        List<SSTable> sstables = store.live();
        try {
            for (SSTable s : sstables) {
                Path target = s.dir.resolve("snapshots").resolve(tag);
                Files.createDirectories(target);
                for (Path f : s.files()) {
                    try {
                        Files.createLink(target.resolve(f.getFileName()), f);
                    } catch (FileAlreadyExistsException e) {
                        // linked by an earlier attempt of the same snapshot
                    }
                }
                files.add(s.dataFileName());
            }
            files.addAll(store.indexes.snapshot(tag));
            Path metaDir = store.nextDir().resolve("snapshots").resolve(tag);
            Files.createDirectories(metaDir);
            Instant createdAt = Instant.now();
            Instant expiresAt = ttlSeconds == null ? null : createdAt.plusSeconds(ttlSeconds);
            Files2.writeAtomic(metaDir.resolve("manifest.json"), manifest(files, createdAt, expiresAt));
            if (!store.def.system) Files2.writeAtomic(metaDir.resolve("schema.cql"), store.def.snapshotSchema());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String manifest(List<String> files, Instant createdAt, Instant expiresAt) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("files", files);
        if (node.options.version.atLeast41()) {
            m.put("created_at", createdAt.toString());
            m.put("expires_at", expiresAt == null ? null : expiresAt.toString());
        }
        if (node.options.version.is50()) m.put("ephemeral", false);
        return Json.write(m);
    }

    // ---------------------------------------------------------------- listing

    /** One snapshot of one table, possibly spread across data directories. */
    static final class Entry {
        final String tag;
        final String keyspace;
        final String table;
        final List<Path> dirs = new ArrayList<>();
        Instant createdAt;
        Instant expiresAt;
        boolean ephemeral;

        Entry(String tag, String keyspace, String table) {
            this.tag = tag;
            this.keyspace = keyspace;
            this.table = table;
        }
    }

    /** Every snapshot on disk, including those of dropped tables, keyed by tag/keyspace/table directory. */
    List<Entry> list() {
        Map<String, Entry> out = new TreeMap<>();
        for (Path dataDir : node.options.dataDirs) {
            for (Path ksDir : Files2.list(dataDir)) {
                if (!Files.isDirectory(ksDir)) continue;
                for (Path tableDir : Files2.list(ksDir)) {
                    Path snaps = tableDir.resolve("snapshots");
                    if (!Files.isDirectory(snaps)) continue;
                    String dirName = tableDir.getFileName().toString();
                    int dash = dirName.lastIndexOf('-');
                    String table = dash > 0 ? dirName.substring(0, dash) : dirName;
                    for (Path snap : Files2.list(snaps)) {
                        if (!Files.isDirectory(snap)) continue;
                        String tag = snap.getFileName().toString();
                        String key = tag + "\u0000" + ksDir.getFileName() + "\u0000" + dirName;
                        Entry e = out.computeIfAbsent(key, k -> new Entry(tag, ksDir.getFileName().toString(), table));
                        e.dirs.add(snap);
                        readManifest(e, snap);
                    }
                }
            }
        }
        return new ArrayList<>(out.values());
    }

    private static void readManifest(Entry e, Path snapDir) {
        Path manifest = snapDir.resolve("manifest.json");
        String text = Files2.readOrNull(manifest);
        if (text == null) {
            if (e.createdAt == null) e.createdAt = mtime(snapDir);
            return;
        }
        try {
            Map<String, Object> m = Json.parseObject(text);
            Object created = m.get("created_at");
            Object expires = m.get("expires_at");
            e.createdAt = created == null ? mtime(manifest) : Instant.parse(created.toString());
            e.expiresAt = expires == null ? null : Instant.parse(expires.toString());
            e.ephemeral = Boolean.TRUE.equals(m.get("ephemeral"));
        } catch (RuntimeException ex) {
            e.createdAt = mtime(manifest);
        }
    }

    private static Instant mtime(Path p) {
        try {
            return Files.getLastModifiedTime(p).toInstant();
        } catch (IOException e) {
            return Instant.EPOCH;
        }
    }

    // ---------------------------------------------------------------- clear

    /** clearSnapshot: tag empty = every tag; keyspaces empty = every keyspace; olderThan = created before it. */
    void clear(String tag, String[] keyspaces, Instant olderThan) {
        Set<String> wanted = new HashSet<>();
        if (keyspaces != null) for (String k : keyspaces) if (k != null && !k.isEmpty()) wanted.add(k);
        for (Entry e : list()) {
            if (!wanted.isEmpty() && !wanted.contains(e.keyspace)) continue;
            if (tag != null && !tag.isEmpty() && !tag.equals(e.tag)) continue;
            if (olderThan != null && (e.createdAt == null || !e.createdAt.isBefore(olderThan))) continue;
            for (Path d : e.dirs) Files2.deleteTree(d);
        }
    }

    void clearExpired() {
        Instant now = Instant.now();
        for (Entry e : list()) {
            if (e.expiresAt != null && !e.expiresAt.isAfter(now)) {
                for (Path d : e.dirs) Files2.deleteTree(d);
            }
        }
    }

    static Instant olderThan(Map<String, Object> options) {
        if (options == null) return null;
        Object olderThan = options.get("older_than");
        Object olderThanTimestamp = options.get("older_than_timestamp");
        if (olderThan != null && olderThanTimestamp != null) {
            throw new IllegalArgumentException("Specify only one of older_than or older_than_timestamp");
        }
        if (olderThan != null) return Instant.now().minusSeconds(parseDurationSeconds(olderThan.toString()));
        if (olderThanTimestamp != null) return Instant.parse(olderThanTimestamp.toString());
        return null;
    }

    // ---------------------------------------------------------------- details

    /**
     * {size on disk, true size} of a snapshot: every file under its directories (2i files in `.<index>/`
     * included); the true size counts the files the live table directory no longer has.
     */
    static long[] sizes(Entry e) {
        long onDisk = 0;
        long trueSize = 0;
        for (Path d : e.dirs) {
            Path tableDir = d.getParent().getParent();
            try (java.util.stream.Stream<Path> walk = Files.walk(d)) {
                for (Path f : (Iterable<Path>) walk::iterator) {
                    if (!Files.isRegularFile(f)) continue;
                    long size = Files2.size(f);
                    onDisk += size;
                    if (!Files.exists(tableDir.resolve(d.relativize(f)))) trueSize += size;
                }
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
        return new long[] {onDisk, trueSize};
    }

    Map<String, TabularData> details(Map<String, String> options) {
        Map<String, String> opts = options == null ? Map.of() : options;
        boolean noTtl = Boolean.parseBoolean(opts.getOrDefault("no_ttl", "false"));
        boolean includeEphemeral = Boolean.parseBoolean(opts.getOrDefault("include_ephemeral", "false"));
        String onlyKeyspace = opts.get("keyspace");
        String onlyTable = opts.get("table");
        String onlySnapshot = opts.get("snapshot");
        CassandraVersion v = node.options.version;
        List<String> names = new ArrayList<>(List.of("Snapshot name", "Keyspace name", "Column family name", "True size", "Size on disk"));
        if (v.atLeast41()) {
            names.add("Creation time");
            names.add("Expiration time");
        }
        if (v.is50()) names.add("Ephemeral");
        String[] itemNames = names.toArray(new String[0]);
        OpenType<?>[] types = new OpenType<?>[itemNames.length];
        java.util.Arrays.fill(types, SimpleType.STRING);
        Map<String, TabularData> out = new LinkedHashMap<>();
        try {
            CompositeType row = new CompositeType("SnapshotDetails", "SnapshotDetails", itemNames, itemNames, types);
            TabularType tabular = new TabularType("SnapshotDetails", "SnapshotDetails", row, itemNames);
            for (Entry e : list()) {
                if (noTtl && e.expiresAt != null) continue;
                if (e.ephemeral && !includeEphemeral) continue;
                if (onlyKeyspace != null && !onlyKeyspace.equals(e.keyspace)) continue;
                if (onlyTable != null && !onlyTable.equals(e.table)) continue;
                if (onlySnapshot != null && !onlySnapshot.equals(e.tag)) continue;
                long[] sizes = sizes(e);
                long onDisk = sizes[0];
                long trueSize = sizes[1];
                Map<String, Object> values = new LinkedHashMap<>();
                values.put("Snapshot name", e.tag);
                values.put("Keyspace name", e.keyspace);
                values.put("Column family name", e.table);
                values.put("True size", stringifyFileSize(trueSize));
                values.put("Size on disk", stringifyFileSize(onDisk));
                if (v.atLeast41()) {
                    values.put("Creation time", e.createdAt == null ? "" : e.createdAt.toString());
                    values.put("Expiration time", e.expiresAt == null ? "" : e.expiresAt.toString());
                }
                if (v.is50()) values.put("Ephemeral", Boolean.toString(e.ephemeral));
                TabularData data = out.computeIfAbsent(e.tag, t -> new TabularDataSupport(tabular));
                data.put(new CompositeDataSupport(row, values));
            }
        } catch (OpenDataException ex) {
            throw new IllegalStateException(ex);
        }
        return out;
    }

    /** Cassandra's FileUtils.stringifyFileSize. */
    static String stringifyFileSize(double value) {
        DecimalFormat df = new DecimalFormat("#.##");
        double kb = 1024;
        double mb = kb * 1024;
        double gb = mb * 1024;
        double tb = gb * 1024;
        if (value >= tb) return df.format(value / tb) + " TiB";
        if (value >= gb) return df.format(value / gb) + " GiB";
        if (value >= mb) return df.format(value / mb) + " MiB";
        if (value >= kb) return df.format(value / kb) + " KiB";
        return df.format(value) + " bytes";
    }
}
