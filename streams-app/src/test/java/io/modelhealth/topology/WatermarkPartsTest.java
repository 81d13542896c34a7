package io.modelhealth.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.schemas.LlmCall;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.utils.Bytes;
import org.junit.jupiter.api.Test;

/** The small parts the ordering rests on: the multicasting partitioner, the repartition serde, the pending-call key order. */
class WatermarkPartsTest {

    private final WatermarkPartitioner partitioner = new WatermarkPartitioner();

    @Test
    void aWatermarkGoesToEveryPartitionAndACallWhereTheProducerWouldPutItsRoute() {
        RouteEvent mark = RouteEvent.of(new RouteEvent.Watermark(2, 1_000, false));
        assertThat(partitioner.partitions("t", IngestProgress.MARK_KEY, mark, 6)).hasValue(Set.of(0, 1, 2, 3, 4, 5));
        for (String route : List.of("anthropic/claude-fable-5", "openai/gpt-5", "google/gemini-3-pro", "a/b", "x/y@2026")) {
            int producer = BuiltInPartitioner.partitionForKey(route.getBytes(StandardCharsets.UTF_8), 6);
            assertThat(partitioner.partitions("t", route, RouteEvent.of(call(route, 1)), 6)).hasValue(Set.of(producer));
        }
    }

    @Test
    void callsAndWatermarksSurviveTheRepartitionTopic() {
        RouteEventSerde serde = new RouteEventSerde();
        LlmCall c = call("openai/gpt-5", 1_795_748_400_123L);
        RouteEvent back = serde.deserializer().deserialize("t", serde.serializer().serialize("t", RouteEvent.of(c)));
        assertThat(back.call()).isEqualTo(c);
        assertThat(back.isMark()).isFalse();
        RouteEvent.Watermark w = new RouteEvent.Watermark(5, 1_795_748_400_000L, true);
        assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", RouteEvent.of(w))).mark()).isEqualTo(w);
        RouteEvent.Watermark unknown = new RouteEvent.Watermark(0, Long.MIN_VALUE, true);
        assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", RouteEvent.of(unknown))).mark())
                .isEqualTo(unknown);
    }

    @Test
    void pendingKeysSortByEventTimeThenRouteThenEventId() {
        Random r = new Random(7);
        List<Bytes> keys = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            long ts = 1_795_748_400_000L + r.nextInt(5_000) - (i % 7 == 0 ? 3_000_000_000_000L : 0);
            String route = "p/m" + r.nextInt(3);
            String id = "e" + r.nextInt(1000);
            keys.add(Bytes.wrap(RouteProcessor.pendingKey(ts, route, id)));
            expected.add(String.format("%020d %s %s", ts + 4_000_000_000_000L, route, id));
        }
        List<String> byBytes = IntStream.range(0, keys.size()).boxed()
                .sorted((a, b) -> keys.get(a).compareTo(keys.get(b)))
                .map(expected::get).collect(Collectors.toList());
        List<String> sorted = new ArrayList<>(expected);
        sorted.sort(null);
        assertThat(byBytes).isEqualTo(sorted);
        assertThat(Arrays.equals(RouteProcessor.pendingKey(1, "a/b", "x"), RouteProcessor.pendingKey(1, "a/b", "x"))).isTrue();
    }

    private static LlmCall call(String route, long ts) {
        return new LlmCall("id-" + ts, Instant.ofEpochMilli(ts), route.substring(0, route.indexOf('/')),
                route.substring(route.indexOf('/') + 1), null, "t", 200, null, 100.0, null, null, null);
    }
}
