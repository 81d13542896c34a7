package io.modelhealth.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class LatencySketchTest {

    private static void assertQuantilesClose(DoubleSupplier sample, int n) {
        LatencySketch sketch = new LatencySketch();
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = sample.getAsDouble();
            sketch.record(values[i]);
        }
        Arrays.sort(values);
        assertThat(sketch.total()).isEqualTo(n);
        for (double q : new double[]{0.5, 0.9, 0.95, 0.99}) {
            double truth = values[(int) Math.ceil(q * n) - 1];
            assertThat(sketch.quantile(q)).as("p%s", q * 100).isCloseTo(truth, within(0.10 * truth));
        }
    }

    @Test
    void logNormalLatencies() {
        Random r = new Random(42);
        // median ≈ 800 ms, long right tail: typical LLM call latencies
        assertQuantilesClose(() -> Math.exp(Math.log(800) + 0.6 * r.nextGaussian()), 50_000);
    }

    @Test
    void uniformLatencies() {
        Random r = new Random(7);
        assertQuantilesClose(() -> 50 + r.nextDouble() * 4950, 20_000);
    }

    @Test
    void exponentialLatencies() {
        Random r = new Random(3);
        assertQuantilesClose(() -> 20 - 300 * Math.log(1 - r.nextDouble()), 20_000);
    }

    @ParameterizedTest
    @ValueSource(doubles = {1, 1.5, 7, 42, 420, 999.9, 12_345, 600_000, 3_600_000})
    void aSingleValueIsItsOwnQuantileWithinTheBucketError(double ms) {
        LatencySketch s = new LatencySketch();
        s.record(ms);
        assertThat(s.quantile(0.5)).isCloseTo(ms, within(0.05 * ms));
        assertThat(s.quantile(0.99)).isEqualTo(s.quantile(0.5));
    }

    @Test
    void emptyIsNaNAndEdgesDoNotThrow() {
        LatencySketch s = new LatencySketch();
        assertThat(s.quantile(0.95)).isNaN();
        s.record(0);
        s.record(-3);
        s.record(Double.NaN);
        s.record(Double.POSITIVE_INFINITY);
        s.record(1e12);
        assertThat(s.total()).isEqualTo(5);
        assertThat(s.quantile(0.5)).isEqualTo(0.5);
        assertThat(s.quantile(1.0)).isGreaterThan(3_600_000);
    }

    @Test
    void bucketsAreMonotonicAndRepresentativesInsideTheirBucket() {
        int last = 0;
        for (double ms = 1; ms < 1e7; ms *= 1.01) {
            int i = LatencySketch.index(ms);
            assertThat(i).isGreaterThanOrEqualTo(last);
            last = i;
            if (i < LatencySketch.SIZE - 1) {
                assertThat(LatencySketch.representative(i)).isCloseTo(ms, within(0.05 * ms + 0.05));
            }
        }
    }
}
