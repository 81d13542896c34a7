package io.modelhealth.topology;

import io.modelhealth.config.AppConfig;
import io.modelhealth.telemetry.Ingested;
import java.time.Duration;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * {@code llm.calls} (or {@code otlp.topic}) partition p, parsed: {@link Ingested} calls ⇒ route id → {@link RouteEvent}:
 * each call (marked {@code direct} when its producer already put it on its route's partition), and
 * this partition's progress as a {@link RouteEvent.Watermark} — the largest event time read so far,
 * less {@code windows.out-of-order} — at most every {@code windows.watermark-interval} (wall clock),
 * or "idle" once the partition has had no records for {@code windows.idle-partition-after} while its
 * thread was free to deliver them and its consumer has caught up with it (see {@link #punctuate}). The
 * watermark follows the calls it covers on every partition of {@code calls-by-route}
 * ({@link WatermarkPartitioner}), so a route task knows when it has seen everything up to a time.
 * Each input partition of each input topic is one upstream: a watermark names it by its slot,
 * {@code slotBase + p} ({@code llm.calls} from 0, the OTLP topic after them), so two topics' partitions
 * never stand for each other, and a silent topic goes idle like a silent partition.
 */
final class IngestProgress implements Processor<byte[], Ingested, String, RouteEvent> {

    static final String MARK_KEY = "#watermark";
    /**
     * How long a silent partition whose lag Kafka has not measured yet is still waited for: at start-up, with a
     * backlog, the consumer may not have fetched a partition for seconds while others fill the thread. Bounded,
     * so that a lag that never shows (a metric Kafka stops reporting) cannot hold event time back forever.
     */
    static final long UNMEASURED_WAIT_MS = 30_000;

    private final String topic;
    private final int inputPartitions;
    private final int slotBase;
    private final long outOfOrderMs;
    private final long idleAfterMs;
    private final long intervalMs;
    private ProcessorContext<String, RouteEvent> context;
    /** The instance's consumer lags, or null where there is no running app (TopologyTestDriver, backtest). */
    private InputLag lag;
    private int inputPartition;
    private int partition;
    private long maxEventTime = Long.MIN_VALUE;
    /** The later of the last record and the last punctuation (wall clock). */
    private long lastTickWall;
    /** Wall time without records, counted only while the thread ran punctuations (see {@link #punctuate}). */
    private long silentMs;
    private long lastMarkWall = Long.MIN_VALUE;
    private long lastMarkTime = Long.MIN_VALUE;
    private boolean idle;

    /**
     * @param topic           the input topic this task reads (for its consumer's lag)
     * @param inputPartitions partitions of {@code calls-by-route} (for the direct-path check)
     * @param slotBase        this topic's first upstream slot
     */
    IngestProgress(AppConfig config, String topic, int inputPartitions, int slotBase) {
        this.topic = topic;
        this.inputPartitions = inputPartitions;
        this.slotBase = slotBase;
        this.outOfOrderMs = config.windows().outOfOrder().toMillis();
        this.idleAfterMs = config.windows().idlePartitionAfter().toMillis();
        this.intervalMs = config.windows().watermarkInterval().toMillis();
    }

    @Override
    public void init(ProcessorContext<String, RouteEvent> context) {
        this.context = context;
        this.lag = context.appConfigs().get(InputLag.CONFIG) instanceof InputLag l ? l : null;
        this.inputPartition = context.taskId().partition();
        this.partition = slotBase + inputPartition;
        this.lastTickWall = context.currentSystemTimeMs();
        this.silentMs = 0;
        context.schedule(Duration.ofMillis(intervalMs), PunctuationType.WALL_CLOCK_TIME, this::punctuate);
    }

    @Override
    public void process(Record<byte[], Ingested> record) {
        Ingested in = record.value();
        if (in == null || in.call() == null) {
            return;
        }
        long wall = context.currentSystemTimeMs();
        lastTickWall = wall;
        silentMs = 0;
        maxEventTime = Math.max(maxEventTime, record.timestamp());
        boolean direct = in.keyedByRoute() && context.recordMetadata()
                .map(m -> m.partition() == WatermarkPartitioner.partitionOf(in.route(), inputPartitions)).orElse(false);
        context.forward(new Record<>(in.route(), direct ? RouteEvent.direct(in.call()) : RouteEvent.of(in.call()),
                record.timestamp()));
        if (idle || lastMarkWall == Long.MIN_VALUE || wall - lastMarkWall >= intervalMs) {
            mark(wall);
        }
    }

    /**
     * A gap between two looks counts at most half of {@code windows.idle-partition-after}: after a stall of the
     * stream thread (a long drain elsewhere, a GC pause) the first punctuation comes before the records that
     * queued meanwhile are processed, and must not call a partition with a backlog idle — that moved the low
     * watermark past its unread calls, which then counted out of order. A partition is idle after at least two
     * looks with nothing delivered in between, as long a wait as before when the thread is not stalled.
     *
     * <p>Silence is not enough either: while a large backlog drains, the consumer can leave a partition unfetched
     * for longer than that, at start-up before its first fetch too. So in a running app a silent partition is idle
     * only once its consumer reports that it has caught up ({@link InputLag} 0). Records still waiting on it: not
     * idle, however long the silence (its calls will come; the route tasks wait for them as for a stalled broker).
     * Not measured yet: waited for up to {@link #UNMEASURED_WAIT_MS} of silence. Without a running app
     * (TopologyTestDriver, backtest: every record is already there) silence alone decides.
     */
    private void punctuate(long wall) {
        silentMs += Math.min(Math.max(0, wall - lastTickWall), idleAfterMs / 2);
        lastTickWall = wall;
        if (!idle && silentMs >= idleAfterMs && !recordsWaiting()) {
            idle = true;
            emit(wall);
        } else if (!idle && maxEventTime != Long.MIN_VALUE && maxEventTime - outOfOrderMs > lastMarkTime) {
            mark(wall);
        }
    }

    private boolean recordsWaiting() {
        if (lag == null) {
            return false;
        }
        long waiting = lag.of(topic, inputPartition);
        return waiting > 0 || waiting == InputLag.UNKNOWN && silentMs < UNMEASURED_WAIT_MS;
    }

    private void mark(long wall) {
        idle = false;
        emit(wall);
    }

    private void emit(long wall) {
        long time = maxEventTime == Long.MIN_VALUE ? Long.MIN_VALUE : maxEventTime - outOfOrderMs;
        lastMarkWall = wall;
        lastMarkTime = time;
        context.forward(new Record<>(MARK_KEY, RouteEvent.of(new RouteEvent.Watermark(partition, time, idle)),
                Math.max(0, maxEventTime == Long.MIN_VALUE ? 0 : maxEventTime)));
    }
}
