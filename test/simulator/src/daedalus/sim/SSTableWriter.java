package daedalus.sim;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;
import java.util.zip.CRC32;

/**
 * Writes every component of one SSTable from rows sorted by key, streaming: Data.db (our row format), a
 * primary index (Index.db for big, Partitions.db for bti), Summary.db (big), a bloom filter, statistics,
 * CompressionInfo.db (compressed tables) or CRC.db (uncompressed ones), Digest.crc32 and TOC.txt last.
 * bti's Rows.db is written empty: Cassandra leaves it zero bytes when no partition needs a row index.
 */
final class SSTableWriter {
    private static final int CHUNK = 64 * 1024;
    private static final int SUMMARY_INTERVAL = 128;

    /** Counts bytes and keeps a CRC of the whole stream plus one CRC per 64 KiB chunk. */
    private static final class ChunkedCrcStream extends OutputStream {
        final OutputStream out;
        final CRC32 whole = new CRC32();
        final CRC32 chunk = new CRC32();
        final DataOutputStream chunkSink;
        long position;
        int inChunk;
        long chunks;

        ChunkedCrcStream(OutputStream out, DataOutputStream chunkSink) {
            this.out = out;
            this.chunkSink = chunkSink;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            whole.update(b, off, len);
            position += len;
            while (len > 0) {
                int n = Math.min(len, CHUNK - inChunk);
                chunk.update(b, off, n);
                inChunk += n;
                off += n;
                len -= n;
                if (inChunk == CHUNK) endChunk();
            }
        }

        void endChunk() throws IOException {
            if (inChunk == 0) return;
            chunkSink.writeInt((int) chunk.getValue());
            chunk.reset();
            inChunk = 0;
            chunks++;
        }

        @Override
        public void close() throws IOException {
            endChunk();
            out.close();
        }
    }

    private SSTableWriter() {}

    /**
     * Writes the SSTable and returns it, or null when `rows` was empty (Cassandra writes no empty SSTable).
     * `expectedRows` sizes the bloom filter; a rough guess is fine.
     */
    static SSTable write(Path dir, String version, String id, String format, boolean compressed,
                         Iterator<Row> rows, long expectedRows) throws IOException {
        if (!rows.hasNext()) return null;
        Files.createDirectories(dir);
        String prefix = version + "-" + id + "-" + format + "-";
        boolean bti = format.equals("bti");
        TreeSet<String> components = new TreeSet<>(List.of("Data.db", "Statistics.db", "Filter.db", "Digest.crc32", "TOC.txt"));
        components.add(compressed ? "CompressionInfo.db" : "CRC.db");
        if (bti) {
            components.add("Partitions.db");
            components.add("Rows.db");
        } else {
            components.add("Index.db");
            components.add("Summary.db");
        }

        int filterBits = (int) Math.min(Integer.MAX_VALUE - 64, Math.max(64, expectedRows * 10));
        BitSet filter = new BitSet(filterBits);
        List<byte[]> summary = new ArrayList<>();
        long count = 0;
        long minTs = Long.MAX_VALUE;
        long maxTs = Long.MIN_VALUE;
        long dataLength;
        long chunkCount;
        long crc;
        Path chunkFile = dir.resolve(prefix + (compressed ? "CompressionInfo.db" : "CRC.db"));
        try (DataOutputStream chunkOut = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(chunkFile)));
             DataOutputStream index = new DataOutputStream(new BufferedOutputStream(
                 Files.newOutputStream(dir.resolve(prefix + (bti ? "Partitions.db" : "Index.db"))), 1 << 16))) {
            if (compressed) {
                chunkOut.writeUTF("LZ4Compressor");
                chunkOut.writeInt(CHUNK);
            }
            ChunkedCrcStream counted = new ChunkedCrcStream(
                new BufferedOutputStream(Files.newOutputStream(dir.resolve(prefix + "Data.db")), 1 << 16), chunkOut);
            try (DataOutputStream data = new DataOutputStream(counted)) {
                RowFile.writeHeader(data);
                String previous = null;
                while (rows.hasNext()) {
                    Row row = rows.next();
                    if (previous != null && previous.compareTo(row.key) >= 0) {
                        throw new IllegalStateException("rows must be sorted and unique: " + previous + " then " + row.key);
                    }
                    previous = row.key;
                    data.flush();
                    long position = counted.position;
                    index.writeShort(row.keyBytes.length);
                    index.write(row.keyBytes);
                    index.writeLong(position);
                    if (count % SUMMARY_INTERVAL == 0) summary.add(row.keyBytes);
                    addToFilter(filter, filterBits, row.keyBytes);
                    RowFile.writeRow(data, row);
                    count++;
                    minTs = Math.min(minTs, row.timestamp);
                    maxTs = Math.max(maxTs, row.timestamp);
                }
            }
            dataLength = counted.position;
            chunkCount = counted.chunks;
            crc = counted.whole.getValue();
            if (compressed) chunkOut.writeLong(dataLength);
        }

        if (bti) {
            Files.write(dir.resolve(prefix + "Rows.db"), new byte[0]);
        } else {
            try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(dir.resolve(prefix + "Summary.db"))))) {
                out.writeInt(summary.size());
                out.writeInt(SUMMARY_INTERVAL);
                for (byte[] k : summary) {
                    out.writeShort(k.length);
                    out.write(k);
                }
            }
        }
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(dir.resolve(prefix + "Filter.db"))))) {
            out.writeInt(filterBits);
            out.writeInt(7);
            for (long word : filter.toLongArray()) out.writeLong(word);
        }
        writeStatistics(dir.resolve(prefix + "Statistics.db"), count, minTs, maxTs, dataLength, chunkCount, version, format);
        Files.writeString(dir.resolve(prefix + "Digest.crc32"), Long.toString(crc), StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve(prefix + "TOC.txt"), String.join("\n", components) + "\n", StandardCharsets.US_ASCII);
        return new SSTable(dir, version, id, format, new ArrayList<>(components), count, minTs, maxTs);
    }

    static void writeStatistics(Path file, long rows, long minTs, long maxTs, long dataLength, long chunks,
                                String version, String format) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
            out.write("DSIMSTAT".getBytes(StandardCharsets.US_ASCII));
            out.writeLong(rows);
            out.writeLong(minTs);
            out.writeLong(maxTs);
            out.writeLong(dataLength);
            out.writeLong(chunks);
            out.writeUTF(version + "-" + format);
            out.writeInt(0); // sstable level
            out.writeLong(0); // repairedAt
        }
    }

    private static void addToFilter(BitSet filter, int bits, byte[] key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        long h2 = Long.rotateLeft(h * 0x9E3779B97F4A7C15L, 31);
        for (int i = 0; i < 7; i++) filter.set((int) Math.floorMod(h + i * h2, (long) bits));
    }

    /** CRC32 of a file, streamed. */
    static long crc32(Path file) throws IOException {
        CRC32 crc = new CRC32();
        byte[] buffer = new byte[1 << 16];
        try (var in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) crc.update(buffer, 0, n);
        }
        return crc.getValue();
    }
}
