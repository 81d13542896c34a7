package io.modelhealth.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Route ids in URL paths: {@code anthropic/claude-fable-5} ⇄ {@code anthropic/claude-fable-5},
 * {@code aws.bedrock/anthropic.claude-v2@eu-west-1} ⇄ {@code aws.bedrock/anthropic.claude-v2%40eu-west-1}.
 *
 * <p>A route id has the form {@code provider/model}. The provider is the first path segment and the
 * model is everything after it, so a model id that itself contains slashes (some providers' model
 * names do) resolves either written plainly or with {@code %2F}. Segments are percent-decoded after
 * splitting; {@code +} is a plus, not a space (that rule is for query strings only).
 */
final class RoutePaths {

    private RoutePaths() {
    }

    /**
     * The route id addressed by the part of a raw (undecoded) path after a prefix such as
     * {@code /api/routes/}; empty when it is not {@code provider/model} or has empty segments.
     */
    static Optional<String> routeId(String rawRest) {
        String[] segments = rawRest.split("/", -1);
        if (segments.length < 2) {
            return Optional.empty();
        }
        StringBuilder route = new StringBuilder();
        for (int i = 0; i < segments.length; i++) {
            Optional<String> segment = decode(segments[i]);
            if (segment.isEmpty() || segment.get().isEmpty()) {
                return Optional.empty();
            }
            if (i == 0 && segment.get().contains("/")) {
                return Optional.empty();
            }
            route.append(i == 0 ? "" : "/").append(segment.get());
        }
        return Optional.of(route.toString());
    }

    /** The path of a route under a prefix ending in a slash: the provider and model, each percent-encoded. */
    static String path(String prefix, String routeId) {
        int slash = routeId.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("not a route id (provider/model): " + routeId);
        }
        return prefix + encode(routeId.substring(0, slash)) + "/" + encode(routeId.substring(slash + 1));
    }

    /** Percent-encodes everything but RFC 3986 unreserved characters. */
    static String encode(String segment) {
        StringBuilder out = new StringBuilder();
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    /** Percent-decodes one segment as UTF-8; empty when an escape is malformed. */
    static Optional<String> decode(String segment) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(segment.length());
        byte[] bytes = segment.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] != '%') {
                out.write(bytes[i]);
                continue;
            }
            if (i + 2 >= bytes.length) {
                return Optional.empty();
            }
            int hi = Character.digit(bytes[i + 1], 16);
            int lo = Character.digit(bytes[i + 2], 16);
            if (hi < 0 || lo < 0) {
                return Optional.empty();
            }
            out.write(hi << 4 | lo);
            i += 2;
        }
        return Optional.of(out.toString(StandardCharsets.UTF_8));
    }
}
