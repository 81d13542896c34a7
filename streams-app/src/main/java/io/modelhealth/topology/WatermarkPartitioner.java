package io.modelhealth.topology;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.processor.StreamPartitioner;

/**
 * Partitions {@code calls-by-route}: a call goes where the producer's default partitioner would put
 * its route id (murmur2, so a call keyed by route on {@code llm.calls} and the same call rekeyed meet
 * on one task), a watermark goes to <em>every</em> partition (KIP-837 multicast), so each route task
 * hears every ingest task's progress, in order after the calls it covers.
 */
final class WatermarkPartitioner implements StreamPartitioner<String, RouteEvent> {

    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, RouteEvent value, int numPartitions) {
        if (value != null && value.isMark()) {
            Set<Integer> all = new HashSet<>(numPartitions * 2);
            for (int p = 0; p < numPartitions; p++) {
                all.add(p);
            }
            return Optional.of(all);
        }
        return Optional.of(Set.of(partitionOf(key, numPartitions)));
    }

    /** The partition Kafka's default partitioner gives {@code key} (UTF-8) among {@code numPartitions}. */
    static int partitionOf(String key, int numPartitions) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % numPartitions;
    }
}
