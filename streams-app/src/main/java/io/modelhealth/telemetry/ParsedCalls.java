package io.modelhealth.telemetry;

/**
 * One call its feeder has already parsed, handed to {@link ParseProcessor} so it does not parse the same bytes
 * again: {@code backtest} parses every line on its read-ahead thread (for the route, the time and the incident
 * clocks) before the replay pipes it. Matched by the identity of the value's array, which TopologyTestDriver
 * passes through unchanged; any other array is parsed as usual, so a miss costs only the parse. The result must
 * be what {@link CallParser#parse} gives for those bytes under the same {@code telemetry.max-record-bytes}.
 * One thread: the replay's.
 */
public final class ParsedCalls {

    private byte[] value;
    private ParseResult result;

    /** {@code result} is {@code value} parsed; it is taken by the next {@link ParseProcessor} to see that array. */
    public void offer(byte[] value, ParseResult result) {
        this.value = value;
        this.result = result;
    }

    /** The parse offered for exactly this array (once), or null. */
    ParseResult take(byte[] value) {
        if (value == null || value != this.value) {
            return null;
        }
        ParseResult r = result;
        this.value = null;
        this.result = null;
        return r;
    }
}
