package io.modelhealth.topology;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The duplicate check skips RocksDB for every id {@link SeenFilter} rules out, so the filter must never rule
 * out an id it was given (that would count a duplicate twice), and should rule out most others.
 */
class SeenFilterTest {

    private static final long SLOT = 600_000;

    @Test
    void everyIdAddedIsFoundAcrossLayers() {
        SeenFilter f = new SeenFilter();
        int n = SeenFilter.INITIAL_CAPACITY * 7; // three layers: 1×, 2×, 4× the initial capacity
        for (int i = 0; i < n; i++) {
            f.add(SLOT, "evt-" + i);
        }
        for (int i = 0; i < n; i++) {
            assertThat(f.mayContain(SLOT, "evt-" + i)).as("evt-" + i).isTrue();
        }
    }

    @Test
    void mostIdsNeverAddedAreRuledOut() {
        SeenFilter f = new SeenFilter();
        for (int i = 0; i < 100_000; i++) {
            f.add(SLOT, "evt-" + i);
        }
        int maybe = 0;
        for (int i = 0; i < 100_000; i++) {
            if (f.mayContain(SLOT, "other-" + i)) {
                maybe++;
            }
        }
        // 10 bits and 7 hashes per id: about 1 % per layer that holds ids, a few layers here.
        assertThat(maybe).isLessThan(5_000);
        assertThat(f.mayContain(SLOT + SLOT, "evt-1")).as("another slot").isFalse();
    }

    @Test
    void slotsBeforeTheCutAreForgotten() {
        SeenFilter f = new SeenFilter();
        f.add(0, "a");
        f.add(SLOT, "b");
        f.add(2 * SLOT, "c");
        long before = f.bytes();
        f.forgetBefore(SLOT);
        assertThat(f.mayContain(0, "a")).isFalse();
        assertThat(f.mayContain(SLOT, "b")).isTrue();
        assertThat(f.mayContain(2 * SLOT, "c")).isTrue();
        assertThat(f.bytes()).isLessThan(before);
    }
}
