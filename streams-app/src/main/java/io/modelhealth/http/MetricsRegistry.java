package io.modelhealth.http;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The one Prometheus registry of the process, with the JVM and process binders already bound
 * ({@code jvm_memory_*}, {@code jvm_gc_*}, {@code jvm_threads_*}, {@code jvm_classes_*},
 * {@code process_cpu_*}, {@code system_cpu_*}, {@code process_uptime_seconds}). The app's own
 * meters ({@code HealthMetrics}) and Kafka Streams' ({@link #bind(KafkaStreams)}) are added to it;
 * {@link HttpApi} serves it on {@code /metrics}.
 *
 * <pre>{@code
 * try (MetricsRegistry metrics = new MetricsRegistry()) {
 *     HealthMetrics health = new HealthMetrics(metrics.registry());
 *     KafkaStreams streams = new KafkaStreams(HealthTopology.build(config, version, partitions, health), props);
 *     try (KafkaStreamsMetrics engine = metrics.bind(streams); HttpApi api = new HttpApi(port, metrics.registry(), queries)) {
 *         streams.start(); ...
 *     }
 * }
 * }</pre>
 */
public final class MetricsRegistry implements AutoCloseable {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    /** Holds GC notification listeners: closed with the registry. */
    private final JvmGcMetrics gc = new JvmGcMetrics();

    public MetricsRegistry() {
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /**
     * Exports a Kafka Streams instance's metrics (its own and those of its embedded consumers,
     * producers and admin client: {@code kafka_stream_*}, {@code kafka_consumer_*}, …). Bind before
     * or after {@code start()}; the binder picks up metrics as they appear. Close the returned
     * binder (an {@link AutoCloseable} whose close throws nothing) when the instance is closed.
     */
    public KafkaStreamsMetrics bind(KafkaStreams streams) {
        KafkaStreamsMetrics binder = new KafkaStreamsMetrics(streams);
        binder.bindTo(registry);
        return binder;
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
