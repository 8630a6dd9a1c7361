package daedalus.sim;

import java.util.Map;

/** Cassandra 4.0's StorageServiceMBean: the common part plus the deprecated HostIdMap attribute. */
public interface StorageService40 extends StorageServiceCommon {
    @Deprecated Map<String, String> getHostIdMap();
}
