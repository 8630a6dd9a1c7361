package daedalus.sim;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One SSTable on disk: `<version>-<id>-<format>-<Component>` files in a table directory. */
final class SSTable {
    static final Pattern FILE_NAME =
        Pattern.compile("^([a-z]{2})-(\\d+|[0-9a-z]{4}_[0-9a-z]{4}_[0-9a-z]{18})-(big|bti)-(.+)$");
    static final Comparator<String> ID_ORDER = (a, b) -> {
        boolean an = a.chars().allMatch(Character::isDigit);
        boolean bn = b.chars().allMatch(Character::isDigit);
        if (an && bn) return Long.compare(Long.parseLong(a), Long.parseLong(b));
        if (an != bn) return an ? -1 : 1;
        return a.compareTo(b);
    };

    final Path dir;
    final String version;
    final String id;
    final String format;
    final List<String> components;
    final long rowCount;
    final long minTimestamp;
    final long maxTimestamp;

    SSTable(Path dir, String version, String id, String format, List<String> components, long rowCount,
            long minTimestamp, long maxTimestamp) {
        this.dir = dir;
        this.version = version;
        this.id = id;
        this.format = format;
        this.components = components;
        this.rowCount = rowCount;
        this.minTimestamp = minTimestamp;
        this.maxTimestamp = maxTimestamp;
    }

    String prefix() {
        return version + "-" + id + "-" + format + "-";
    }

    Path file(String component) {
        return dir.resolve(prefix() + component);
    }

    Path dataFile() {
        return file("Data.db");
    }

    List<Path> files() {
        List<Path> out = new ArrayList<>();
        for (String c : components) out.add(file(c));
        return out;
    }

    long dataSize() {
        return Files2.size(dataFile());
    }

    long totalSize() {
        long total = 0;
        for (Path p : files()) total += Files2.size(p);
        return total;
    }

    /** Cassandra's `relativeFilenameFor(DATA)`, as listed in a snapshot manifest. */
    String dataFileName() {
        return prefix() + "Data.db";
    }

    /** The same SSTable whatever its component list (index components can be added to it). */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof SSTable)) return false;
        SSTable t = (SSTable) o;
        return dir.equals(t.dir) && prefix().equals(t.prefix());
    }

    @Override
    public int hashCode() {
        return dir.hashCode() * 31 + prefix().hashCode();
    }

    @Override
    public String toString() {
        return dataFile().toString();
    }

    /**
     * Opens the SSTable a Data.db belongs to. Components are those in TOC.txt when present, otherwise every
     * file with the same prefix (what Cassandra does for an SSTable with a lost TOC).
     */
    static SSTable open(Path dataFile) throws IOException {
        Matcher m = FILE_NAME.matcher(dataFile.getFileName().toString());
        if (!m.matches() || !m.group(4).equals("Data.db")) throw new IOException("not an SSTable data file: " + dataFile);
        Path dir = dataFile.getParent();
        String prefix = m.group(1) + "-" + m.group(2) + "-" + m.group(3) + "-";
        List<String> components = new ArrayList<>();
        Path toc = dir.resolve(prefix + "TOC.txt");
        if (Files.exists(toc)) {
            for (String line : Files.readAllLines(toc)) if (!line.isBlank()) components.add(line.trim());
        } else {
            for (Path p : Files2.list(dir)) {
                String name = p.getFileName().toString();
                if (name.startsWith(prefix) && Files.isRegularFile(p)) components.add(name.substring(prefix.length()));
            }
        }
        long rows = 0;
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        Path stats = dir.resolve(prefix + "Statistics.db");
        if (Files.exists(stats)) {
            try (InputStream raw = Files.newInputStream(stats); DataInputStream in = new DataInputStream(raw)) {
                byte[] magic = new byte[8];
                in.readFully(magic);
                rows = in.readLong();
                min = in.readLong();
                max = in.readLong();
            } catch (IOException e) {
                // unreadable statistics: treat as unknown, as scrub would
            }
        }
        return new SSTable(dir, m.group(1), m.group(2), m.group(3), components, rows, min, max);
    }
}
