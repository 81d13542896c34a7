package io.modelhealth.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * {@code jfr-top FILE [N] [filter]}: the hottest methods of a JFR recording's execution samples,
 * by self time (top frame) and by total time (anywhere on the stack), optionally only samples of
 * threads whose name contains {@code filter} (e.g. {@code StreamThread}).
 */
public final class JfrTop {

    private JfrTop() {
    }

    public static void print(Path file, int n, String threadFilter) throws Exception {
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> total = new HashMap<>();
        int samples = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
            if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStackTrace() == null) {
                continue;
            }
            String thread = e.getThread("sampledThread") == null ? "" : e.getThread("sampledThread").getJavaName();
            if (threadFilter != null && (thread == null || !thread.contains(threadFilter))) {
                continue;
            }
            samples++;
            List<RecordedFrame> frames = e.getStackTrace().getFrames();
            if (frames.isEmpty()) {
                continue;
            }
            self.merge(name(frames.get(0)), 1, Integer::sum);
            Set<String> seen = new HashSet<>();
            for (RecordedFrame f : frames) {
                String m = name(f);
                if (seen.add(m)) {
                    total.merge(m, 1, Integer::sum);
                }
            }
        }
        System.out.printf("%d execution samples%s%n%n", samples, threadFilter == null ? "" : " on threads matching '" + threadFilter + "'");
        System.out.println("self %   method");
        printTop(self, samples, n);
        System.out.println();
        System.out.println("total %  method");
        printTop(total, samples, n);
    }

    private static void printTop(Map<String, Integer> m, int samples, int n) {
        m.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(n)
                .forEach(e -> System.out.printf("%6.1f   %s%n", 100.0 * e.getValue() / samples, e.getKey()));
    }

    private static String name(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }
}
