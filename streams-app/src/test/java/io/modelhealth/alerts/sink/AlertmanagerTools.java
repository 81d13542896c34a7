package io.modelhealth.alerts.sink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Where the real Alertmanager tools and the example config are, and how to run a tool. Tests that
 * need a binary skip (with the reason) when it is missing: on Debian they come with the
 * {@code prometheus-alertmanager} package.
 */
final class AlertmanagerTools {

    static final String ALERTMANAGER = "prometheus-alertmanager";
    static final String AMTOOL = "amtool";

    private AlertmanagerTools() {
    }

    /** What a finished process printed (stdout and stderr together) and its exit code. */
    record Result(int exitCode, String output) {
    }

    /** The directory holding both streams-app and deploy, whether tests run from the module or the root. */
    static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !(Files.isDirectory(dir.resolve("streams-app")) && Files.isDirectory(dir.resolve("deploy")))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("cannot find the repository root from " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    static Path exampleConfig() {
        return repositoryRoot().resolve("deploy/alertmanager/alertmanager.yml");
    }

    /** The executable: {@code /usr/bin/<name>} (Debian), else the first on the PATH. */
    static Optional<Path> binary(String name) {
        List<Path> candidates = new ArrayList<>();
        candidates.add(Path.of("/usr/bin", name));
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(java.io.File.pathSeparator)) {
                if (!dir.isBlank()) {
                    candidates.add(Path.of(dir, name));
                }
            }
        }
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    static Result run(Duration timeout, List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            // The tools print little; read it all, then wait (the pipe cannot fill up and block them).
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(command + " did not finish within " + timeout);
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        }
    }
}
