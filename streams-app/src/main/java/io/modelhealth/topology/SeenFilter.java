package io.modelhealth.topology;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An in-memory Bloom filter per dedup time slot over the event ids filed in {@code seen-events}: "not
 * there" is certain, so the duplicate check reads RocksDB only for the ids it may hold (a real duplicate,
 * or about 1 % of the others) instead of three point reads per call. The store stays the truth (exact
 * within the window and across restarts); the filter is rebuilt from it when a task starts, and a slot's
 * filter goes when the slot leaves the store's retention.
 *
 * <p>A slot's filter starts sized for {@link #INITIAL_CAPACITY} ids and adds a layer twice as large each
 * time the newest fills (a scalable Bloom filter), so memory follows the call rate: 1.2–2.5 bytes per id
 * (10 bits at 1 % false positives, up to twice that in a slot's last layer), 7–15 MB per ten-minute slot at
 * 10,000 calls/s, and the store's retention keeps three slots.
 */
final class SeenFilter {

    static final int INITIAL_CAPACITY = 1 << 14;
    private static final int HASHES = 7;
    private static final int BITS_PER_ID = 10;

    private final TreeMap<Long, List<Layer>> slots = new TreeMap<>();

    /** The id's two hashes, computed once per call for every slot it is checked in and the one it is filed under. */
    record Hashes(long h1, long h2) {
        static Hashes of(String id) {
            long h1 = hash(id);
            return new Hashes(h1, mix(h1 ^ 0x9E3779B97F4A7C15L));
        }
    }

    /** True when {@code id} may have been filed under {@code slot}; false means certainly not. */
    boolean mayContain(long slot, String id) {
        return mayContain(slot, Hashes.of(id));
    }

    boolean mayContain(long slot, Hashes id) {
        List<Layer> layers = slots.get(slot);
        if (layers == null) {
            return false;
        }
        for (Layer l : layers) {
            if (l.mayContain(id.h1(), id.h2())) {
                return true;
            }
        }
        return false;
    }

    void add(long slot, String id) {
        add(slot, Hashes.of(id));
    }

    void add(long slot, Hashes id) {
        List<Layer> layers = slots.computeIfAbsent(slot, s -> new ArrayList<>(List.of(new Layer(INITIAL_CAPACITY))));
        Layer last = layers.get(layers.size() - 1);
        if (last.count >= last.capacity) {
            last = new Layer(last.capacity * 2);
            layers.add(last);
        }
        last.add(id.h1(), id.h2());
    }

    /** Drops the filters of every slot before {@code slot}. */
    void forgetBefore(long slot) {
        slots.headMap(slot, false).clear();
    }

    void clear() {
        slots.clear();
    }

    /** Bytes held by the filters (for the memory figures). */
    long bytes() {
        long b = 0;
        for (Map.Entry<Long, List<Layer>> e : slots.entrySet()) {
            for (Layer l : e.getValue()) {
                b += l.bits.length * 8L;
            }
        }
        return b;
    }

    private static final class Layer {
        final long[] bits;
        final long mask;
        final int capacity;
        int count;

        Layer(int capacity) {
            this.capacity = capacity;
            long n = Long.highestOneBit((long) capacity * BITS_PER_ID - 1) << 1;
            this.bits = new long[(int) (n >>> 6)];
            this.mask = n - 1;
        }

        void add(long h1, long h2) {
            for (int i = 0; i < HASHES; i++) {
                long bit = (h1 + i * h2) & mask;
                bits[(int) (bit >>> 6)] |= 1L << bit;
            }
            count++;
        }

        boolean mayContain(long h1, long h2) {
            for (int i = 0; i < HASHES; i++) {
                long bit = (h1 + i * h2) & mask;
                if ((bits[(int) (bit >>> 6)] & (1L << bit)) == 0) {
                    return false;
                }
            }
            return true;
        }
    }

    /** FNV-1a over the chars, then a 64-bit finalizer: cheap, and well spread for ids that share prefixes. */
    static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return mix(h);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb93fe1a85ec3L;
        return z ^ (z >>> 33);
    }
}
