package daedalus.sim;

/** The Cassandra releases the simulator can impersonate, with the on-disk facts that differ between them. */
enum CassandraVersion {
    V40("4.0", "4.0.14", "nb", 7),
    V41("4.1", "4.1.7", "nb", 7),
    V50("5.0", "5.0.2", "oa", 8);

    final String flag;
    final String releaseVersion;
    /** The newest `big` SSTable version this release reads (and writes, unless a compatibility mode says older). */
    final String bigVersion;
    final int commitLogVersion;

    CassandraVersion(String flag, String releaseVersion, String bigVersion, int commitLogVersion) {
        this.flag = flag;
        this.releaseVersion = releaseVersion;
        this.bigVersion = bigVersion;
        this.commitLogVersion = commitLogVersion;
    }

    static CassandraVersion fromFlag(String flag) {
        for (CassandraVersion v : values()) if (v.flag.equals(flag)) return v;
        throw new IllegalArgumentException("--version must be 4.0, 4.1 or 5.0, not " + flag);
    }

    boolean atLeast41() {
        return this != V40;
    }

    boolean is50() {
        return this == V50;
    }

    /**
     * SSTable version written for a format: `da` for bti (5.0 only, whatever the compatibility mode, as seen on
     * real 5.0.2); for big, `nb` in 4.x and in 5.0 while `storage_compatibility_mode` is CASSANDRA_4 or
     * UPGRADING, `oa` in 5.0 with NONE.
     */
    String sstableVersion(String format, String storageCompatibilityMode) {
        if ("bti".equals(format)) return "da";
        if (is50() && !"NONE".equals(storageCompatibilityMode)) return "nb";
        return bigVersion;
    }
}
