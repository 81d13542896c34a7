package io.modelhealth.backtest;

import java.io.PrintStream;
import java.time.Instant;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The progress line of a long backtest, on stderr: calls read, calls/s, the event time reached and,
 * when the input's size is known, the share read and an ETA (from bytes read / total size). At
 * most once a second ({@code nanoTime} is injected, so tests drive it); each line ends with
 * {@code \r} on a terminal, {@code \n} otherwise.
 */
public final class BacktestProgress implements Backtest.Listener {

    private static final long INTERVAL_NANOS = 1_000_000_000L;

    private final BacktestInput input;
    private final PrintStream err;
    private final LongSupplier nanoTime;
    private final String lineEnd;
    private final String label;
    private final long started;
    private long lastPrint;
    private long calls;
    private long eventTime;
    private boolean printed;

    public BacktestProgress(BacktestInput input, PrintStream err, LongSupplier nanoTime, boolean terminal, String label) {
        this.input = input;
        this.err = err;
        this.nanoTime = nanoTime;
        this.lineEnd = terminal ? "\r" : "\n";
        this.label = label;
        this.started = nanoTime.getAsLong();
        this.lastPrint = started;
    }

    @Override
    public void input(long eventTimeMs) {
        calls++;
        eventTime = Math.max(eventTime, eventTimeMs);
        // Reading the clock costs little, but not nothing: look every 1024 calls.
        if ((calls & 1023) == 0) {
            long now = nanoTime.getAsLong();
            if (now - lastPrint >= INTERVAL_NANOS) {
                lastPrint = now;
                err.print(line(now) + lineEnd);
                err.flush();
                printed = true;
            }
        }
    }

    /** Ends the progress line so the summary starts on a fresh one. */
    public void done() {
        if (printed && lineEnd.equals("\r")) {
            err.println();
        }
    }

    String line(long now) {
        double elapsed = Math.max(1e-9, (now - started) / 1e9);
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "backtest%s: %,d calls, %,.0f calls/s, event time %s",
                label.isEmpty() ? "" : " " + label, calls, calls / elapsed, Instant.ofEpochMilli(eventTime)));
        long total = input.totalBytes();
        long read = input.bytesRead();
        if (total > 0 && read > 0) {
            double share = Math.min(1.0, (double) read / total);
            double eta = elapsed * (1 - share) / share;
            s.append(String.format(Locale.ROOT, ", %.0f %% read, ETA %.0f s", share * 100, eta));
        }
        return s.toString();
    }
}
