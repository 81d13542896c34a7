package io.modelhealth.config;

/** A configuration problem, found at start-up. The message always names the key. */
public final class ConfigException extends RuntimeException {

    private final String key;

    public ConfigException(String key, String problem) {
        super(key + ": " + problem);
        this.key = key;
    }

    /** The dotted config key, e.g. {@code detection.policy-block.enter-ratio}. */
    public String key() {
        return key;
    }
}
