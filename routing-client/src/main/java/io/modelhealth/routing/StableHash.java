package io.modelhealth.routing;

import java.nio.charset.StandardCharsets;

/**
 * Places a request on the unit interval: {@code (route, requestKey) → u ∈ [0, 1)}, the same on every
 * router instance, every restart and every language.
 *
 * <p>The recipe, so that a router written in another language splits traffic exactly like this one:
 * <pre>
 *   bytes = UTF-8(route + "\n" + requestKey)        route ids contain no whitespace, so this is unambiguous
 *   h     = XXH64(bytes, seed 0)                    unsigned 64-bit
 *   u     = (h &gt;&gt;&gt; 11) / 2^53                       the top 53 bits, exactly representable as a double
 * </pre>
 * xxHash64 is the one in {@code xxhash} (C), {@code xxhash.xxh64} (Python), {@code cespare/xxhash} (Go).
 * The command's epoch is deliberately not part of the input: as a RESTORE steps the weight down, only
 * the requests with the largest {@code u} among those on the target move back, and nobody flips twice.
 */
final class StableHash {

    private static final long PRIME64_1 = 0x9E3779B185EBCA87L;
    private static final long PRIME64_2 = 0xC2B2AE3D27D4EB4FL;
    private static final long PRIME64_3 = 0x165667B19E3779F9L;
    private static final long PRIME64_4 = 0x85EBCA77C2B2AE63L;
    private static final long PRIME64_5 = 0x27D4EB2F165667C5L;
    private static final double TWO_POW_MINUS_53 = 0x1.0p-53;

    private StableHash() {
    }

    /** The request's position in [0, 1) for this route. */
    static double unitInterval(String route, String requestKey) {
        byte[] bytes = (route + "\n" + requestKey).getBytes(StandardCharsets.UTF_8);
        return (xxh64(bytes, 0L) >>> 11) * TWO_POW_MINUS_53;
    }

    /** xxHash64 (XXH64) of {@code data}, as specified at github.com/Cyan4973/xxHash (doc/xxhash_spec.md). */
    static long xxh64(byte[] data, long seed) {
        int length = data.length;
        int p = 0;
        long h;
        if (length >= 32) {
            long v1 = seed + PRIME64_1 + PRIME64_2;
            long v2 = seed + PRIME64_2;
            long v3 = seed;
            long v4 = seed - PRIME64_1;
            int limit = length - 32;
            do {
                v1 = round(v1, readLong(data, p));
                v2 = round(v2, readLong(data, p + 8));
                v3 = round(v3, readLong(data, p + 16));
                v4 = round(v4, readLong(data, p + 24));
                p += 32;
            } while (p <= limit);
            h = Long.rotateLeft(v1, 1) + Long.rotateLeft(v2, 7) + Long.rotateLeft(v3, 12) + Long.rotateLeft(v4, 18);
            h = mergeRound(h, v1);
            h = mergeRound(h, v2);
            h = mergeRound(h, v3);
            h = mergeRound(h, v4);
        } else {
            h = seed + PRIME64_5;
        }
        h += length;
        while (p + 8 <= length) {
            h ^= round(0, readLong(data, p));
            h = Long.rotateLeft(h, 27) * PRIME64_1 + PRIME64_4;
            p += 8;
        }
        if (p + 4 <= length) {
            h ^= (readInt(data, p) & 0xFFFFFFFFL) * PRIME64_1;
            h = Long.rotateLeft(h, 23) * PRIME64_2 + PRIME64_3;
            p += 4;
        }
        while (p < length) {
            h ^= (data[p] & 0xFFL) * PRIME64_5;
            h = Long.rotateLeft(h, 11) * PRIME64_1;
            p++;
        }
        h ^= h >>> 33;
        h *= PRIME64_2;
        h ^= h >>> 29;
        h *= PRIME64_3;
        h ^= h >>> 32;
        return h;
    }

    private static long round(long acc, long input) {
        acc += input * PRIME64_2;
        acc = Long.rotateLeft(acc, 31);
        return acc * PRIME64_1;
    }

    private static long mergeRound(long acc, long value) {
        acc ^= round(0, value);
        return acc * PRIME64_1 + PRIME64_4;
    }

    private static long readLong(byte[] b, int i) {
        return (b[i] & 0xFFL)
                | (b[i + 1] & 0xFFL) << 8
                | (b[i + 2] & 0xFFL) << 16
                | (b[i + 3] & 0xFFL) << 24
                | (b[i + 4] & 0xFFL) << 32
                | (b[i + 5] & 0xFFL) << 40
                | (b[i + 6] & 0xFFL) << 48
                | (b[i + 7] & 0xFFL) << 56;
    }

    private static int readInt(byte[] b, int i) {
        return (b[i] & 0xFF)
                | (b[i + 1] & 0xFF) << 8
                | (b[i + 2] & 0xFF) << 16
                | (b[i + 3] & 0xFF) << 24;
    }
}
