package io.modelhealth.schemas;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Scope keys: a part of a route's traffic named by {@code llm.call.v1} fields, written
 * {@code route|field=value} (several fields in name order, joined by {@code |}). The key of scoped
 * reroute commands and of a scope's state; a route-wide key is the route id itself.
 */
public final class Scopes {

    public static final char SEPARATOR = '|';

    private Scopes() {
    }

    /** {@code route}, or {@code route|field=value[|field=value…]}. */
    public static String key(String route, Map<String, String> scope) {
        if (scope == null || scope.isEmpty()) {
            return route;
        }
        StringBuilder b = new StringBuilder(route);
        new TreeMap<>(scope).forEach((k, v) -> b.append(SEPARATOR).append(k).append('=').append(v));
        return b.toString();
    }

    /** The route part of a key. */
    public static String routeOf(String key) {
        int bar = key.indexOf(SEPARATOR);
        return bar < 0 ? key : key.substring(0, bar);
    }

    /** The scope part of a key (empty for a route-wide key). */
    public static Map<String, String> scopeOf(String key) {
        int bar = key.indexOf(SEPARATOR);
        if (bar < 0) {
            return Map.of();
        }
        Map<String, String> scope = new TreeMap<>();
        for (String part : key.substring(bar + 1).split("\\|")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                scope.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        return Collections.unmodifiableMap(scope);
    }

    /** True for a key with a scope part. */
    public static boolean isScoped(String key) {
        return key.indexOf(SEPARATOR) >= 0;
    }

    /** A value that can name a scope: non-empty, at most 128 characters, no whitespace and no separator. */
    public static boolean isValidValue(String value) {
        if (value == null || value.isEmpty() || value.length() > 128) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == SEPARATOR || Character.isWhitespace(c)) {
                return false;
            }
        }
        return true;
    }
}
