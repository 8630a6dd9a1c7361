package daedalus.sim;

import java.nio.charset.StandardCharsets;

/** One partition of our simple table model: a text key, a blob value and the write timestamp (microseconds). */
final class Row {
    final String key;
    final byte[] keyBytes;
    final long timestamp;
    final byte[] value;

    Row(String key, long timestamp, byte[] value) {
        this.key = key;
        this.keyBytes = key.getBytes(StandardCharsets.UTF_8);
        this.timestamp = timestamp;
        this.value = value;
    }

    long serializedSize() {
        return 2 + keyBytes.length + 8 + 4 + value.length;
    }
}
