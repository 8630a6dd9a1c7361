package daedalus.sim;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Our Data.db format (documented in the README): an 8-byte magic, a format byte, then rows sorted by key, each
 * `u16 keyLength, key (UTF-8), i64 timestamp, i32 valueLength, value`. Read row by row, never whole.
 */
final class RowFile {
    static final byte[] MAGIC = "DSIMDATA".getBytes(StandardCharsets.US_ASCII);
    static final int HEADER_SIZE = MAGIC.length + 1;

    private RowFile() {}

    static void writeHeader(DataOutputStream out) throws IOException {
        out.write(MAGIC);
        out.writeByte(1);
    }

    static void writeRow(DataOutputStream out, Row row) throws IOException {
        out.writeShort(row.keyBytes.length);
        out.write(row.keyBytes);
        out.writeLong(row.timestamp);
        out.writeInt(row.value.length);
        out.write(row.value);
    }

    /** Streams the rows of a Data.db; fails with an IOException-carrying exception on a malformed file. */
    static final class Reader implements Iterator<Row>, Closeable {
        private final DataInputStream in;
        private final Path file;
        private Row next;
        private String previousKey;

        Reader(Path file) throws IOException {
            this.file = file;
            InputStream raw = Files.newInputStream(file);
            this.in = new DataInputStream(new BufferedInputStream(raw, 1 << 16));
            byte[] magic = new byte[MAGIC.length];
            try {
                in.readFully(magic);
                in.readByte();
            } catch (EOFException e) {
                in.close();
                throw new IOException("Corrupted SSTable : " + file + " (truncated header)");
            }
            if (!Arrays.equals(magic, MAGIC)) {
                in.close();
                throw new IOException("Corrupted SSTable : " + file + " (bad magic)");
            }
            advance();
        }

        private void advance() {
            try {
                int keyLength;
                try {
                    keyLength = in.readUnsignedShort();
                } catch (EOFException e) {
                    next = null;
                    return;
                }
                byte[] key = new byte[keyLength];
                in.readFully(key);
                long ts = in.readLong();
                int valueLength = in.readInt();
                if (valueLength < 0 || valueLength > (256 << 20)) throw new IOException("Corrupted SSTable : " + file);
                byte[] value = new byte[valueLength];
                in.readFully(value);
                Row row = new Row(new String(key, StandardCharsets.UTF_8), ts, value);
                if (previousKey != null && previousKey.compareTo(row.key) >= 0) {
                    throw new IOException("Corrupted SSTable : " + file + " (keys out of order)");
                }
                previousKey = row.key;
                next = row;
            } catch (EOFException e) {
                throw new UncheckedIOException(new IOException("Corrupted SSTable : " + file + " (truncated row)"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public boolean hasNext() {
            return next != null;
        }

        @Override
        public Row next() {
            if (next == null) throw new NoSuchElementException();
            Row r = next;
            advance();
            return r;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
