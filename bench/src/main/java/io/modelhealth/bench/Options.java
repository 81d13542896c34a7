package io.modelhealth.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code --name value} flags (and bare {@code --name} switches) after the subcommand. */
public final class Options {

    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, List<String>> multi = new LinkedHashMap<>();

    public Options(List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "' (flags are --name value)");
            }
            String name = a.substring(2);
            String value = "true";
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.size() && !args.get(i + 1).startsWith("--")) {
                value = args.get(++i);
            }
            values.put(name, value);
            multi.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
    }

    public String get(String name, String dflt) {
        return values.getOrDefault(name, dflt);
    }

    public long getLong(String name, long dflt) {
        return values.containsKey(name) ? Long.parseLong(values.get(name).replace("_", "")) : dflt;
    }

    public int getInt(String name, int dflt) {
        return (int) getLong(name, dflt);
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public List<String> all(String name) {
        return multi.getOrDefault(name, List.of());
    }
}
