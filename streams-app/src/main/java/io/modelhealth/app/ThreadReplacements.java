package io.modelhealth.app;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.modelhealth.config.AppConfig;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Counts stream-thread replacements and says when they have become a loop. Kafka Streams replaces a thread
 * that died ({@code REPLACE_THREAD}) and the new one resumes from the last commit: right for a broker hiccup,
 * but a record that fails on every attempt (an output topic that refuses it, a corrupt store) is then retried
 * for ever while the process looks alive. More than {@code operations.max-thread-replacements} replacements
 * within {@code operations.thread-replacement-window} make {@link #looping()} true: {@code /healthz} answers
 * 503 and the liveness probe restarts the pod. Every replacement counts in
 * {@code model_health_stream_thread_replacements_total}, which ModelHealthStreamThreadsReplaced alerts on.
 *
 * <p>Wall-clock time on purpose: this judges the process, not the telemetry. Thread-safe.
 */
public final class ThreadReplacements {

    public static final String METRIC = "model.health.stream.thread.replacements";

    private final int max;
    private final long windowMs;
    private final Clock clock;
    private final Counter counter;
    private final Deque<Long> recent = new ArrayDeque<>();

    public ThreadReplacements(AppConfig.Operations operations, Clock clock, MeterRegistry registry) {
        this.max = operations.maxThreadReplacements();
        this.windowMs = operations.threadReplacementWindow().toMillis();
        this.clock = clock;
        this.counter = Counter.builder(METRIC)
                .description("Stream threads that died and were replaced (a new thread resumes from the last commit)")
                .register(registry);
    }

    /** A stream thread died and is being replaced. */
    public synchronized void replaced() {
        counter.increment();
        recent.addLast(clock.millis());
        forgetOld();
    }

    /** More replacements within the window than allowed: processing keeps failing. */
    public synchronized boolean looping() {
        forgetOld();
        return recent.size() > max;
    }

    /** Replacements within the window, for the log line and the health answer. */
    public synchronized int recentCount() {
        forgetOld();
        return recent.size();
    }

    private void forgetOld() {
        long cutoff = clock.millis() - windowMs;
        while (!recent.isEmpty() && recent.peekFirst() <= cutoff) {
            recent.removeFirst();
        }
    }
}
