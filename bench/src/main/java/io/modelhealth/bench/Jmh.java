package io.modelhealth.bench;

import java.util.ArrayList;
import java.util.List;

/** {@code jmh [options]}: JMH's own command line, with short defaults when no option is given. */
final class Jmh {

    private Jmh() {
    }

    static void run(List<String> args) throws Exception {
        List<String> a = new ArrayList<>(args);
        if (a.isEmpty()) {
            // Short, but long enough for C2 to settle on these small methods; allocation per op from -prof gc.
            a.addAll(List.of("-f", "1", "-wi", "3", "-w", "1s", "-i", "5", "-r", "1s", "-prof", "gc", "io.modelhealth.bench.jmh"));
        }
        org.openjdk.jmh.Main.main(a.toArray(new String[0]));
    }
}
