package daedalus.sim;

import java.util.Iterator;
import java.util.function.Predicate;

/** The rows of `rows` that `keep` accepts, lazily (compaction, cleanup, rebuild and index rewrites stream through it). */
final class FilteredRows implements Iterator<Row> {
    private final Iterator<Row> rows;
    private final Predicate<Row> keep;
    private Row next;

    private FilteredRows(Iterator<Row> rows, Predicate<Row> keep) {
        this.rows = rows;
        this.keep = keep;
        this.next = advance();
    }

    /** `rows` itself when there is nothing to filter. */
    static Iterator<Row> of(Iterator<Row> rows, Predicate<Row> keep) {
        return keep == null ? rows : new FilteredRows(rows, keep);
    }

    private Row advance() {
        while (rows.hasNext()) {
            Row r = rows.next();
            if (keep.test(r)) return r;
        }
        return null;
    }

    @Override
    public boolean hasNext() {
        return next != null;
    }

    @Override
    public Row next() {
        Row r = next;
        next = advance();
        return r;
    }
}
