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
