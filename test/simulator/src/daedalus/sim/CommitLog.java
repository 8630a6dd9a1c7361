package daedalus.sim;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.text.ParseException;
import java.text.SimpleDateFormat;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TimeZone;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * Commit log segments `CommitLog-<version>-<id>.log`, appended as rows arrive. A segment closes when it
 * reaches the segment size, on drain, and when a flush leaves no unflushed data behind; a closed segment is
 * handed to `archive_command` (Cassandra's CommitLogArchiver semantics: `%path`/`%name` substituted, the
 * command split on spaces and run without a shell) and deleted once archived and fully flushed.
 * Record format (ours): `i32 length, i32 crc32, payload` with payload `tableId, keyspace, table, key, ts, value`.
 */
final class CommitLog {
    static final Pattern FILE_NAME = Pattern.compile("^CommitLog-(\\d+)-(\\d+)\\.log$");
    private static final byte[] MAGIC = "DSIMCLOG".getBytes(StandardCharsets.US_ASCII);

    interface Replayer {
        void replay(UUID tableId, String keyspace, String table, Row row);
    }

    private final class Segment {
        final long id;
        final Path path;
        final FileChannel channel;
        long size;
        boolean hasRecords;
        final Set<UUID> dirty = new HashSet<>();
        volatile boolean archiveDone;
        volatile boolean archiveFailed;

        Segment(long id) throws IOException {
            this.id = id;
            this.path = dir.resolve("CommitLog-" + version + "-" + id + ".log");
            this.channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            ByteBuffer header = ByteBuffer.allocate(MAGIC.length + 12);
            header.put(MAGIC).putInt(version).putLong(id).flip();
            while (header.hasRemaining()) channel.write(header);
            size = MAGIC.length + 12;
        }
    }

    private final Path dir;
    private final Path propertiesFile;
    private final int version;
    private final long segmentBytes;
    private long nextId;
    private Segment active;
    private final List<Segment> closed = new ArrayList<>();
    private volatile String archiveCommand = "";
    private final ExecutorService archiver = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "commitlog-archiver");
        t.setDaemon(true);
        return t;
    });

    CommitLog(Path dir, Path propertiesFile, int version, long segmentBytes) {
        this.dir = dir;
        this.propertiesFile = propertiesFile;
        this.version = version;
        this.segmentBytes = segmentBytes;
        Files2.mkdirs(dir);
        this.archiveCommand = properties().getProperty("archive_command", "").trim();
        long maxExisting = 0;
        for (Path p : Files2.list(dir)) {
            Matcher m = FILE_NAME.matcher(p.getFileName().toString());
            if (m.matches()) maxExisting = Math.max(maxExisting, Long.parseLong(m.group(2)));
        }
        this.nextId = Math.max(System.currentTimeMillis(), maxExisting + 1);
    }

    Properties properties() {
        Properties p = new Properties();
        String text = Files2.readOrNull(propertiesFile);
        if (text != null) {
            try {
                p.load(new java.io.StringReader(text));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return p;
    }

    String archiveCommand() {
        return archiveCommand;
    }

    void setArchiveCommand(String command) {
        archiveCommand = command == null ? "" : command.trim();
    }

    synchronized void append(UUID tableId, String keyspace, String table, Row row) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + row.value.length);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeLong(tableId.getMostSignificantBits());
            out.writeLong(tableId.getLeastSignificantBits());
            out.writeUTF(keyspace);
            out.writeUTF(table);
            RowFile.writeRow(out, row);
            out.flush();
            byte[] payload = bytes.toByteArray();
            CRC32 crc = new CRC32();
            crc.update(payload);
            if (active == null) active = new Segment(nextId++);
            ByteBuffer buf = ByteBuffer.allocate(8 + payload.length);
            buf.putInt(payload.length).putInt((int) crc.getValue()).put(payload).flip();
            while (buf.hasRemaining()) active.channel.write(buf);
            active.size += 8 + payload.length;
            active.hasRecords = true;
            active.dirty.add(tableId);
            if (active.size >= segmentBytes) closeActive();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Closes the active segment (if it holds anything) and hands it to the archiver. */
    synchronized void closeActive() {
        if (active == null || !active.hasRecords) return;
        Segment s = active;
        active = null;
        try {
            s.channel.force(true);
            s.channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        closed.add(s);
        String command = archiveCommand;
        if (command.isEmpty()) {
            s.archiveDone = true;
        } else {
            archiver.submit(() -> archive(s, command));
        }
    }

    private void archive(Segment s, String command) {
        String cmd = command.replace("%name", s.path.getFileName().toString()).replace("%path", s.path.toString());
        try {
            Process p = new ProcessBuilder(cmd.split(" ")).redirectErrorStream(true).start();
            byte[] output = p.getInputStream().readAllBytes();
            int code = p.waitFor();
            if (code != 0) {
                s.archiveFailed = true;
                System.err.println("archive_command failed with exit code " + code + " for " + s.path.getFileName()
                    + ": " + new String(output, StandardCharsets.UTF_8).trim());
                return;
            }
            s.archiveDone = true;
            deleteClean();
        } catch (IOException e) {
            s.archiveFailed = true;
            System.err.println("archive_command could not run for " + s.path.getFileName() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A table's memtable was flushed: its data in every segment is durable in SSTables now. */
    synchronized void flushed(UUID tableId) {
        for (Segment s : closed) s.dirty.remove(tableId);
        if (active != null) active.dirty.remove(tableId);
        deleteClean();
    }

    /** Deletes closed segments that are archived (when archiving) and hold no unflushed data. */
    synchronized void deleteClean() {
        closed.removeIf(s -> {
            if (!s.dirty.isEmpty() || !s.archiveDone) return false;
            try {
                Files.deleteIfExists(s.path);
            } catch (IOException e) {
                return false;
            }
            return true;
        });
    }

    synchronized boolean activeHasRecords() {
        return active != null && active.hasRecords;
    }

    /** Waits (bounded) for queued archive commands, as drain does before the node stops. */
    void awaitArchiving(long timeoutMillis) {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            boolean pending;
            synchronized (this) {
                pending = closed.stream().anyMatch(s -> !s.archiveDone && !s.archiveFailed);
            }
            if (!pending) return;
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    synchronized List<String> segments() {
        List<String> out = new ArrayList<>();
        for (Path p : Files2.list(dir)) if (FILE_NAME.matcher(p.getFileName().toString()).matches()) out.add(p.toString());
        return out;
    }

    /**
     * Startup, as Cassandra's CommitLogArchiver + CommitLogReplayer: the properties are read first and a bad
     * `precision` or `restore_point_in_time` fails the start; every file in `restore_directories` (missing
     * directories are created) must be a segment (by name or header, and both must agree) and is brought back
     * through `restore_command` (%from, %to) unless the commit log directory already holds it; then every
     * segment in the commit log directory is replayed in id order, skipping mutations whose write time,
     * read in `precision` and truncated to milliseconds, is after `restore_point_in_time`. Replayed segments
     * are deleted afterwards (Cassandra does not archive them again).
     */
    List<Path> recover(Replayer replayer) {
        Properties p = properties();
        String restoreCommand = p.getProperty("restore_command", "").trim();
        String restoreDirs = p.getProperty("restore_directories", "").trim();
        TimeUnit precision = TimeUnit.valueOf(p.getProperty("precision", "MICROSECONDS").trim());
        long pointMillis = parsePointInTime(p.getProperty("restore_point_in_time", "").trim());
        if (!restoreDirs.isEmpty()) {
            for (String d : restoreDirs.split(",")) {
                File directory = new File(d);
                if (!directory.exists() && !directory.mkdir()) throw new RuntimeException("Unable to create directory: " + d);
            }
            for (String d : restoreDirs.split(",")) restoreFrom(Path.of(d), restoreCommand);
        }
        List<Path> segments = new ArrayList<>();
        for (Path f : Files2.list(dir)) if (FILE_NAME.matcher(f.getFileName().toString()).matches()) segments.add(f);
        segments.sort((a, b) -> Long.compare(segmentId(a), segmentId(b)));
        for (Path f : segments) replayFile(f, replayer, precision, pointMillis);
        return segments;
    }

    private void restoreFrom(Path directory, String restoreCommand) {
        File[] files = directory.toFile().listFiles();
        if (files == null) throw new RuntimeException("Unable to list directory " + directory);
        for (File from : files) {
            Matcher m = FILE_NAME.matcher(from.getName());
            long[] header = readHeader(from.toPath());
            if (!m.matches() && header == null) {
                throw new IllegalStateException("Cannot safely construct descriptor for segment, either from its name or its header: " + from.getPath());
            }
            if (m.matches() && header == null) {
                throw new IllegalStateException("Cannot safely construct descriptor for segment, as name descriptor implies a version that should contain a header descriptor, but that descriptor could not be read: " + from.getPath());
            }
            if (m.matches() && (Long.parseLong(m.group(1)) != header[0] || Long.parseLong(m.group(2)) != header[1])) {
                throw new IllegalStateException("Cannot safely construct descriptor for segment, as name and header descriptors do not match: " + from.getPath());
            }
            Path to = dir.resolve("CommitLog-" + header[0] + "-" + header[1] + ".log");
            if (Files.exists(to)) continue;
            String cmd = restoreCommand.replace("%from", from.getPath()).replace("%to", to.toString());
            try {
                Process proc = new ProcessBuilder(cmd.split(" ")).redirectErrorStream(true).start();
                proc.getInputStream().readAllBytes();
                int code = proc.waitFor();
                if (code != 0) throw new RuntimeException("Exception while executing the command: " + cmd + ", command error Code: " + code);
            } catch (IOException e) {
                throw new RuntimeException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** {version, id} from a segment's header, or null when the file does not start with one. */
    private static long[] readHeader(Path f) {
        try (InputStream raw = Files.newInputStream(f); DataInputStream in = new DataInputStream(raw)) {
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            if (!java.util.Arrays.equals(magic, MAGIC)) return null;
            return new long[] {in.readInt(), in.readLong()};
        } catch (IOException e) {
            return null;
        }
    }

    static long segmentId(Path f) {
        Matcher m = FILE_NAME.matcher(f.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(2)) : 0;
    }

    /** Milliseconds since the epoch (GMT), as Cassandra keeps `restorePointInTime`. */
    private static long parsePointInTime(String text) {
        if (text.isEmpty()) return Long.MAX_VALUE;
        SimpleDateFormat format = new SimpleDateFormat("yyyy:MM:dd HH:mm:ss");
        format.setTimeZone(TimeZone.getTimeZone("GMT"));
        try {
            return format.parse(text).getTime();
        } catch (ParseException e) {
            throw new RuntimeException("Unable to parse restore target time", e);
        }
    }

    private static void replayFile(Path f, Replayer replayer, TimeUnit precision, long pointMillis) {
        try (InputStream raw = Files.newInputStream(f); DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw))) {
            byte[] magic = new byte[MAGIC.length];
            in.readFully(magic);
            in.readInt();
            in.readLong();
            while (true) {
                int length;
                try {
                    length = in.readInt();
                } catch (EOFException e) {
                    return;
                }
                int crc = in.readInt();
                if (length <= 0 || length > (300 << 20)) return;
                byte[] payload = new byte[length];
                in.readFully(payload);
                CRC32 check = new CRC32();
                check.update(payload);
                if ((int) check.getValue() != crc) return; // torn write at the end of a crashed segment
                DataInputStream p = new DataInputStream(new java.io.ByteArrayInputStream(payload));
                UUID tableId = new UUID(p.readLong(), p.readLong());
                String ks = p.readUTF();
                String table = p.readUTF();
                byte[] key = new byte[p.readUnsignedShort()];
                p.readFully(key);
                long ts = p.readLong();
                byte[] value = new byte[p.readInt()];
                p.readFully(value);
                if (precision.toMillis(ts) > pointMillis) continue; // Cassandra skips it and reads on
                replayer.replay(tableId, ks, table, new Row(new String(key, StandardCharsets.UTF_8), ts, value));
            }
        } catch (EOFException e) {
            // truncated tail of a segment written by a node that crashed: everything before it was replayed
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
