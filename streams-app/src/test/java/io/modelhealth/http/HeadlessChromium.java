package io.modelhealth.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real headless Chromium (Debian's {@code chromium}) loading a page the app serves, for the
 * status-page tests. Skips the calling test when no Chromium is installed; set {@code CHROMIUM}
 * to use another binary.
 */
public final class HeadlessChromium {

    private static final long TIMEOUT_SECONDS = 90;

    private HeadlessChromium() {
    }

    /**
     * Loads {@code url} with the given action ({@code --dump-dom}, or {@code --screenshot=F} plus a
     * window size) and returns what Chromium printed.
     */
    public static String run(Path profile, String url, String... action) throws IOException, InterruptedException {
        String binary = find();
        assumeTrue(binary != null, "Chromium not found on PATH (tried $CHROMIUM, chromium, chromium-browser): "
                + "skipping the status-page browser test. Install it with: apt-get install -y chromium");
        List<String> command = new ArrayList<>(List.of(binary, "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--hide-scrollbars", "--user-data-dir=" + profile,
                "--virtual-time-budget=5000"));
        command.addAll(List.of(action));
        command.add(url);
        Path log = Files.createTempFile(profile, "chromium", ".log");
        Process p = new ProcessBuilder(command).redirectError(log.toFile()).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish in " + TIMEOUT_SECONDS + " s; its log:\n" + Files.readString(log));
        }
        assertThat(p.exitValue()).as("chromium exit code; its log:%n%s", Files.readString(log)).isZero();
        return new String(out, StandardCharsets.UTF_8);
    }

    /** The Chromium binary to use, or null when there is none. */
    public static String find() {
        String configured = System.getenv("CHROMIUM");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String name : List.of("chromium", "chromium-browser")) {
            for (String dir : path.split(File.pathSeparator)) {
                File f = new File(dir, name);
                if (f.isFile() && f.canExecute()) {
                    return f.getPath();
                }
            }
        }
        return null;
    }
}
