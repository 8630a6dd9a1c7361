package daedalus.sim;

/** The Cassandra releases the simulator can impersonate, with the on-disk facts that differ between them. */
enum CassandraVersion {
    V40("4.0", "4.0.14", "nb", 7),
    V41("4.1", "4.1.7", "nb", 7),
    V50("5.0", "5.0.2", "oa", 8);

    final String flag;
    final String releaseVersion;
    /** SSTable version written for the `big` format. */
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

    /** SSTable version string for a format: `da` for bti (5.0 only), otherwise the version's big version. */
    String sstableVersion(String format) {
        return "bti".equals(format) ? "da" : bigVersion;
    }
}
