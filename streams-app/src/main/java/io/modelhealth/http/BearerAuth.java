package io.modelhealth.http;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code http.auth-token} check. A request is authenticated by {@code Authorization: Bearer
 * <token>} (scripts, Prometheus, peers) or by the session cookie the sign-in form sets (browsers,
 * which cannot add a header to a page load or a link).
 *
 * <p>The cookie holds {@code HMAC-SHA256(token, "model-health session")}, not the token: a browser
 * never stores the credential that Prometheus and the peers use, and the server needs no session
 * table (every instance of the app accepts the same cookie). Both forms are compared in constant
 * time over SHA-256 digests, so neither the content nor the length of the token leaks through timing.
 */
final class BearerAuth {

    /** The session cookie's name. */
    static final String COOKIE = "model_health_session";
    private static final String BEARER = "Bearer ";
    private static final byte[] SESSION_LABEL = "model-health session".getBytes(StandardCharsets.UTF_8);

    private final byte[] tokenDigest;
    private final String sessionValue;
    private final byte[] sessionDigest;

    /** @param token the configured {@code http.auth-token} (not null, not empty) */
    BearerAuth(String token) {
        this.tokenDigest = sha256(token);
        this.sessionValue = session(token);
        this.sessionDigest = sha256(sessionValue);
    }

    /** True when an {@code Authorization} header value carries the token. */
    boolean acceptsHeader(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return false;
        }
        return MessageDigest.isEqual(tokenDigest, sha256(authorization.substring(BEARER.length()).trim()));
    }

    /** True when a session cookie value is the one this token yields. */
    boolean acceptsCookie(String value) {
        return value != null && MessageDigest.isEqual(sessionDigest, sha256(value));
    }

    /** True when a token typed into the sign-in form is the configured one. */
    boolean acceptsToken(String token) {
        return token != null && MessageDigest.isEqual(tokenDigest, sha256(token));
    }

    /** The value of the session cookie to set after a good sign-in. */
    String sessionValue() {
        return sessionValue;
    }

    private static String session(String token) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(token.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(SESSION_LABEL));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JRE", e);
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }
}
