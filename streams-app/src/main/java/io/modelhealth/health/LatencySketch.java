package io.modelhealth.health;

/**
 * A fixed log-scale latency histogram: 8 sub-buckets per power of two (≈9 % relative error), from
 * 1 ms to about 2.5 hours, in one int array. Small enough to keep per open time bucket, exact enough
 * for p50/p95/p99 on a dashboard. Not thread-safe.
 */
public final class LatencySketch {

    static final int SUB_BUCKETS = 8;
    static final int SIZE = 8 * 24 + 2;

    private final int[] counts;
    private long total;

    public LatencySketch() {
        this(new int[SIZE]);
    }

    LatencySketch(int[] counts) {
        this.counts = counts;
        long t = 0;
        for (int c : counts) {
            t += c;
        }
        this.total = t;
    }

    public void record(double millis) {
        counts[index(millis)]++;
        total++;
    }

    public long total() {
        return total;
    }

    /** The q-quantile (0 &lt; q ≤ 1) in milliseconds, or NaN when empty. */
    public double quantile(double q) {
        if (total == 0) {
            return Double.NaN;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return representative(i);
            }
        }
        return representative(counts.length - 1);
    }

    int[] counts() {
        return counts;
    }

    static int index(double millis) {
        if (!(millis >= 1.0)) {
            return 0;
        }
        // Clamped as a double: (int) of +Infinity is Integer.MAX_VALUE, and 1 + that overflows.
        double i = 1 + Math.floor(Math.log(millis) / Math.log(2) * SUB_BUCKETS);
        return (int) Math.min(i, SIZE - 1);
    }

    /** The geometric middle of bucket i, rounded to 0.1 ms. */
    static double representative(int i) {
        if (i == 0) {
            return 0.5;
        }
        double lower = Math.pow(2, (i - 1) / (double) SUB_BUCKETS);
        double upper = Math.pow(2, i / (double) SUB_BUCKETS);
        return Math.round(Math.sqrt(lower * upper) * 10) / 10.0;
    }
}
