package io.modelhealth.bench;

import io.modelhealth.kafka.EmbeddedKafkaBroker;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** The broker the benches run against: the embedded one (default) or {@code --bootstrap-servers}. */
public final class Cluster implements AutoCloseable {

    private final EmbeddedKafkaBroker embedded;
    private final String bootstrap;
    private final Admin admin;

    private Cluster(EmbeddedKafkaBroker embedded, String bootstrap) {
        this.embedded = embedded;
        this.bootstrap = bootstrap;
        Properties p = new Properties();
        p.put("bootstrap.servers", bootstrap);
        this.admin = Admin.create(p);
    }

    public static Cluster open(String bootstrapOrNull) {
        if (bootstrapOrNull != null) {
            return new Cluster(null, bootstrapOrNull);
        }
        EmbeddedKafkaBroker b = EmbeddedKafkaBroker.builder().closeOnJvmExit(true).start();
        return new Cluster(b, b.bootstrapServers());
    }

    public String bootstrap() {
        return bootstrap;
    }

    public boolean embedded() {
        return embedded != null;
    }

    public Admin admin() {
        return admin;
    }

    public List<TopicPartition> partitions(String topic) throws Exception {
        TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
        return d.partitions().stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    public Map<TopicPartition, Long> endOffsets(List<TopicPartition> tps) throws Exception {
        Map<TopicPartition, OffsetSpec> req = new HashMap<>();
        tps.forEach(tp -> req.put(tp, OffsetSpec.latest()));
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> r = admin.listOffsets(req).all().get(30, TimeUnit.SECONDS);
        Map<TopicPartition, Long> out = new HashMap<>();
        r.forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    /** Sum over {@code tps} of the group's committed offsets (0 where none). */
    public long committed(String group, List<TopicPartition> tps) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> m = admin.listConsumerGroupOffsets(group)
                .partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
        long sum = 0;
        for (TopicPartition tp : tps) {
            OffsetAndMetadata o = m.get(tp);
            if (o != null) {
                sum += o.offset();
            }
        }
        return sum;
    }

    @Override
    public void close() {
        admin.close();
        if (embedded != null) {
            embedded.close();
        }
    }
}
