package io.modelhealth.http;

/** The data behind a query is not queryable right now (start-up, rebalance): answer 503, retry later. */
public final class NotReadyException extends RuntimeException {

    public NotReadyException(String message, Throwable cause) {
        super(message, cause);
    }

    public NotReadyException(String message) {
        super(message);
    }
}
