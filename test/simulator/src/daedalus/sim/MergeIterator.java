package daedalus.sim;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;

/** Merges key-sorted row streams into one: for a key present in several, the newest timestamp wins. */
final class MergeIterator implements Iterator<Row> {
    private static final class Head {
        final Row row;
        final int source;
        Head(Row row, int source) {
            this.row = row;
            this.source = source;
        }
    }

    private final List<Iterator<Row>> sources;
    private final PriorityQueue<Head> heap = new PriorityQueue<>((a, b) -> {
        int c = a.row.key.compareTo(b.row.key);
        return c != 0 ? c : Integer.compare(a.source, b.source);
    });

    MergeIterator(List<? extends Iterator<Row>> sources) {
        this.sources = new ArrayList<>(sources);
        for (int i = 0; i < this.sources.size(); i++) pull(i);
    }

    private void pull(int source) {
        Iterator<Row> it = sources.get(source);
        if (it.hasNext()) heap.add(new Head(it.next(), source));
    }

    @Override
    public boolean hasNext() {
        return !heap.isEmpty();
    }

    @Override
    public Row next() {
        if (heap.isEmpty()) throw new NoSuchElementException();
        Head first = heap.poll();
        Row best = first.row;
        pull(first.source);
        while (!heap.isEmpty() && heap.peek().row.key.equals(best.key)) {
            Head h = heap.poll();
            // ties go to the later source (a newer SSTable), like a later write with the same timestamp
            if (h.row.timestamp >= best.timestamp) best = h.row;
            pull(h.source);
        }
        return best;
    }
}
