package io.modelhealth.reroute;

import io.modelhealth.schemas.Caller;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The blast radius in words, for alert descriptions: who still calls an unhealthy route, e.g.
 * "3 tenants still call anthropic/claude-fable-5 in region=eu-west-1: search 1.2k/min (eu-west-1, since 03:12:45Z), …".
 */
public final class BlastRadius {

    /** Callers named in a description; the rest are counted. */
    static final int NAMED = 5;

    private BlastRadius() {
    }

    /** Empty when nobody called since the decision. */
    public static String describe(String subject, List<Caller> callers) {
        if (callers.isEmpty()) {
            return "";
        }
        Set<String> tenants = new LinkedHashSet<>();
        callers.forEach(c -> tenants.add(c.tenant() == null ? "(no tenant)" : c.tenant()));
        List<String> named = new ArrayList<>();
        for (Caller c : callers.subList(0, Math.min(NAMED, callers.size()))) {
            String where = (c.region() == null ? "" : c.region() + ", ") + "since " + c.since();
            named.add((c.tenant() == null ? "(no tenant)" : c.tenant()) + " " + rate(c.callsPerMinute()) + "/min, "
                    + c.calls() + " calls (" + where + ")");
        }
        String more = callers.size() > NAMED ? "; and " + (callers.size() - NAMED) + " more" : "";
        return tenants.size() + (tenants.size() == 1 ? " tenant still calls " : " tenants still call ") + subject + ": "
                + String.join("; ", named) + more + ".";
    }

    static String rate(double perMinute) {
        if (perMinute >= 1000) {
            return String.format(Locale.ROOT, "%.1fk", perMinute / 1000);
        }
        return perMinute >= 10 ? String.valueOf(Math.round(perMinute)) : String.format(Locale.ROOT, "%.1f", perMinute);
    }
}
