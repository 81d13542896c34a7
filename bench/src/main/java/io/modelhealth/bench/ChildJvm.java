package io.modelhealth.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A child JVM on this bench's own class path (the shaded jar): the app under test, Kafka's
 * ConsumerPerformance and the memory probe each run in a JVM of their own, as they would in
 * production, so none of them shares a heap or a GC with the embedded broker. Lines of its stdout
 * (and stderr) are queued for the caller and optionally echoed.
 */
public final class ChildJvm implements AutoCloseable {

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final long startedNanos;

    private ChildJvm(Process process, long startedNanos, PrintStream echo, String label) {
        this.process = process;
        this.startedNanos = startedNanos;
        pump(process.getInputStream(), echo, label);
    }

    /** {@code java [jvmArgs] -cp <this class path> mainClass args}. */
    public static ChildJvm start(List<String> jvmArgs, String mainClass, List<String> args, PrintStream echo, String label) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBin());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        return exec(cmd, echo, label);
    }

    /** Any command (e.g. {@code java -jar model-health.jar demo}). */
    public static ChildJvm exec(List<String> cmd, PrintStream echo, String label) {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        long t0 = System.nanoTime();
        try {
            return new ChildJvm(pb.start(), t0, echo, label);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + cmd, e);
        }
    }

    public static String javaBin() {
        return Paths.get(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Where this bench's jar (or classes directory) lives. */
    public static Path ownLocation() {
        try {
            return Paths.get(Bench.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private void pump(java.io.InputStream in, PrintStream echo, String label) {
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                    if (echo != null) {
                        echo.println("    [" + label + "] " + line);
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, "child-" + label);
        t.setDaemon(true);
        t.start();
    }

    /** Waits for a line matching {@code test}; returns it with its arrival time (nanos since start), or null on timeout. */
    public Line await(java.util.function.Predicate<String> test, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return null;
            }
            String l = lines.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
            if (l != null && test.test(l)) {
                return new Line(l, System.nanoTime() - startedNanos);
            }
            if (l == null && !process.isAlive() && lines.isEmpty()) {
                return null;
            }
        }
    }

    public record Line(String text, long nanosSinceStart) {
        public double seconds() {
            return nanosSinceStart / 1e9;
        }
    }

    public void drainTo(Consumer<String> sink) {
        String l;
        while ((l = lines.poll()) != null) {
            sink.accept(l);
        }
    }

    public Process process() {
        return process;
    }

    public long startedNanos() {
        return startedNanos;
    }

    public int waitFor(long timeoutMs) throws InterruptedException {
        if (process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
            return process.exitValue();
        }
        return Integer.MIN_VALUE;
    }

    /** Asks it to stop (SIGTERM: shutdown hooks run, the app closes cleanly), then kills it if it lingers. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(40, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
