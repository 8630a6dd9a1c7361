package daedalus.sim;

/** ColumnFamilyStoreMBean as in 4.0 and 4.1. */
public interface Table4 extends TableCommon {
}
