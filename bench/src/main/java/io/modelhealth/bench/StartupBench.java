package io.modelhealth.bench;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Start-up: launches {@code java -jar streams-app/target/model-health.jar demo --duration 40 --http-port 0}
 * as a child process and times, from the launch, the line {@code monitor running} and the first
 * timeline line (they start {@code +mm:ss.s}) that is a decision: BLOCKED, UNAVAILABLE or REROUTE. (The
 * "expected story" printed at start names these words too; it is not a decision and is skipped.) The
 * figure is the time the user waits, launch to decision on screen.
 */
public final class StartupBench {

    /**
     * A timeline line whose action is a decision: {@code +00:03.2  anthropic/claude-haiku-5     BLOCKED ...}. Not an
     * ALERT line that names BLOCKED in its text (it has no route column and prints with the decision it reports).
     */
    private static final Pattern DECISION = Pattern.compile("^\\+(\\d+):(\\d+\\.\\d+)\\s+\\S+\\s+(BLOCKED|UNAVAILABLE|REROUTE)\\b.*");

    /** The scenario's first phase line, printed when it starts sending. */
    private static final String SCENARIO_START = "scenario: phase t+0s";

    private final Options o;
    private final PrintStream log;

    public StartupBench(Options o, PrintStream log) {
        this.o = o;
        this.log = log;
    }

    public List<Figure> run() throws Exception {
        Path jar = Path.of(o.get("app-jar", defaultJar().toString()));
        if (!Files.exists(jar)) {
            throw new IllegalStateException("no " + jar + ": build it first (mvn -B -q -DskipTests package), or pass --app-jar");
        }
        List<String> cmd = new ArrayList<>(List.of(ChildJvm.javaBin(), "-jar", jar.toString(), "demo", "--duration", "40", "--http-port", "0"));
        log.println("  " + String.join(" ", cmd));
        List<Figure> f = new ArrayList<>();
        try (ChildJvm demo = ChildJvm.exec(cmd, o.has("verbose") ? log : null, "demo")) {
            // The lines come from different threads (the scenario's, the timeline's, the main one): take them in any order.
            ChildJvm.Line scenario = null;
            ChildJvm.Line running = null;
            ChildJvm.Line decision = null;
            while (scenario == null || running == null || decision == null) {
                ChildJvm.Line l = demo.await(t -> t.contains(SCENARIO_START) || t.contains("monitor running")
                        || DECISION.matcher(t).matches(), 120_000);
                if (l == null) {
                    break;
                }
                if (l.text().contains(SCENARIO_START)) {
                    scenario = l;
                } else if (l.text().contains("monitor running")) {
                    running = l;
                } else if (decision == null) {
                    decision = l;
                }
            }
            if (scenario == null || running == null || decision == null) {
                throw new IllegalStateException("the demo printed no " + (scenario == null ? "scenario start"
                        : running == null ? "'monitor running'" : "decision"));
            }
            Matcher m = DECISION.matcher(decision.text());
            m.matches();
            double stamp = Integer.parseInt(m.group(1)) * 60 + Double.parseDouble(m.group(2));
            log.printf("  monitor running after %.1f s; first decision after %.1f s: %s%n", running.seconds(), decision.seconds(),
                    decision.text().trim());
            f.add(Figure.info("startup.scenario_start", scenario.seconds(), "s",
                    "launch → the scenario's first phase line (printed as it starts sending, once the monitor runs)"));
            f.add(Figure.info("startup.monitor_running", running.seconds(), "s",
                    "launch of `java -jar model-health.jar demo` → its 'monitor running' line (embedded broker up, topics, Streams RUNNING)"));
            f.add(new Figure("startup.first_decision", decision.seconds(), "s", "≤ 10 s", decision.seconds() <= 10,
                    "launch → first timeline line with BLOCKED/UNAVAILABLE/REROUTE (default `demo` scenario)"));
            f.add(Figure.info("startup.first_decision_timeline_stamp", stamp, "s",
                    "the decision's own timeline stamp: seconds after the scenario started sending, once the monitor runs "
                            + "(its first incident is scheduled at +3 s: Scenarios.DEMO_FIRST_INCIDENT; up to 972d80f at +20 s)"));
        }
        return f;
    }

    static Path defaultJar() {
        Path own = ChildJvm.ownLocation();   // .../bench/target/model-health-bench.jar or .../bench/target/classes
        Path root = own.getParent().getParent().getParent();
        return root.resolve("streams-app").resolve("target").resolve("model-health.jar");
    }
}
