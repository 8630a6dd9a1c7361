package daedalus.sim;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Compaction-like operations in progress (what CompactionManager's `Compactions` attribute lists), with
 * simulated disk throughput so progress can be watched and `stopCompaction` can interrupt them.
 */
final class Operations {
    /** Cassandra's OperationType names and their display strings (taskType). */
    static final Map<String, String> TYPES = new LinkedHashMap<>();

    static {
        TYPES.put("COMPACTION", "Compaction");
        TYPES.put("VALIDATION", "Validation");
        TYPES.put("KEY_CACHE_SAVE", "Key cache save");
        TYPES.put("ROW_CACHE_SAVE", "Row cache save");
        TYPES.put("COUNTER_CACHE_SAVE", "Counter cache save");
        TYPES.put("CLEANUP", "Cleanup");
        TYPES.put("SCRUB", "Scrub");
        TYPES.put("UPGRADE_SSTABLES", "Upgrade sstables");
        TYPES.put("INDEX_BUILD", "Secondary index build");
        TYPES.put("TOMBSTONE_COMPACTION", "Tombstone Compaction");
        TYPES.put("UNKNOWN", "Unknown compaction type");
        TYPES.put("ANTICOMPACTION", "Anticompaction after repair");
        TYPES.put("VERIFY", "Verify");
        TYPES.put("FLUSH", "Flush");
        TYPES.put("STREAM", "Stream");
        TYPES.put("WRITE", "Write");
        TYPES.put("VIEW_BUILD", "View build");
        TYPES.put("INDEX_SUMMARY", "Index summary redistribution");
        TYPES.put("RELOCATE", "Relocate sstables to correct disk");
        TYPES.put("GARBAGE_COLLECT", "Remove deleted data");
    }

    static final class Task {
        final UUID id = TimeUuids.next();
        final String type;
        final String keyspace;
        final String table;
        final long total;
        volatile long completed;
        volatile boolean stopRequested;
        final long startNanos = System.nanoTime();

        Task(String type, String keyspace, String table, long total) {
            this.type = type;
            this.keyspace = keyspace;
            this.table = table;
            this.total = total;
        }

        String describe() {
            return TYPES.get(type) + "@" + id + "(" + keyspace + ", " + table + ", " + completed + "/" + total + ")bytes";
        }
    }

    private final Map<UUID, Task> running = new ConcurrentHashMap<>();
    private final long bytesPerSecond;

    Operations(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    Task start(String type, String keyspace, String table, long totalBytes) {
        Task t = new Task(type, keyspace, table, totalBytes);
        running.put(t.id, t);
        return t;
    }

    void finish(Task t) {
        running.remove(t.id);
    }

    List<Map<String, String>> describe() {
        List<Map<String, String>> out = new ArrayList<>();
        for (Task t : running.values()) {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("id", t.id.toString());
            m.put("keyspace", t.keyspace);
            m.put("columnfamily", t.table);
            m.put("completed", Long.toString(t.completed));
            m.put("total", Long.toString(t.total));
            m.put("taskType", TYPES.get(t.type));
            m.put("unit", "bytes");
            m.put("compactionId", t.id.toString());
            out.add(m);
        }
        return out;
    }

    /** `stopCompaction(type)`: type is an OperationType name such as COMPACTION, CLEANUP, SCRUB, UPGRADE_SSTABLES. */
    void stop(String type) {
        if (!TYPES.containsKey(type)) {
            throw new IllegalArgumentException("No enum constant org.apache.cassandra.db.compaction.OperationType." + type);
        }
        for (Task t : running.values()) if (t.type.equals(type)) t.stopRequested = true;
    }

    void stopById(String id) {
        for (Task t : running.values()) if (t.id.toString().equals(id)) t.stopRequested = true;
    }

    /** Wraps a row stream so that reading it advances the task, at the simulated throughput, until stopped. */
    Iterator<Row> track(Task task, Iterator<Row> rows) {
        return new Iterator<Row>() {
            @Override
            public boolean hasNext() {
                check(task);
                return rows.hasNext();
            }

            @Override
            public Row next() {
                Row r = rows.next();
                task.completed += r.serializedSize();
                pace(task);
                return r;
            }
        };
    }

    private void check(Task task) {
        if (task.stopRequested) throw new RuntimeException("Compaction interrupted: " + task.describe());
    }

    private void pace(Task task) {
        if (bytesPerSecond <= 0) return;
        long dueNanos = (long) (task.completed * 1e9 / bytesPerSecond);
        long elapsed = System.nanoTime() - task.startNanos;
        long sleepMs = (dueNanos - elapsed) / 1_000_000;
        if (sleepMs > 0) {
            try {
                Thread.sleep(Math.min(sleepMs, 1000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                task.stopRequested = true;
            }
        }
    }
}
