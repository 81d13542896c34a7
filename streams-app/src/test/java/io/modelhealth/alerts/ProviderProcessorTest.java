package io.modelhealth.alerts;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.schemas.Alert;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.RouteStatus;
import io.modelhealth.telemetry.RouteIds;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Provider-wide alerts from the provider's route states: counted per route, whatever the provider's size. */
class ProviderProcessorTest {

    private static final Instant T = Instant.parse("2026-12-06T03:00:00Z");
    private final AppConfig config = ConfigLoader.load(null, Map.of(), Map.of());
    private TopologyTestDriver driver;
    private TestInputTopic<String, RouteStatus> states;
    private TestOutputTopic<String, Alert> alerts;
    private ProviderProcessor processor;
    private Path stateDir;

    @BeforeEach
    void start() throws Exception {
        StreamsBuilder b = new StreamsBuilder();
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ProviderProcessor.STORE), Serdes.String(),
                ProviderProcessor.stateSerde()));
        b.stream("states", Consumed.with(Serdes.String(), ContractSerdes.ROUTE_STATUS))
                .process(() -> processor = new ProviderProcessor(config), ProviderProcessor.STORE)
                .to("alerts", Produced.with(Serdes.String(), ContractSerdes.ALERT));
        stateDir = Files.createTempDirectory("provider-test");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "provider-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "test:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(b.build(), props, T);
        states = driver.createInputTopic("states", Serdes.String().serializer(), ContractSerdes.ROUTE_STATUS.serializer());
        alerts = driver.createOutputTopic("alerts", Serdes.String().deserializer(), ContractSerdes.ALERT.deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    private void state(String route, HealthState s, long atSeconds) {
        String provider = RouteIds.provider(route);
        Instant at = T.plusSeconds(atSeconds);
        states.pipeInput(provider, new RouteStatus(route, provider, RouteIds.model(route), s, null, at, "x", null,
                null, null, null, "v1", at), at);
    }

    private KeyValueStore<String, String> store() {
        return driver.getKeyValueStore(ProviderProcessor.STORE);
    }

    @Test
    void mostOfAProvidersActiveRoutesDownFiresOnceAndResolvesWhenTheyHeal() {
        state("acme/a", HealthState.HEALTHY, 0);
        state("acme/b", HealthState.HEALTHY, 0);
        state("acme/c", HealthState.HEALTHY, 0);
        state("acme/idle", HealthState.IDLE, 0);
        state("other/x", HealthState.BLOCKED, 0);
        state("acme/c", HealthState.BLOCKED, 1);
        assertThat(alerts.isEmpty()).as("1 of 3 active routes is not most of them").isTrue();
        state("acme/a", HealthState.UNAVAILABLE, 2);
        state("acme/a", HealthState.UNAVAILABLE, 3);
        List<Alert> fired = alerts.readValuesToList();
        assertThat(fired).hasSize(1);
        Alert a = fired.get(0);
        assertThat(a.isFiring()).isTrue();
        assertThat(a.labels()).containsEntry("provider", "acme");
        assertThat(a.annotations().get("summary"))
                .isEqualTo("acme: 2 of 3 active routes are down at once (acme/a UNAVAILABLE, acme/c BLOCKED)");

        state("acme/c", HealthState.RECOVERING, 10);
        List<Alert> resolved = alerts.readValuesToList();
        assertThat(resolved).hasSize(1);
        assertThat(resolved.get(0).fingerprint()).isEqualTo(a.fingerprint());
        assertThat(resolved.get(0).isFiring()).isFalse();
        assertThat(resolved.get(0).startsAt()).isEqualTo(a.startsAt());
        assertThat(store().get(ProviderProcessor.OPEN + "acme")).as("nothing open is kept").isNull();
    }

    @Test
    void aRestartedTaskCountsFromItsStore() {
        state("acme/a", HealthState.BLOCKED, 0);
        state("acme/b", HealthState.HEALTHY, 0);
        state("acme/c", HealthState.HEALTHY, 0);
        processor.load();
        state("acme/b", HealthState.BLOCKED, 1);
        assertThat(alerts.readValuesToList()).singleElement().satisfies(a -> assertThat(a.isFiring()).isTrue());
        processor.load();
        state("acme/a", HealthState.HEALTHY, 2);
        assertThat(alerts.readValuesToList()).as("the open alert survives the restart").singleElement()
                .satisfies(a -> assertThat(a.isFiring()).isFalse());
    }

    @Test
    void anEntryOfTheOnePerProviderFormIsSplitAndItsOpenAlertResolves() {
        // As a version before this one left it: every route of the provider in one entry, its alert open (written
        // with the same class and serde that version wrote it with).
        ProviderState before = new ProviderState();
        before.routes.put("acme/a", HealthState.BLOCKED);
        before.routes.put("acme/b", HealthState.BLOCKED);
        before.routes.put("acme/c", HealthState.HEALTHY);
        before.openFingerprint = "f00d";
        before.openedAt = T.toEpochMilli();
        before.summary = "acme: 2 of 3";
        before.description = "d";
        String whole = new String(new io.modelhealth.schemas.JsonSerde<>(ProviderState.class).serialize("", before), StandardCharsets.UTF_8);
        store().put("acme", whole);
        processor.load();
        assertThat(store().get("acme")).isNull();
        assertThat(store().get(ProviderProcessor.ROUTE + "acme/a")).isEqualTo("BLOCKED");
        assertThat(store().get(ProviderProcessor.ROUTE + "acme/c")).isEqualTo("HEALTHY");

        state("acme/a", HealthState.RECOVERING, 5);
        Alert resolved = alerts.readValuesToList().get(0);
        assertThat(resolved.isFiring()).isFalse();
        assertThat(resolved.annotations().get("summary")).isEqualTo("acme: 2 of 3");
        assertThat(resolved.startsAt()).isEqualTo(T);
    }

    @Test
    void aProviderOfManyRoutesKeepsEveryStoreEntrySmall() {
        // 40,000 routes of one provider: as one entry this was ~1.4 MB, over the broker's default record limit.
        for (int i = 0; i < 40_000; i++) {
            state("bulk/m" + i, HealthState.HEALTHY, 0);
        }
        for (int i = 0; i < 20_001; i++) {
            state("bulk/m" + i, HealthState.UNAVAILABLE, 1);
        }
        assertThat(alerts.readValuesToList()).singleElement().satisfies(a -> assertThat(a.annotations().get("summary"))
                .startsWith("bulk: 20001 of 40000 active routes are down at once (bulk/m0 UNAVAILABLE, bulk/m1 UNAVAILABLE, "));
        List<Integer> sizes = new ArrayList<>();
        try (KeyValueIterator<String, String> it = store().all()) {
            while (it.hasNext()) {
                KeyValue<String, String> kv = it.next();
                sizes.add(kv.value.getBytes(StandardCharsets.UTF_8).length);
            }
        }
        assertThat(sizes).hasSize(40_001);
        // The route entries are a state name; the open alert's summary lists the down routes, as it always did.
        assertThat(sizes.stream().filter(s -> s > 64)).hasSize(1);
    }
}
