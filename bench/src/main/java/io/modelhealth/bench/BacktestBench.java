package io.modelhealth.bench;

import io.modelhealth.scenario.CallSchedule;
import io.modelhealth.scenario.Scenarios;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code backtest} as a user runs it: the demo story written as {@code llm.call.v1} lines (default
 * 2,000,000 calls at 5,000 calls/s of event time: 400 s, the withdrawal and the outage in it), then
 * {@code java -jar model-health.jar backtest --input F --output /dev/null --progress} in a child
 * process. The rate is calls ÷ the command's wall time, JVM start and the final summary included;
 * its goal is the live drain rate of the same run ({@code throughput.app}, when {@code all} ran it).
 */
public final class BacktestBench {

    /** {@code backtest: 1,959,936 calls, 48,290 calls/s, ...}: the progress line on stderr. */
    private static final Pattern PROGRESS = Pattern.compile("^backtest: ([\\d,]+) calls, ([\\d,]+) calls/s");

    private final Options o;
    private final PrintStream log;
    /** The live drain rate measured in the same run, or null. */
    private final Double drainRate;

    public BacktestBench(Options o, PrintStream log, Double drainRate) {
        this.o = o;
        this.log = log;
        this.drainRate = drainRate;
    }

    public List<Figure> run() throws Exception {
        Path jar = Path.of(o.get("app-jar", StartupBench.defaultJar().toString()));
        if (!Files.exists(jar)) {
            throw new IllegalStateException("no " + jar + ": build it first (mvn -B -q -DskipTests package), or pass --app-jar");
        }
        long calls = o.getLong("backtest-calls", 2_000_000);
        double rate = 5_000;
        Path dir = Files.createTempDirectory("bench-backtest");
        Path input = dir.resolve("calls.jsonl");
        try {
            long written = CallSchedule.of(Scenarios.byName("demo"), rate, Instant.parse("2026-11-27T03:00:00Z"),
                    Duration.ofMillis((long) Math.ceil(calls * 1000 / rate)), 7).writeJsonl(input);
            log.printf("  %,d calls of the demo story → %s (%,d MB)%n", written, input, Files.size(input) >> 20);
            List<String> cmd = new ArrayList<>(List.of(ChildJvm.javaBin()));
            cmd.addAll(o.all("app-jvm-arg"));
            cmd.addAll(List.of("-jar", jar.toString(), "backtest", "--input", input.toString(), "--output", "/dev/null", "--progress"));
            log.println("  " + String.join(" ", cmd));
            long peakRssKb = 0;
            String lastProgress = null;
            int exit;
            double seconds;
            try (ChildJvm bt = ChildJvm.exec(cmd, o.has("verbose") ? log : null, "backtest")) {
                while (true) {
                    ChildJvm.Line l = bt.await(t -> PROGRESS.matcher(t).find() || t.contains("input lines"), 1_000);
                    peakRssKb = Math.max(peakRssKb, peakRssKb(bt.process().pid()));
                    if (l != null && PROGRESS.matcher(l.text()).find()) {
                        lastProgress = l.text();
                    }
                    if (!bt.process().isAlive()) {
                        break;
                    }
                }
                exit = bt.waitFor(60_000);
                seconds = (System.nanoTime() - bt.startedNanos()) / 1e9;
            }
            if (exit != 0) {
                throw new IllegalStateException("backtest exited with " + exit);
            }
            double perSecond = written / seconds;
            log.printf("  %,d calls in %.1f s: %,.0f calls/s; last progress line: %s; peak RSS %,d MB%n", written, seconds, perSecond,
                    lastProgress, peakRssKb >> 10);
            List<Figure> f = new ArrayList<>();
            String how = String.format(java.util.Locale.ROOT, "%,d llm.call.v1 lines (the demo story at 5,000 calls/s of event time), "
                    + "`model-health.jar backtest --input F --output /dev/null --progress` in a child process: calls ÷ its wall time, "
                    + "JVM start included", written);
            if (drainRate != null) {
                f.add(new Figure("backtest.rate", perSecond, "calls/s", String.format(java.util.Locale.ROOT, "≥ drain %,.0f/s", drainRate),
                        perSecond >= drainRate, how + "; goal: throughput.app of this run"));
            } else {
                f.add(new Figure("backtest.rate", perSecond, "calls/s", "≥ live drain", null, how + "; compare throughput.app (bench all runs both)"));
            }
            Matcher m = lastProgress == null ? null : PROGRESS.matcher(lastProgress);
            if (m != null && m.find()) {
                f.add(Figure.info("backtest.rate_last_progress", Double.parseDouble(m.group(2).replace(",", "")), "calls/s",
                        "the rate the backtest's own last progress line showed (since its start, JVM start excluded)"));
            }
            f.add(Figure.info("backtest.peak_rss", peakRssKb / 1024.0, "MB", "the backtest process's peak resident set (VmHWM), default heap"));
            return f;
        } finally {
            Files.deleteIfExists(input);
            Files.deleteIfExists(dir);
        }
    }

    /** The process's peak resident set so far ({@code VmHWM} in /proc), 0 when it is gone. */
    private static long peakRssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (Exception e) {
            // exited between two samples
        }
        return 0;
    }
}
