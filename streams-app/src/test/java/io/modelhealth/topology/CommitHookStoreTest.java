package io.modelhealth.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/**
 * {@link CommitHookStore} relies on Kafka Streams flushing a store's cache as the task commits. A processor
 * that writes only from its hook must find every write in its stores after each commit (TopologyTestDriver
 * commits after every record, through the same task code as a stream thread); a Kafka upgrade that stops
 * calling {@code flushCache} on the outer store fails here.
 */
class CommitHookStoreTest {

    /** Counts records in a field; the stores see the count only through the hook. */
    static final class CountingProcessor implements Processor<String, String, Void, Void> {
        static final List<Long> hookCalls = new ArrayList<>();
        private KeyValueStore<String, Long> a;
        private KeyValueStore<String, Long> b;
        private long count;
        private boolean dirty;

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            a = context.getStateStore("a");
            b = context.getStateStore("b");
            CommitHookStore.register(context.getStateStore("a"), this::beforeCommit);
            CommitHookStore.register(context.getStateStore("b"), this::beforeCommit);
        }

        @Override
        public void process(Record<String, String> record) {
            count++;
            dirty = true;
        }

        void beforeCommit() {
            hookCalls.add(count);
            if (dirty) {
                a.put("count", count);
                b.put("count", count);
                dirty = false;
            }
        }
    }

    private static TopologyTestDriver driver(boolean wrapped) {
        StreamsBuilder builder = new StreamsBuilder();
        for (String name : new String[]{"a", "b"}) {
            var store = Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.String(), Serdes.Long())
                    .withCachingEnabled();
            builder.addStateStore(wrapped ? CommitHookStore.wrap(store) : store);
        }
        builder.stream("in", org.apache.kafka.streams.kstream.Consumed.with(Serdes.String(), Serdes.String()))
                .process(CountingProcessor::new, "a", "b");
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, "commit-hook-test");
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        p.put(StreamsConfig.STATE_DIR_CONFIG, tempDir());
        return new TopologyTestDriver(builder.build(), p);
    }

    private static String tempDir() {
        try {
            return java.nio.file.Files.createTempDirectory("commit-hook-test").toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void writesFromTheHookAreInBothStoresAfterEveryCommit() {
        CountingProcessor.hookCalls.clear();
        try (TopologyTestDriver driver = driver(true)) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", Serdes.String().serializer(), Serdes.String().serializer());
            for (int i = 1; i <= 5; i++) {
                in.pipeInput("k", "v" + i);
                assertThat(driver.<String, Long>getKeyValueStore("a").get("count")).isEqualTo(i);
                assertThat(driver.<String, Long>getKeyValueStore("b").get("count")).isEqualTo(i);
            }
            // Two hooked stores, two calls per commit: the first writes, the second finds nothing dirty.
            assertThat(CountingProcessor.hookCalls).contains(5L).hasSizeGreaterThanOrEqualTo(10);
        }
    }

    @Test
    void aStoreBuiltWithoutTheLayerIsRefusedAtInit() {
        assertThatThrownBy(() -> {
            try (TopologyTestDriver driver = driver(false)) {
                driver.createInputTopic("in", Serdes.String().serializer(), Serdes.String().serializer()).pipeInput("k", "v");
            }
        }).hasStackTraceContaining("was not built with CommitHookStore.wrap");
    }
}
