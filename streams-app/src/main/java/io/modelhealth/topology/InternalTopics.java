package io.modelhealth.topology;

import io.modelhealth.config.AppConfig;
import io.modelhealth.kafka.TopicSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;

/**
 * The internal topics Kafka Streams creates on a topology's first start — its repartition topics and
 * the changelog of every store a task owns — as specs, for {@code demo} to create them with the app's own
 * topics in one request on its fresh single-partition broker. Left to Kafka Streams, the first
 * rebalance creates them and waits until each is ready (about 1.4 s on the 2-core machine, polled every
 * 100 ms), then rebalances again once they appear. Kafka Streams keeps topics that exist with the
 * partition count it wants, so the configs here only need to be what it would choose.
 */
public final class InternalTopics {

    private InternalTopics() {
    }

    /**
     * @param topology what {@link HealthTopology#build} returned for {@code config}
     * @param config   its {@code kafka.application.id} prefixes every internal topic; its dedup window sets the
     *                 windowed changelog's retention
     * @return every internal topic with one partition: right only when every input topic has one
     */
    public static List<TopicSpec> singlePartition(Topology topology, AppConfig config) {
        String applicationId = config.kafka().get("application.id");
        long windowStoreRetentionMs = HealthTopology.dedupRetention(config).toMillis();
        TreeSet<String> repartition = new TreeSet<>();
        TreeSet<String> stores = new TreeSet<>();
        for (TopologyDescription.Subtopology sub : topology.describe().subtopologies()) {
            for (TopologyDescription.Node node : sub.nodes()) {
                if (node instanceof TopologyDescription.Source source) {
                    source.topicSet().stream().filter(t -> t.endsWith("-repartition")).forEach(repartition::add);
                } else if (node instanceof TopologyDescription.Processor processor) {
                    stores.addAll(processor.stores());
                }
            }
        }
        List<TopicSpec> specs = new ArrayList<>();
        for (String t : repartition) {
            // As Kafka Streams' RepartitionTopicConfig: records are purged once committed, never by age.
            specs.add(TopicSpec.of(applicationId + "-" + t, 1, 1).withConfig("cleanup.policy", "delete").withConfig("retention.ms", "-1"));
        }
        for (String store : stores) {
            TopicSpec changelog = TopicSpec.of(applicationId + "-" + store + "-changelog", 1, 1);
            specs.add(store.equals(RouteProcessor.DEDUP_STORE)
                    // A window store's changelog: compacted and deleted, retained a day longer than the store (Kafka Streams' default).
                    ? changelog.withConfig("cleanup.policy", "compact,delete")
                            .withConfig("retention.ms", Long.toString(windowStoreRetentionMs + 86_400_000L))
                    : changelog.withConfig("cleanup.policy", "compact"));
        }
        return specs;
    }
}
