package daedalus.sim;

import java.util.List;
import java.util.Set;

/** ColumnFamilyStoreMBean methods shared by 4.0, 4.1 and 5.0 (`type=Tables` and the legacy `type=ColumnFamilies`). */
public interface TableCommon {
    String getTableName();
    @Deprecated String getColumnFamilyName();
    List<String> getDataPaths() throws java.io.IOException;
    void forceMajorCompaction(boolean splitOutput);
    @Deprecated void loadNewSSTables();
    List<String> importNewSSTables(Set<String> srcPaths, boolean resetLevel, boolean clearRepaired, boolean verifySSTables,
                                   boolean verifyTokens, boolean invalidateCaches, boolean extendedVerify, boolean copyData);
}
