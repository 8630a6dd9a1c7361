package daedalus.sim;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/** Cassandra 4.0's StorageServiceMBean: the common part plus the deprecated HostIdMap attribute and short scrub form. */
public interface StorageService40 extends StorageServiceCommon {
    @Deprecated Map<String, String> getHostIdMap();
    /** The short scrub form: 4.0 and 4.1 keep it, 5.0.2 dropped it. */
    @Deprecated int scrub(boolean disableSnapshot, boolean skipCorrupted, String keyspaceName, String... tableNames) throws IOException, ExecutionException, InterruptedException;
}
