package io.modelhealth.cli;

import io.modelhealth.schemas.Alert;
import io.modelhealth.schemas.ContractSerdes;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteStatus;
import io.modelhealth.topology.AppTopics;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Prints the monitor's decisions as a readable timeline, as a routing service would see them:
 * state changes, reroute commands and alerts, read committed from their topics.
 */
final class TimelinePrinter implements AutoCloseable {

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final AppTopics topics;
    private final PrintStream out;
    private final long start;
    private final Thread thread;
    private final Map<String, String> lastState = new HashMap<>();
    private volatile boolean running = true;
    final Map<String, RouteStatus> finalStates = new java.util.TreeMap<>();
    int commands;
    int alertsFiring;

    TimelinePrinter(Map<String, String> clientProps, AppTopics topics, PrintStream out, long start) {
        Properties p = new Properties();
        p.putAll(clientProps);
        p.remove("application.id");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        this.consumer = new KafkaConsumer<>(p);
        this.topics = topics;
        this.out = out;
        this.start = start;
        List<TopicPartition> parts = new ArrayList<>();
        for (String t : List.of(topics.state().name(), topics.reroutes().name(), topics.scopedReroutes().name(), topics.alerts().name())) {
            consumer.partitionsFor(t).forEach(pi -> parts.add(new TopicPartition(t, pi.partition())));
        }
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
        this.thread = new Thread(this::loop, "demo-timeline");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void loop() {
        try {
            while (running) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    print(r);
                }
            }
        } catch (WakeupException e) {
            // closing
        } finally {
            consumer.close();
        }
    }

    private synchronized void print(ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null) {
            return;
        }
        String at = offset(r.timestamp());
        if (r.topic().equals(topics.state().name())) {
            RouteStatus s = ContractSerdes.ROUTE_STATUS.deserialize(r.topic(), r.value());
            finalStates.put(s.route(), s);
            String previous = lastState.put(s.route(), s.state().name());
            if (previous == null && s.state().name().equals("HEALTHY")) {
                return;
            }
            if (!s.state().name().equals(previous)) {
                out.printf(Locale.ROOT, "%s  %-28s %-11s %s%n", at, s.route(), s.state(), s.reason());
            }
        } else if (r.topic().equals(topics.reroutes().name()) || r.topic().equals(topics.scopedReroutes().name())) {
            RerouteCommand c = ContractSerdes.REROUTE_COMMAND.deserialize(r.topic(), r.value());
            commands++;
            out.printf(Locale.ROOT, "%s  %-28s %-11s -> %s, %.0f %% of traffic (probe %.0f %%), epoch %d, %s%n", at,
                    c.key(), c.action(), c.target(), c.targetShare() * 100, c.probeShare() * 100, c.epoch(), c.reason());
        } else {
            Alert a = ContractSerdes.ALERT.deserialize(r.topic(), r.value());
            if (a.isFiring()) {
                alertsFiring++;
            }
            out.printf(Locale.ROOT, "%s  %-28s %-11s %s [%s] %s%n", at, "", a.isFiring() ? "ALERT" : "RESOLVED",
                    a.labels().get("alertname"), a.labels().get("severity"), a.annotations().get("summary"));
        }
    }

    private String offset(long ts) {
        long ms = Math.max(0, ts - start);
        return String.format(Locale.ROOT, "+%02d:%02d.%d", ms / 60_000, (ms / 1000) % 60, (ms % 1000) / 100);
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
