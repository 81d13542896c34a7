package io.modelhealth.otlp;

import io.modelhealth.config.AppConfig;
import io.modelhealth.scenario.CallSink;
import io.modelhealth.scenario.GeneratedCall;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The simulator's calls as the OpenTelemetry Collector's kafka exporter writes spans: each batch of
 * calls ({@link CallSpans}) is one {@code ExportTraceServiceRequest} record, unkeyed (the exporter's
 * default), in {@code otlp.encoding}, with the Kafka timestamp of its newest call. Batches close at
 * the Collector batch processor's defaults: 8,192 spans or 200 ms, whichever comes first (at the demo's
 * 300 calls/s, about 60 spans a request).
 */
public final class SpanBatchSink implements CallSink {

    static final int BATCH_SIZE = 8192;
    static final Duration LINGER = Duration.ofMillis(200);

    private final CallSpans spans;
    private final OtlpCodec codec;

    public SpanBatchSink(AppConfig.Otlp config) {
        this.spans = new CallSpans(config);
        this.codec = new OtlpCodec(config.encoding());
    }

    @Override
    public List<ProducerRecord<byte[], byte[]>> records(String topic, List<GeneratedCall> calls) {
        if (calls.isEmpty()) {
            return List.of();
        }
        byte[] value = codec.encode(spans.request(calls.stream().map(GeneratedCall::call).toList()));
        long newest = calls.get(calls.size() - 1).call().timestamp().toEpochMilli();
        return List.of(new ProducerRecord<>(topic, null, newest, null, value));
    }

    @Override
    public int batchSize() {
        return BATCH_SIZE;
    }

    @Override
    public Duration linger() {
        return LINGER;
    }

    @Override
    public String toString() {
        return "OTLP span batches (" + codec.encoding().wireName() + ")";
    }
}
