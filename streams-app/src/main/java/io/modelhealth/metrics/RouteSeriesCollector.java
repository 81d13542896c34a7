package io.modelhealth.metrics;

import io.modelhealth.metrics.HealthMetrics.Held;
import io.modelhealth.metrics.HealthMetrics.LatencyHistogram;
import io.modelhealth.metrics.HealthMetrics.RouteSeries;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.OutcomeClass;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The per-route series, built at scrape time from {@link RouteSeries} rather than kept as Micrometer meters:
 * {@code model_health_calls_total{route,provider,model,class}}, {@code model_health_state{route,state}},
 * {@code model_health_reroute_held{route,cause}}, {@code model_health_error_ratio{route,class,window}} and
 * {@code model_health_latency_seconds{route,quantile}} — names, labels and help as they always were — and the
 * histograms {@code model_health_call_duration_seconds{route}} and {@code model_health_time_to_first_token_seconds{route}}
 * (buckets {@link HealthMetrics#LATENCY_BUCKETS}), which, unlike the quantile gauges, sum across instances and
 * over time.
 *
 * <p>Only some routes are exported: every route the config names (they are on the dashboards), then up to
 * {@code limits.metered-routes} others, the unhealthy first and then the busiest. A flood of made-up model names
 * therefore costs Prometheus a fixed number of series; the others are still decided, served by the API and
 * counted in {@code model_health_routes_unmetered} ({@link HealthMetrics#unmeteredRoutes}). A route that leaves the exported set and comes back keeps
 * its counter's value, which {@code rate()} reads as a gap, not a reset.
 */
final class RouteSeriesCollector implements MultiCollector {

    private static final OutcomeClass[] CLASSES = OutcomeClass.values();
    private static final HealthState[] STATES = HealthState.values();
    private static final Held[] HELD = Held.values();
    private static final String[] QUANTILES = {"0.5", "0.95", "0.99"};
    private static final double[] UPPER_BOUNDS = upperBounds();

    /** The unhealthy first, then by calls, busiest first; route name breaks ties so a scrape is stable. */
    private static final Comparator<RouteSeries> PRIORITY = Comparator
            .comparing((RouteSeries r) -> !r.unhealthy())
            .thenComparing(Comparator.comparingLong(RouteSeries::totalCalls).reversed())
            .thenComparing(r -> r.route);

    private final Supplier<Collection<RouteSeries>> routes;
    private final Set<String> alwaysMetered;
    private final int meteredRoutes;

    /**
     * @param routes        every route held, read at each scrape
     * @param alwaysMetered routes exported whatever their traffic
     * @param meteredRoutes how many further routes are exported
     */
    RouteSeriesCollector(Supplier<Collection<RouteSeries>> routes, Set<String> alwaysMetered, int meteredRoutes) {
        this.routes = routes;
        this.alwaysMetered = alwaysMetered;
        this.meteredRoutes = meteredRoutes;
    }

    @Override
    public MetricSnapshots collect() {
        List<RouteSeries> exported = select();
        CounterSnapshot.Builder calls = CounterSnapshot.builder().name("model_health_calls")
                .help("Finished LLM calls seen, by outcome class");
        GaugeSnapshot.Builder state = GaugeSnapshot.builder().name("model_health_state")
                .help("1 for the route's current health state, 0 for the others");
        GaugeSnapshot.Builder held = GaugeSnapshot.builder().name("model_health_reroute_held")
                .help("1 while the route is unhealthy but its reroute is held back, by cause");
        GaugeSnapshot.Builder ratio = GaugeSnapshot.builder().name("model_health_error_ratio")
                .help("Share of the route's calls in the window that fell in the class");
        GaugeSnapshot.Builder latency = GaugeSnapshot.builder().name("model_health_latency_seconds").unit(Unit.SECONDS)
                .help("End-to-end call latency of the route's last closed window");
        HistogramSnapshot.Builder duration = HistogramSnapshot.builder().name("model_health_call_duration_seconds")
                .unit(Unit.SECONDS).help("End-to-end latency of the route's calls, every outcome");
        HistogramSnapshot.Builder ttft = HistogramSnapshot.builder().name("model_health_time_to_first_token_seconds")
                .unit(Unit.SECONDS).help("Time to first token of the route's calls that report it (ttft_ms)");
        for (RouteSeries r : exported) {
            for (OutcomeClass c : CLASSES) {
                calls.dataPoint(CounterDataPointSnapshot.builder().value(r.counts.get(c.ordinal()))
                        .labels(Labels.of("class", c.wireName(), "model", r.model, "provider", r.provider, "route", r.route))
                        .build());
            }
            int current = r.state;
            for (HealthState s : STATES) {
                state.dataPoint(gauge(s.ordinal() == current ? 1 : 0, "route", r.route, "state", s.name()));
            }
            int cause = r.held;
            for (Held h : HELD) {
                held.dataPoint(gauge(h.ordinal() + 1 == cause ? 1 : 0, "cause", h.tag, "route", r.route));
            }
            String[] windows = r.ratioWindows;
            double[] ratios = r.ratios;
            if (windows != null && ratios != null) {
                for (int w = 0; w < windows.length && (w + 1) * CLASSES.length <= ratios.length; w++) {
                    for (OutcomeClass c : CLASSES) {
                        double v = ratios[w * CLASSES.length + c.ordinal()];
                        if (!Double.isNaN(v)) {
                            ratio.dataPoint(gauge(v, "class", c.wireName(), "route", r.route, "window", windows[w]));
                        }
                    }
                }
            }
            for (int q = 0; q < QUANTILES.length; q++) {
                double v = r.latency[q];
                if (!Double.isNaN(v)) {
                    latency.dataPoint(gauge(v, "quantile", QUANTILES[q], "route", r.route));
                }
            }
            duration.dataPoint(histogram(r.counts, HealthMetrics.DURATION, r.route));
            java.util.concurrent.atomic.AtomicLongArray t = r.ttft;
            if (t != null && LatencyHistogram.count(t, 0) > 0) {
                ttft.dataPoint(histogram(t, 0, r.route));
            }
        }
        return MetricSnapshots.of(calls.build(), state.build(), held.build(), ratio.build(), latency.build(),
                duration.build(), ttft.build());
    }

    private static double[] upperBounds() {
        double[] b = Arrays.copyOf(HealthMetrics.LATENCY_BUCKETS, HealthMetrics.LATENCY_BUCKETS.length + 1);
        b[b.length - 1] = Double.POSITIVE_INFINITY;
        return b;
    }

    /** The routes exported this scrape. */
    List<RouteSeries> select() {
        Collection<RouteSeries> all = routes.get();
        List<RouteSeries> exported = new ArrayList<>();
        List<RouteSeries> others = new ArrayList<>();
        for (RouteSeries r : all) {
            (alwaysMetered.contains(r.route) ? exported : others).add(r);
        }
        if (others.size() > meteredRoutes) {
            others.sort(PRIORITY);
            others = others.subList(0, meteredRoutes);
        }
        exported.addAll(others);
        return exported;
    }

    private static HistogramDataPointSnapshot histogram(java.util.concurrent.atomic.AtomicLongArray cells, int from, String route) {
        long[] counts = new long[LatencyHistogram.BUCKETS];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = cells.get(from + i);
        }
        return HistogramDataPointSnapshot.builder()
                .classicHistogramBuckets(ClassicHistogramBuckets.of(UPPER_BOUNDS, counts))
                .sum(LatencyHistogram.sumMicros(cells, from) / 1e6)
                .labels(Labels.of("route", route))
                .build();
    }

    private static GaugeDataPointSnapshot gauge(double value, String... labels) {
        return GaugeDataPointSnapshot.builder().value(value).labels(Labels.of(labels)).build();
    }
}
