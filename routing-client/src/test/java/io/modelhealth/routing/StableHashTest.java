package io.modelhealth.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;
import org.junit.jupiter.api.Test;

/**
 * The traffic split must be reproducible by routers in other languages, so the hash must be plain
 * XXH64 and the recipe exactly the documented one. The reference implementation is lz4-java's
 * (on the test classpath through kafka-clients, which uses it for LZ4 compression).
 */
class StableHashTest {

    private static final XXHash64 REFERENCE = XXHashFactory.safeInstance().hash64();

    @Test
    void matchesPublishedVectors() {
        // From the xxHash repository's sanity checks (XXH64 of the empty input, seed 0 and seed PRIME32_1).
        assertThat(StableHash.xxh64(new byte[0], 0L)).isEqualTo(0xEF46DB3751D8E999L);
        assertThat(StableHash.xxh64(new byte[0], 2654435761L)).isEqualTo(0xAC75FDA2929B17EFL);
    }

    @Test
    void matchesReferenceImplementationForEveryLengthBranch() {
        Random random = new Random(42);
        // 0..200 covers the < 4, < 8, < 32 and the 32-byte stripe loops with every remainder.
        for (int length = 0; length <= 200; length++) {
            for (int sample = 0; sample < 20; sample++) {
                byte[] data = new byte[length];
                random.nextBytes(data);
                long seed = sample == 0 ? 0L : random.nextLong();
                assertThat(StableHash.xxh64(data, seed))
                        .as("length %d, seed %d", length, seed)
                        .isEqualTo(REFERENCE.hash(data, 0, length, seed));
            }
        }
    }

    @Test
    void unitIntervalFollowsTheDocumentedRecipe() {
        for (int i = 0; i < 2_000; i++) {
            String route = i % 2 == 0 ? "anthropic/claude-fable-5" : "openrouter/meta-llama/llama-4-maverick";
            String key = "user-" + i + (i % 3 == 0 ? "-ü-日本" : "");
            byte[] bytes = (route + "\n" + key).getBytes(StandardCharsets.UTF_8);
            double expected = (REFERENCE.hash(bytes, 0, bytes.length, 0L) >>> 11) * 0x1.0p-53;

            double u = StableHash.unitInterval(route, key);

            assertThat(u).isEqualTo(expected).isGreaterThanOrEqualTo(0.0).isLessThan(1.0);
        }
    }

    @Test
    void theRouteIsPartOfThePosition() {
        // Otherwise the same users would be moved first off every route, and probe the same way everywhere.
        int same = 0;
        for (int i = 0; i < 1_000; i++) {
            boolean lowOnA = StableHash.unitInterval("anthropic/claude-fable-5", "user-" + i) < 0.5;
            boolean lowOnB = StableHash.unitInterval("openai/gpt-5", "user-" + i) < 0.5;
            same += lowOnA == lowOnB ? 1 : 0;
        }
        assertThat(same).isBetween(420, 580);
    }
}
