package daedalus.sim;

/**
 * Test-only faults for the next `importNewSSTables` / `loadNewSSTables` calls on one table, set through the
 * Simulator MBean: a delay before the call does anything (so a test can kill the caller mid-import), calls
 * that find nothing (what real 5.0.2 does when it sees no SSTables it accepts), and calls that fail every
 * source directory (what a failed verification does).
 */
final class ImportFaults {
    private long delayNextMillis;
    private int ignoreNext;
    private int failNext;
    /** import calls that entered an injected delay: a test waits for one before killing the caller */
    private long delayedCalls;

    synchronized void delayNext(long millis) {
        if (millis < 0) throw new IllegalArgumentException("millis must not be negative");
        delayNextMillis = millis;
    }

    synchronized void ignoreNext(int n) {
        if (n < 0) throw new IllegalArgumentException("n must not be negative");
        ignoreNext = n;
    }

    synchronized void failNext(int n) {
        if (n < 0) throw new IllegalArgumentException("n must not be negative");
        failNext = n;
    }

    /** Sleeps the pending delay, once. */
    void awaitDelay() {
        long millis;
        synchronized (this) {
            millis = delayNextMillis;
            delayNextMillis = 0;
            if (millis > 0) delayedCalls++;
        }
        if (millis <= 0) return;
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("import interrupted during its injected delay");
        }
    }

    synchronized long delayedCalls() {
        return delayedCalls;
    }

    synchronized boolean consumeIgnore() {
        if (ignoreNext <= 0) return false;
        ignoreNext--;
        return true;
    }

    synchronized boolean consumeFailure() {
        if (failNext <= 0) return false;
        failNext--;
        return true;
    }
}
