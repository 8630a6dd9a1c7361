package daedalus.sim;

import java.util.List;
import java.util.Set;

/** ColumnFamilyStoreMBean in 5.0: importNewSSTables gains failOnMissingIndex and validateIndexChecksum. */
public interface Table50 extends TableCommon {
    List<String> importNewSSTables(Set<String> srcPaths, boolean resetLevel, boolean clearRepaired, boolean verifySSTables,
                                   boolean verifyTokens, boolean invalidateCaches, boolean extendedVerify, boolean copyData,
                                   boolean failOnMissingIndex, boolean validateIndexChecksum);
}
