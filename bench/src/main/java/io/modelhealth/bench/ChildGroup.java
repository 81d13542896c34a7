package io.modelhealth.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * N child JVMs of one main class, started together and each awaited until it prints its running line:
 * the instances of one Kafka Streams application (one consumer group), whose drain the bench measures
 * over the group and whose CPU it sums.
 */
final class ChildGroup implements AutoCloseable {

    private final List<ChildJvm> jvms = new ArrayList<>();
    private double runningSeconds;

    private ChildGroup() {
    }

    /**
     * @param jvmArgs JVM options of instance i (0-based), e.g. a JFR file of its own
     * @param echo    where to echo the children's output (label, or label-i with several), or null
     */
    static ChildGroup start(int count, IntFunction<List<String>> jvmArgs, String mainClass, List<String> args, PrintStream echo,
                            String label, String runningLine) throws InterruptedException {
        ChildGroup g = new ChildGroup();
        try {
            for (int i = 0; i < count; i++) {
                g.jvms.add(ChildJvm.start(jvmArgs.apply(i), mainClass, args, echo, count == 1 ? label : label + "-" + i));
            }
            for (ChildJvm j : g.jvms) {
                ChildJvm.Line running = j.await(l -> l.contains(runningLine), 120_000);
                if (running == null) {
                    throw new IllegalStateException(label + " did not start");
                }
                g.runningSeconds = Math.max(g.runningSeconds, running.seconds());
            }
            return g;
        } catch (RuntimeException | InterruptedException e) {
            g.close();
            throw e;
        }
    }

    /** Seconds from launch until the last of them printed its running line. */
    double runningSeconds() {
        return runningSeconds;
    }

    /** When the first of them was launched ({@link System#nanoTime}). */
    long startedNanos() {
        return jvms.get(0).startedNanos();
    }

    /** utime + stime of all of them, from /proc (Linux). NaN elsewhere. */
    double cpuSeconds() {
        return jvms.stream().mapToDouble(j -> ThroughputBench.cpuSeconds(j.process().pid())).sum();
    }

    /** Asks all to stop at once, then waits for each (so one instance's exit does not hand its tasks to the next). */
    @Override
    public void close() {
        jvms.forEach(j -> j.process().destroy());
        jvms.forEach(ChildJvm::close);
    }
}
