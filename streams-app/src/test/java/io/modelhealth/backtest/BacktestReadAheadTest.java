package io.modelhealth.backtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigLoader;
import io.modelhealth.scenario.CallSchedule;
import io.modelhealth.scenario.Scenarios;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The input is read on a thread of its own, ahead of the replay: what it reads and what it fails with reach the replay in order. */
class BacktestReadAheadTest {

    @TempDir
    Path tmp;

    private final AppConfig config = ConfigLoader.load(null, Map.of(), Map.of());

    @Test
    void aReadErrorMidwayFailsTheBacktestAfterTheLinesBeforeIt() throws Exception {
        Path input = tmp.resolve("calls.jsonl");
        CallSchedule.of(Scenarios.byName("demo"), 200, Instant.parse("2026-11-20T03:00:00Z"), Duration.ofSeconds(20), 3)
                .writeJsonl(input);
        String text = Files.readString(input);
        int cut = text.indexOf('\n', text.length() / 2) + 1;
        Reader failing = new Reader() {
            private final StringReader head = new StringReader(text.substring(0, cut));

            @Override
            public int read(char[] buf, int off, int len) throws IOException {
                int n = head.read(buf, off, len);
                if (n < 0) {
                    throw new IOException("disk gone");
                }
                return n;
            }

            @Override
            public void close() {
            }
        };
        long[] inputs = new long[1];
        Backtest.Listener listener = new Backtest.Listener() {
            @Override
            public void input(long eventTimeMs) {
                inputs[0]++;
            }
        };
        assertThatThrownBy(() -> new Backtest(config, ConfigLoader.configVersion(config))
                .run(BacktestInput.of(new BufferedReader(failing)), null, listener))
                .isInstanceOf(IOException.class).hasMessageContaining("disk gone");
        assertThat(inputs[0]).as("every line before the failure was replayed").isEqualTo(text.substring(0, cut).lines().count());
    }

    @Test
    void theSameInputGivesTheSameOutputLineForLine() throws Exception {
        Path input = tmp.resolve("calls.jsonl");
        CallSchedule.of(Scenarios.byName("demo"), 300, Instant.parse("2026-11-20T03:00:00Z"), Duration.ofSeconds(30), 9)
                .writeJsonl(input);
        // with a line that is not a call among them: dead-lettered at its neighbours' time
        Files.writeString(input, Files.readString(input).replaceFirst("\n", "\n{\"not\":\"a call\"}\n"));
        String first = backtest(input);
        assertThat(first).contains("\"topic\":\"llm.calls.dlq\"").contains("\"topic\":\"model.health.state\"");
        assertThat(backtest(input)).isEqualTo(first);
    }

    private String backtest(Path input) throws Exception {
        java.io.StringWriter out = new java.io.StringWriter();
        try (BufferedReader in = Files.newBufferedReader(input)) {
            new Backtest(config, ConfigLoader.configVersion(config)).run(in, out);
        }
        return out.toString();
    }
}
