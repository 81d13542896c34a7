package io.modelhealth.backtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The progress line: at most once a second of the injected clock, with the ETA from bytes read. */
class BacktestProgressTest {

    @TempDir
    Path dir;

    @Test
    void printsAtMostOncePerSecondWithCallsEventTimeAndEta() throws Exception {
        Path file = dir.resolve("in.jsonl");
        Files.writeString(file, "x\n".repeat(2_000_000));
        AtomicLong nanos = new AtomicLong();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (BacktestInput in = BacktestInput.open(file)) {
            BacktestProgress p = new BacktestProgress(in, new PrintStream(err, true, StandardCharsets.UTF_8), nanos::get, false, "");
            for (int i = 0; i < 1_000_000; i++) {
                in.next();
                // 5 µs of clock per call: half the file in 5 s (the readers' buffers read a little ahead).
                nanos.addAndGet(5_000);
                p.input(java.time.Instant.parse("2026-11-27T03:00:00Z").toEpochMilli() + i);
            }
        }
        String[] lines = err.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines.length).isBetween(4, 5);
        assertThat(lines[0]).startsWith("backtest: ").contains(" calls/s, event time 2026-11-27T03:0", "% read, ETA ");
        // Half the file read in 5 s: about 5 s to go.
        assertThat(lines[lines.length - 1]).containsPattern("ETA [4-6] s");
    }

    @Test
    void noSizeNoEta() {
        AtomicLong nanos = new AtomicLong();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        BacktestInput in = BacktestInput.of(new BufferedReader(new StringReader("")));
        BacktestProgress p = new BacktestProgress(in, new PrintStream(err, true, StandardCharsets.UTF_8), nanos::get, true, "B");
        for (int i = 0; i < 4096; i++) {
            nanos.addAndGet(1_000_000);
            p.input(0);
        }
        p.done();
        String out = err.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("backtest B: ", "\r").doesNotContain("ETA").endsWith(System.lineSeparator());
    }
}
