package io.modelhealth.otlp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.modelhealth.config.AppConfig.OtlpEncoding;
import io.modelhealth.schemas.DeadLetter;
import io.modelhealth.telemetry.CallParser;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.IOException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * Record bytes ⇄ {@link ExportTraceServiceRequest}, in one of the Collector kafka exporter's encodings,
 * with the official bindings: {@code otlp_proto} is the protobuf wire form; {@code otlp_json} is
 * OTLP/JSON, which is protobuf's JSON mapping (lowerCamelCase keys, 64-bit integers as strings or
 * numbers, enums as integers — {@link JsonFormat} reads all of that) except that trace and span ids are
 * hex strings, not base64 (opentelemetry-proto docs/specification.md, "JSON Protobuf Encoding"). So ids
 * are rewritten hex → base64 in the JSON tree before {@link JsonFormat} reads it, and base64 → hex after
 * it writes. Thread-safe.
 */
public final class OtlpCodec {

    /** Keys of byte fields that OTLP/JSON writes as hex (both spellings JsonFormat accepts). */
    private static final Set<String> ID_FIELDS = Set.of("traceId", "spanId", "parentSpanId",
            "trace_id", "span_id", "parent_span_id");
    private static final List<String> RESOURCE_SPANS = List.of("resourceSpans", "resource_spans");
    private static final List<String> SCOPE_SPANS = List.of("scopeSpans", "scope_spans");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();

    /** Why a record is not a request: a {@link DeadLetter} reason and a detail. */
    public static final class NotOtlpException extends Exception {
        private final String reason;

        NotOtlpException(String reason, String detail) {
            super(detail);
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    private final OtlpEncoding encoding;

    public OtlpCodec(OtlpEncoding encoding) {
        this.encoding = encoding;
    }

    public OtlpEncoding encoding() {
        return encoding;
    }

    public ExportTraceServiceRequest decode(byte[] value) throws NotOtlpException {
        if (value == null) {
            throw new NotOtlpException(DeadLetter.NULL_VALUE, "record value is null");
        }
        return encoding == OtlpEncoding.OTLP_JSON ? decodeJson(value) : decodeProto(value);
    }

    public byte[] encode(ExportTraceServiceRequest request) {
        if (encoding == OtlpEncoding.OTLP_PROTO) {
            return request.toByteArray();
        }
        try {
            JsonNode tree = JSON.readTree(PRINTER.print(request));
            rewriteIds(tree, OtlpCodec::base64ToHex);
            return JSON.writeValueAsBytes(tree);
        } catch (IOException | NotOtlpException e) {
            throw new IllegalStateException("cannot write OTLP/JSON", e);
        }
    }

    private static ExportTraceServiceRequest decodeProto(byte[] value) throws NotOtlpException {
        ExportTraceServiceRequest request;
        try {
            request = ExportTraceServiceRequest.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw new NotOtlpException(DeadLetter.SCHEMA_VIOLATION, hintJson(value)
                    + "not an ExportTraceServiceRequest (otlp.encoding otlp_proto): " + e.getMessage());
        }
        // The wire format is lenient: many byte strings parse as a message of nothing but unknown fields.
        // A request from the Collector has resource_spans; one with none and unknown fields is not a request.
        if (request.getResourceSpansCount() == 0 && !request.getUnknownFields().asMap().isEmpty()) {
            throw new NotOtlpException(DeadLetter.SCHEMA_VIOLATION, hintJson(value)
                    + "not an ExportTraceServiceRequest (otlp.encoding otlp_proto): no resource_spans, only unknown fields "
                    + request.getUnknownFields().asMap().keySet());
        }
        return request;
    }

    private static String hintJson(byte[] value) {
        return value.length > 0 && value[0] == '{' ? "looks like JSON (otlp_json?); " : "";
    }

    private static ExportTraceServiceRequest decodeJson(byte[] value) throws NotOtlpException {
        JsonNode tree;
        try {
            tree = JSON.readTree(value);
        } catch (IOException e) {
            throw new NotOtlpException(DeadLetter.NOT_JSON, "not valid JSON (otlp.encoding otlp_json): " + CallParser.firstLine(e.getMessage()));
        }
        if (tree == null || !tree.isObject()) {
            throw new NotOtlpException(DeadLetter.SCHEMA_VIOLATION, "an OTLP/JSON ExportTraceServiceRequest is a JSON object");
        }
        rewriteIds(tree, OtlpCodec::hexToBase64);
        ExportTraceServiceRequest.Builder builder = ExportTraceServiceRequest.newBuilder();
        try {
            PARSER.merge(JSON.writeValueAsString(tree), builder);
        } catch (InvalidProtocolBufferException | JsonProcessingException e) {
            throw new NotOtlpException(DeadLetter.SCHEMA_VIOLATION,
                    "not an OTLP/JSON ExportTraceServiceRequest: " + CallParser.firstLine(e.getMessage()));
        }
        return builder.build();
    }

    private interface IdRewrite {
        String apply(String field, String value) throws NotOtlpException;
    }

    /** Rewrites the id fields of every span and span link in place. */
    private static void rewriteIds(JsonNode request, IdRewrite rewrite) throws NotOtlpException {
        for (JsonNode rs : children(request, RESOURCE_SPANS)) {
            for (JsonNode ss : children(rs, SCOPE_SPANS)) {
                for (JsonNode span : children(ss, List.of("spans"))) {
                    rewriteFields(span, rewrite);
                    for (JsonNode link : children(span, List.of("links"))) {
                        rewriteFields(link, rewrite);
                    }
                }
            }
        }
    }

    private static Iterable<JsonNode> children(JsonNode node, List<String> names) {
        for (String name : names) {
            JsonNode n = node.get(name);
            if (n != null && n.isArray()) {
                return n;
            }
        }
        return List.of();
    }

    private static void rewriteFields(JsonNode node, IdRewrite rewrite) throws NotOtlpException {
        if (!(node instanceof ObjectNode object)) {
            return;
        }
        for (String field : ID_FIELDS) {
            JsonNode v = object.get(field);
            if (v != null && v.isTextual()) {
                object.set(field, TextNode.valueOf(rewrite.apply(field, v.asText())));
            }
        }
    }

    private static String hexToBase64(String field, String hex) throws NotOtlpException {
        try {
            return Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));
        } catch (IllegalArgumentException e) {
            throw new NotOtlpException(DeadLetter.SCHEMA_VIOLATION, field + " '" + CallParser.abbreviate(hex)
                    + "' is not hex (OTLP/JSON writes trace and span ids as hex strings)");
        }
    }

    private static String base64ToHex(String field, String base64) {
        return HexFormat.of().formatHex(Base64.getDecoder().decode(base64));
    }
}
