package io.modelhealth.scenario;

import io.modelhealth.schemas.ContractSerdes;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * How {@link Simulator} turns the calls it generates into Kafka records: calls (in generation order)
 * → records (key and value bytes). {@link #CALL_RECORDS}, the default, is one {@code llm.call.v1}
 * JSON record per call keyed by route id; {@code otlp.SpanBatchSink} sends batches of calls as OTLP
 * span requests, as the OpenTelemetry Collector's kafka exporter writes them. The simulator hands a
 * sink up to {@link #batchSize()} calls at a time, and whatever it holds once the oldest has waited
 * {@link #linger()}.
 */
public interface CallSink {

    /** One {@code llm.call.v1} JSON record per call, keyed by route id, with the call's timestamp. */
    CallSink CALL_RECORDS = new CallSink() {
        @Override
        public List<ProducerRecord<byte[], byte[]>> records(String topic, List<GeneratedCall> calls) {
            return calls.stream()
                    .map(c -> new ProducerRecord<>(topic, null, c.call().timestamp().toEpochMilli(), c.key(),
                            ContractSerdes.LLM_CALL.serialize(topic, c.call())))
                    .toList();
        }

        @Override
        public int batchSize() {
            return 1;
        }

        @Override
        public Duration linger() {
            return Duration.ZERO;
        }

        @Override
        public String toString() {
            return "llm.call.v1";
        }
    };

    /** The records for these calls, to be sent in this order. */
    List<ProducerRecord<byte[], byte[]>> records(String topic, List<GeneratedCall> calls);

    /** At most this many calls per {@link #records} call; 1: each call as soon as it is made. */
    int batchSize();

    /** How long a call may wait for its batch to fill. */
    Duration linger();
}
