package io.modelhealth.scenario;

import io.modelhealth.schemas.ContractSerdes;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A whole scenario run as data, without waiting for it: (scenario, calls/s, start, duration, seed)
 * → the calls in event-time order, {@code (route, llm.call.v1)}. Event times are spread evenly
 * ({@link Arrivals#EVEN}: call n at start + n / rate) or as a Poisson process
 * ({@link Arrivals#POISSON}). Deterministic for a given seed; each iteration starts over.
 * Cheap: millions of calls per second to generate, hundreds of thousands per second to write as
 * JSONL ({@link #writeJsonl(Path)}, the input of {@code backtest}): a 3-minute demo at 1,000/s
 * takes about a second.
 *
 * @param scenario      the story
 * @param ratePerSecond calls per second over all routes
 * @param start         event time of t = 0
 * @param duration      calls have event times in [start, start + duration)
 * @param seed          decides every random choice, and the event ids ({@code sim-<seed>-<n>})
 * @param arrivals      how event times are spread
 */
public record CallSchedule(
        Scenario scenario,
        double ratePerSecond,
        Instant start,
        Duration duration,
        long seed,
        Arrivals arrivals) implements Iterable<GeneratedCall> {

    /** How event times are spread over the run. */
    public enum Arrivals {
        /** Exactly 1 / rate apart: the count is exact and the timing smooth. */
        EVEN,
        /** Exponential gaps with mean 1 / rate: bursty like real traffic; the count varies around rate × duration. */
        POISSON
    }

    /** Mixed into the seed for the arrival draws, so that the calls' own draws don't depend on the arrival mode. */
    private static final long ARRIVAL_SALT = 0x9E3779B97F4A7C15L;

    public CallSchedule {
        Objects.requireNonNull(scenario, "scenario");
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(arrivals, "arrivals");
        if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
            throw new IllegalArgumentException("rate must be > 0 calls/s, got " + ratePerSecond);
        }
        if (duration.isNegative()) {
            throw new IllegalArgumentException("duration must be >= 0, got " + duration);
        }
    }

    /** Evenly spread calls. */
    public static CallSchedule of(Scenario scenario, double ratePerSecond, Instant start, Duration duration, long seed) {
        return new CallSchedule(scenario, ratePerSecond, start, duration, seed, Arrivals.EVEN);
    }

    /** The scenario's own default duration. */
    public static CallSchedule of(Scenario scenario, double ratePerSecond, Instant start, long seed) {
        return of(scenario, ratePerSecond, start, scenario.defaultDuration(), seed);
    }

    public CallSchedule withArrivals(Arrivals arrivals) {
        return new CallSchedule(scenario, ratePerSecond, start, duration, seed, arrivals);
    }

    /** rate × duration: the exact count with {@link Arrivals#EVEN}, the mean with {@link Arrivals#POISSON}. */
    public long expectedCalls() {
        return (long) Math.ceil(ratePerSecond * duration.toNanos() / 1e9);
    }

    @Override
    public Iterator<GeneratedCall> iterator() {
        return new Calls();
    }

    /** The calls as an ordered, sequential stream. */
    public Stream<GeneratedCall> stream() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator(),
                Spliterator.ORDERED | Spliterator.NONNULL | Spliterator.IMMUTABLE), false);
    }

    /**
     * Writes every call as one {@code llm.call.v1} JSON line (UTF-8, '\n'), the input format of
     * {@code backtest}, replacing the file. Returns the number of lines.
     */
    public long writeJsonl(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            return writeJsonl(out);
        }
    }

    /** As {@link #writeJsonl(Path)}, to a stream the caller owns (e.g. stdout): flushed, not closed. */
    public long writeJsonl(OutputStream out) throws IOException {
        long lines = 0;
        for (GeneratedCall c : this) {
            out.write(ContractSerdes.LLM_CALL.serialize(null, c.call()));
            out.write('\n');
            lines++;
        }
        out.flush();
        return lines;
    }

    private final class Calls implements Iterator<GeneratedCall> {
        private final CallGenerator generator = new CallGenerator(scenario, seed, start);
        private final SplittableRandom arrivalRandom = new SplittableRandom(seed ^ ARRIVAL_SALT);
        private final long endNanos = duration.toNanos();
        private final double gapNanos = 1e9 / ratePerSecond;
        private long index;
        /** Offset of the next call from start; ≥ endNanos when done. */
        private long nextNanos = arrivals == Arrivals.EVEN ? 0 : poissonGap();

        @Override
        public boolean hasNext() {
            return nextNanos < endNanos;
        }

        @Override
        public GeneratedCall next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            GeneratedCall call = generator.next(start.plusNanos(nextNanos));
            index++;
            if (arrivals == Arrivals.EVEN) {
                // From the index, not by adding gaps, so rounding never accumulates.
                nextNanos = (long) (index * gapNanos);
            } else {
                nextNanos += poissonGap();
            }
            return call;
        }

        private long poissonGap() {
            return (long) (-Math.log(1.0 - arrivalRandom.nextDouble()) * gapNanos);
        }
    }
}
