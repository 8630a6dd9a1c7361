package daedalus.sim;

import java.security.SecureRandom;
import java.util.UUID;

/** Version-1 (time-based) UUIDs as Cassandra makes them: a 100ns timestamp and one clock-seq/node per process. */
final class TimeUuids {
    private static final long UUID_EPOCH_OFFSET_100NS = 0x01b21dd213814000L;
    private static final long CLOCK_SEQ_AND_NODE;
    private static long last;

    static {
        long random = new SecureRandom().nextLong();
        // variant bits 10xx, multicast bit set on the node as RFC 4122 asks for random node ids
        CLOCK_SEQ_AND_NODE = (random & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L | 0x0000010000000000L;
    }

    private TimeUuids() {}

    /** The raw 60-bit timestamp (100ns units since 1582-10-15), strictly increasing within this process. */
    static synchronized long nextTimestamp() {
        long now = System.currentTimeMillis() * 10_000 + UUID_EPOCH_OFFSET_100NS;
        if (now <= last) now = last + 1;
        last = now;
        return now;
    }

    static UUID next() {
        long ts = nextTimestamp();
        long msb = ((ts & 0xFFFFFFFFL) << 32) | (((ts >>> 32) & 0xFFFFL) << 16) | 0x1000L | ((ts >>> 48) & 0x0FFFL);
        return new UUID(msb, CLOCK_SEQ_AND_NODE);
    }

    /** A 28-character UUID-based SSTable id (`uuid_sstable_identifiers_enabled`), laid out like Cassandra's. */
    static String nextSSTableId() {
        long ts = nextTimestamp();
        long nanoPart = ts % 10_000_000;
        long seconds = (ts / 10_000_000) % 86_400;
        long days = ts / 10_000_000 / 86_400;
        return String.format("%4s_%4s_%5s%13s",
            Long.toString(days, 36),
            Long.toString(seconds, 36),
            Long.toString(nanoPart, 36),
            Long.toUnsignedString(CLOCK_SEQ_AND_NODE, 36)).replace(' ', '0');
    }
}
