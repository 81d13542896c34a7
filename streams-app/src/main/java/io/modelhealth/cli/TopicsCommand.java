package io.modelhealth.cli;

import io.modelhealth.config.AppConfig;
import io.modelhealth.kafka.TopicAdmin;
import io.modelhealth.kafka.TopicReport;
import io.modelhealth.topology.AppTopics;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code topics}: creates missing topics per the spec and verifies existing ones. */
@Command(name = "topics", mixinStandardHelpOptions = true,
        description = "Create missing topics per the topic spec (partitions, cleanup policy, retention) and verify "
                + "existing ones. Exit code 1 when an existing topic does not match.")
final class TopicsCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions config;

    @Option(names = "--bootstrap-servers", required = true, paramLabel = "HOST:PORT[,...]", description = "Kafka bootstrap servers.")
    String bootstrapServers;

    @Option(names = "--check", description = "Only verify; create nothing.")
    boolean checkOnly;

    @Override
    public Integer call() {
        Map<String, String> flags = new LinkedHashMap<>();
        flags.put("kafka.bootstrap.servers", bootstrapServers);
        AppConfig cfg = config.load(flags);
        try (TopicAdmin admin = TopicAdmin.connect(bootstrapServers, cfg.kafka(), Duration.ofSeconds(30))) {
            TopicReport report = checkOnly ? admin.check(AppTopics.specs(cfg)) : admin.ensure(AppTopics.specs(cfg));
            report.lines().forEach(System.out::println);
            return report.allMatch() ? 0 : 1;
        }
    }
}
