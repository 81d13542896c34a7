package io.modelhealth.backtest;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/** How the terminal and the report write times: offsets from the input's start, durations in seconds. */
final class Times {

    private Times() {
    }

    /** {@code +mm:ss.d} after {@code origin} (hours too past an hour). */
    static String offset(Instant t, Instant origin) {
        if (t == null) {
            return "—";
        }
        long ms = Math.max(0, t.toEpochMilli() - (origin == null ? t.toEpochMilli() : origin.toEpochMilli()));
        long h = ms / 3_600_000;
        String mmss = String.format(Locale.ROOT, "%02d:%02d.%d", (ms / 60_000) % 60, (ms / 1000) % 60, (ms % 1000) / 100);
        return h > 0 ? String.format(Locale.ROOT, "+%d:%s", h, mmss) : "+" + mmss;
    }

    static String seconds(Duration d) {
        return d == null ? "—" : String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }

    static String describe(Decision d, Instant origin) {
        return String.format(Locale.ROOT, "%s  %-32s %-8s %-28s %s", offset(d.at(), origin), d.route(), d.kind(), d.detail(),
                d.reason() == null ? "" : d.reason());
    }

    /** "detect 0.4 s / 1m 20.0 s" for the side-by-side tables; "—" when there is none. */
    static String incident(RouteIncident i, Instant inputEnd) {
        if (i == null) {
            return "—";
        }
        Duration rerouted = i.timeRerouted(inputEnd);
        return seconds(i.timeToDetect()) + " / " + (rerouted == null ? "not rerouted" : seconds(rerouted));
    }
}
