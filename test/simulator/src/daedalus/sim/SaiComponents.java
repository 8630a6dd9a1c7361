package daedalus.sim;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;

/**
 * Storage-attached index (SAI, 5.0) components of one SSTable, named as real 5.0.2 names them (format `aa`):
 * per-SSTable `<sstable>-SAI+aa+<Part>.db` and per-index `<sstable>-SAI+aa+<index>+<Part>.db`, for a table
 * without clustering columns and a literal (text/blob) index. Like 5.0.2, PartitionToSize is written but left
 * out of TOC.txt, so a snapshot (which links the TOC's components) does not contain it. Completion markers are
 * empty and written last. The content is our own: the keys (PartitionKeyBlocks) and (term, key) pairs
 * (TermsData) of the SSTable, enough to tell whether a component belongs to the SSTable beside it.
 */
final class SaiComponents {
    static final String PREFIX = "SAI+aa+";
    static final List<String> PER_SSTABLE = List.of("GroupComplete", "GroupMeta", "RowToToken", "RowToPartition",
        "PartitionToSize", "PartitionKeyBlocks", "PartitionKeyBlockOffsets");
    static final List<String> PER_INDEX = List.of("ColumnComplete", "Meta", "TermsData", "PostingLists");
    /** Written, but not listed in TOC.txt (seen on real 5.0.2). */
    static final String NOT_IN_TOC = perSSTable("PartitionToSize");
    private static final byte[] KEYS_MAGIC = "DSIMSAIK".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TERMS_MAGIC = "DSIMSAIT".getBytes(StandardCharsets.US_ASCII);

    private SaiComponents() {}

    static String perSSTable(String part) {
        return PREFIX + part + ".db";
    }

    static String perIndex(String index, String part) {
        return PREFIX + index + "+" + part + ".db";
    }

    static boolean isSai(String component) {
        return component.startsWith("SAI+");
    }

    /** Every component the SSTable needs for these indexes (PartitionToSize included). */
    static List<String> expected(Collection<String> indexes) {
        List<String> out = new ArrayList<>();
        for (String part : PER_SSTABLE) out.add(perSSTable(part));
        for (String index : indexes) for (String part : PER_INDEX) out.add(perIndex(index, part));
        return out;
    }

    /** A 64-bit term for a value (our stand-in for the indexed term). */
    static long term(byte[] value) {
        long h = 0xcbf29ce484222325L;
        for (byte b : value) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /**
     * Writes the per-SSTable components and those of `indexes` beside `s`, then rewrites its TOC.txt with them
     * (PartitionToSize excepted), as Cassandra appends index components to the TOC. Returns the SSTable with
     * its new component list.
     */
    static SSTable write(SSTable s, Collection<String> indexes) throws IOException {
        if (indexes.isEmpty()) return s;
        List<Row> rows = new ArrayList<>();
        try (RowFile.Reader reader = new RowFile.Reader(s.dataFile())) {
            // the value is not needed once its term is known: keep rows small
            while (reader.hasNext()) {
                Row r = reader.next();
                rows.add(new Row(r.key, r.timestamp, longBytes(term(r.value))));
            }
        }
        writeKeys(s.file(perSSTable("PartitionKeyBlocks")), s.file(perSSTable("PartitionKeyBlockOffsets")), rows);
        try (DataOutputStream tokens = out(s.file(perSSTable("RowToToken")));
             DataOutputStream partitions = out(s.file(perSSTable("RowToPartition")));
             DataOutputStream sizes = out(s.file(perSSTable("PartitionToSize")))) {
            for (int i = 0; i < rows.size(); i++) {
                tokens.writeLong(Ring.token(rows.get(i).key));
                partitions.writeInt(i);
                sizes.writeInt(1);
            }
        }
        try (DataOutputStream meta = out(s.file(perSSTable("GroupMeta")))) {
            meta.writeLong(rows.size());
        }
        for (String index : indexes) writeIndex(s, index, rows);
        Files.write(s.file(perSSTable("GroupComplete")), new byte[0]);

        TreeSet<String> toc = new TreeSet<>(s.components);
        toc.addAll(expected(indexes));
        toc.remove(NOT_IN_TOC);
        Files.writeString(s.file("TOC.txt"), String.join("\n", toc) + "\n", StandardCharsets.US_ASCII);
        return new SSTable(s.dir, s.version, s.id, s.format, new ArrayList<>(toc), s.rowCount, s.minTimestamp, s.maxTimestamp);
    }

    private static void writeIndex(SSTable s, String index, List<Row> rows) throws IOException {
        // a term dictionary is sorted by term; postings give the row ids of each (term, key)
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) order.add(i);
        order.sort((a, b) -> {
            int c = Long.compare(termOf(rows.get(a)), termOf(rows.get(b)));
            return c != 0 ? c : rows.get(a).key.compareTo(rows.get(b).key);
        });
        try (DataOutputStream terms = out(s.file(perIndex(index, "TermsData")));
             DataOutputStream postings = out(s.file(perIndex(index, "PostingLists")))) {
            terms.write(TERMS_MAGIC);
            terms.writeInt(rows.size());
            for (int i : order) {
                Row r = rows.get(i);
                terms.writeLong(termOf(r));
                terms.writeShort(r.keyBytes.length);
                terms.write(r.keyBytes);
                postings.writeInt(i);
            }
        }
        try (DataOutputStream meta = out(s.file(perIndex(index, "Meta")))) {
            meta.writeUTF(index);
            meta.writeLong(rows.size());
        }
        Files.write(s.file(perIndex(index, "ColumnComplete")), new byte[0]);
    }

    private static long termOf(Row r) {
        return java.nio.ByteBuffer.wrap(r.value).getLong();
    }

    private static byte[] longBytes(long v) {
        return java.nio.ByteBuffer.allocate(8).putLong(v).array();
    }

    private static void writeKeys(Path blocks, Path offsets, List<Row> rows) throws IOException {
        try (DataOutputStream keys = out(blocks); DataOutputStream offs = out(offsets)) {
            keys.write(KEYS_MAGIC);
            keys.writeInt(rows.size());
            for (Row r : rows) {
                offs.writeLong(keys.size());
                keys.writeShort(r.keyBytes.length);
                keys.write(r.keyBytes);
            }
        }
    }

    private static DataOutputStream out(Path file) throws IOException {
        return new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)));
    }

    /** The keys a PartitionKeyBlocks (per-SSTable) or TermsData (per-index) component holds, sorted. */
    static TreeSet<String> keysIn(Path component) throws IOException {
        boolean terms = component.getFileName().toString().endsWith("+TermsData.db");
        TreeSet<String> out = new TreeSet<>();
        try (InputStream raw = Files.newInputStream(component); DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw))) {
            byte[] magic = new byte[8];
            in.readFully(magic);
            if (!java.util.Arrays.equals(magic, terms ? TERMS_MAGIC : KEYS_MAGIC)) throw new IOException("not an index component: " + component);
            int count = in.readInt();
            for (int i = 0; i < count; i++) {
                if (terms) in.readLong();
                byte[] key = new byte[in.readUnsignedShort()];
                in.readFully(key);
                out.add(new String(key, StandardCharsets.UTF_8));
            }
        }
        return out;
    }
}
