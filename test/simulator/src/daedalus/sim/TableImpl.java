package daedalus.sim;

import java.util.List;
import java.util.Set;

/** ColumnFamilyStoreMBean of one table. */
final class TableImpl implements Table4, Table50 {
    private final Node node;
    private final TableStore store;

    TableImpl(Node node, TableStore store) {
        this.node = node;
        this.store = store;
    }

    @Override public String getTableName() { return store.def.name; }
    @Override public String getColumnFamilyName() { return store.def.name; }

    /** Cassandra returns the canonical path of the table's directory in each data directory. */
    @Override
    public List<String> getDataPaths() throws java.io.IOException {
        List<String> out = new java.util.ArrayList<>();
        for (java.nio.file.Path d : store.dirs) out.add(d.toRealPath().toString());
        return out;
    }

    @Override
    public void forceMajorCompaction(boolean splitOutput) {
        store.rewrite("COMPACTION", null, true, null);
    }

    @Override
    public void loadNewSSTables() {
        node.importer.importNewSSTables(store, Set.of(), false, false, false, false);
    }

    @Override
    public List<String> importNewSSTables(Set<String> srcPaths, boolean resetLevel, boolean clearRepaired,
                                          boolean verifySSTables, boolean verifyTokens, boolean invalidateCaches,
                                          boolean extendedVerify, boolean copyData) {
        return node.importer.importNewSSTables(store, srcPaths, verifySSTables, verifyTokens, extendedVerify, copyData);
    }

    @Override
    public List<String> importNewSSTables(Set<String> srcPaths, boolean resetLevel, boolean clearRepaired,
                                          boolean verifySSTables, boolean verifyTokens, boolean invalidateCaches,
                                          boolean extendedVerify, boolean copyData, boolean failOnMissingIndex,
                                          boolean validateIndexChecksum) {
        return node.importer.importNewSSTables(store, srcPaths, verifySSTables, verifyTokens, extendedVerify, copyData);
    }
}
