package daedalus.sim;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * What this node remembers of its truncations, per table ID, under `<home>/sim/`: the time of the last one
 * (`truncated.json`; Cassandra keeps it in system.local and commit log replay skips older rows) and, for
 * tests, how many there were (`truncation-counts.json`).
 */
final class Truncations {
    private final Path timesFile;
    private final Path countsFile;
    private final Map<String, Long> times = new TreeMap<>();
    private final Map<String, Long> counts = new TreeMap<>();

    Truncations(Path home) {
        this.timesFile = home.resolve("sim/truncated.json");
        this.countsFile = home.resolve("sim/truncation-counts.json");
        load(timesFile, times);
        load(countsFile, counts);
    }

    private static void load(Path file, Map<String, Long> into) {
        String text = Files2.readOrNull(file);
        if (text == null) return;
        for (Map.Entry<String, Object> e : Json.parseObject(text).entrySet()) {
            into.put(e.getKey(), ((Number) e.getValue()).longValue());
        }
    }

    synchronized void record(UUID tableId, long micros) {
        String id = tableId.toString();
        times.put(id, micros);
        counts.merge(id, 1L, Long::sum);
        Files2.writeAtomic(timesFile, Json.write(new TreeMap<>(times)));
        Files2.writeAtomic(countsFile, Json.write(new TreeMap<>(counts)));
    }

    /** Time (µs) of the last truncation, or null when never truncated. */
    synchronized Long truncatedAt(UUID tableId) {
        return times.get(tableId.toString());
    }

    synchronized long count(UUID tableId) {
        return counts.getOrDefault(tableId.toString(), 0L);
    }
}
