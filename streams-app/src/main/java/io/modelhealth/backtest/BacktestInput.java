package io.modelhealth.backtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhealth.schemas.Json;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * The input of {@code backtest}: lines of text → {@code llm.calls} records ({@link Record}: key and
 * value bytes, as a consumer of the topic would see them). Formats, decided line by line, so
 * concatenated dumps mix freely:
 *
 * <ul>
 *   <li>{@link Format#KCAT_ENVELOPE}: a line of {@code kcat -C -J} — a JSON object starting
 *       {@code {"topic":} whose {@code payload} string is the record's value and {@code key} its key;</li>
 *   <li>{@link Format#KCAT_KEYED}: {@code kcat -C -K '\t'} — {@code key<TAB>value}, where the value
 *       starts with <code>{</code> and the key does not;</li>
 *   <li>{@link Format#CALL}: anything else is the record's value as is — an {@code llm.call.v1}
 *       line, which is also what a plain {@code kcat -C} prints.</li>
 * </ul>
 *
 * A gzip file (magic bytes {@code 1f 8b}, whatever its name) is decompressed. A line that a format
 * cannot decode is passed on whole as a value, so the topology dead-letters it with its bytes:
 * nothing is dropped here. To add a format, add a {@link Format} constant and its test in
 * {@link #decode}.
 */
public final class BacktestInput implements Closeable {

    /** One {@code llm.calls} record: the key may be null (the app re-keys). */
    public record Record(byte[] key, byte[] value, Format format) {
    }

    /** How a line was read. */
    public enum Format { CALL, KCAT_ENVELOPE, KCAT_KEYED }

    private static final ObjectMapper JSON = Json.mapper();

    private final BufferedReader reader;
    private final CountingStream counted;
    private final long totalBytes;
    private final String name;
    private long lines;

    private BacktestInput(BufferedReader reader, CountingStream counted, long totalBytes, String name) {
        this.reader = reader;
        this.counted = counted;
        this.totalBytes = totalBytes;
        this.name = name;
    }

    /** Opens a file: plain or gzip-compressed (detected by its first two bytes). */
    public static BacktestInput open(Path file) throws IOException {
        long size = Files.size(file);
        CountingStream counted = new CountingStream(Files.newInputStream(file));
        BufferedInputStream buffered = new BufferedInputStream(counted, 1 << 16);
        buffered.mark(2);
        int b1 = buffered.read();
        int b2 = buffered.read();
        buffered.reset();
        InputStream in = b1 == 0x1f && b2 == 0x8b ? new GZIPInputStream(buffered, 1 << 16) : buffered;
        Reader r = new InputStreamReader(in, StandardCharsets.UTF_8);
        return new BacktestInput(new BufferedReader(r, 1 << 16), counted, size, file.toString());
    }

    /** Lines from a reader the caller made (tests, stdin): no size, so no ETA. */
    public static BacktestInput of(BufferedReader reader) {
        return new BacktestInput(reader, null, -1, "input");
    }

    /** The next record, or null at the end. Blank lines are skipped. */
    public Record next() throws IOException {
        String line;
        while ((line = reader.readLine()) != null) {
            if (!line.isBlank()) {
                lines++;
                return decode(line);
            }
        }
        return null;
    }

    /** Non-blank lines read so far. */
    public long lines() {
        return lines;
    }

    /** Bytes of the file read so far (compressed bytes for a gzip file); -1 when unknown. */
    public long bytesRead() {
        return counted == null ? -1 : counted.count;
    }

    /** Size of the file; -1 when unknown. */
    public long totalBytes() {
        return totalBytes;
    }

    public String name() {
        return name;
    }

    static Record decode(String line) {
        if (line.startsWith("{\"topic\":")) {
            Record r = envelope(line);
            if (r != null) {
                return r;
            }
        } else if (!line.startsWith("{")) {
            int tab = line.indexOf('\t');
            if (tab >= 0 && line.startsWith("{", tab + 1)) {
                String key = line.substring(0, tab);
                return new Record(key.isEmpty() ? null : utf8(key), utf8(line.substring(tab + 1)), Format.KCAT_KEYED);
            }
        }
        return new Record(null, utf8(line), Format.CALL);
    }

    /** A kcat {@code -J} envelope, or null when the line is not one (it is then dead-lettered whole). */
    private static Record envelope(String line) {
        try {
            JsonNode n = JSON.readTree(line);
            JsonNode payload = n.get("payload");
            if (payload == null || !payload.isTextual()) {
                return null;
            }
            JsonNode key = n.get("key");
            byte[] keyBytes = key == null || !key.isTextual() || key.asText().isEmpty() ? null : utf8(key.asText());
            return new Record(keyBytes, utf8(payload.asText()), Format.KCAT_ENVELOPE);
        } catch (IOException e) {
            return null;
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }

    /** Counts the bytes read from the file, for the progress line's ETA. */
    private static final class CountingStream extends FilterInputStream {
        private long count;

        CountingStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = super.skip(n);
            count += s;
            return s;
        }
    }
}
