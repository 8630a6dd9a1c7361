package daedalus.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The cluster-wide schema, shared by every simulator of a cluster through `<cluster-dir>/schema.json`.
 * Changes happen under an exclusive FileChannel lock on `schema.lock` (read, modify, atomic replace), so
 * two nodes creating tables at once never lose each other's change.
 */
final class SchemaStore {
    private final Path file;
    private final Path lockFile;
    private Schema cached;
    private FileTime cachedTime;
    private long cachedSize = -1;

    SchemaStore(Path clusterDir) {
        this.file = clusterDir.resolve("schema.json");
        this.lockFile = clusterDir.resolve("schema.lock");
        Files2.mkdirs(clusterDir);
    }

    /** The schema as currently stored; re-read only when the file changed. */
    synchronized Schema current() {
        try {
            if (!Files.exists(file)) {
                if (cached == null || cachedSize != 0) {
                    cached = Schema.fromStored(emptyStored());
                    cachedSize = 0;
                    cachedTime = null;
                }
                return cached;
            }
            FileTime time = Files.getLastModifiedTime(file);
            long size = Files.size(file);
            if (cached != null && time.equals(cachedTime) && size == cachedSize) return cached;
            String text = Files2.readOrNull(file);
            if (text == null) return cached != null ? cached : Schema.fromStored(emptyStored());
            cached = Schema.fromStored(Json.parseObject(text));
            cachedTime = time;
            cachedSize = size;
            return cached;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Object> emptyStored() {
        Map<String, Object> m = new TreeMap<>();
        m.put("keyspaces", new TreeMap<String, Object>());
        return m;
    }

    /**
     * Applies `change` to the stored schema under the cluster lock. The function gets a mutable, sorted copy
     * and returns a result for the caller; it may throw to refuse the change (nothing is written then).
     */
    synchronized <T> T mutate(Function<Map<String, Object>, T> change) {
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = channel.lock()) {
            String text = Files.exists(file) ? Files.readString(file) : null;
            Map<String, Object> stored = text == null ? emptyStored() : sorted(Json.parseObject(text));
            T result = change.apply(stored);
            Files2.writeAtomic(file, Json.write(stored));
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> sorted(Map<String, Object> in) {
        Map<String, Object> out = new TreeMap<>();
        for (Map.Entry<String, Object> e : in.entrySet()) {
            Object v = e.getValue();
            out.put(e.getKey(), v instanceof Map ? sorted((Map<String, Object>) v) : v);
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> keyspacesOf(Map<String, Object> stored) {
        return (Map<String, Object>) stored.computeIfAbsent("keyspaces", k -> new TreeMap<String, Object>());
    }
}
