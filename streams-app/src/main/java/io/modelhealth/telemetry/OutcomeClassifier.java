package io.modelhealth.telemetry;

import io.modelhealth.config.AppConfig;
import io.modelhealth.config.StatusRange;
import io.modelhealth.schemas.LlmCall;
import io.modelhealth.schemas.OutcomeClass;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Status code + error type → {@link OutcomeClass}, by the configured rule table: the first rule
 * whose conditions all hold wins. A call that carries an {@code error_type} is never
 * {@code success}: if only a success rule matches it, it gets {@code classes.unknown-error}. A
 * qualified exception class name matches by its last segment ({@link #simpleName}).
 * A call with neither status nor error type is a success. Pure and thread-safe.
 */
public final class OutcomeClassifier {

    private record Rule(OutcomeClass outcome, Set<String> errorTypes, List<StatusRange> status) {
        boolean matches(String errorType, Integer statusCode) {
            if (!errorTypes.isEmpty() && (errorType == null || !errorTypes.contains(errorType))) {
                return false;
            }
            if (!status.isEmpty()) {
                if (statusCode == null) {
                    return false;
                }
                for (StatusRange r : status) {
                    if (r.contains(statusCode)) {
                        return true;
                    }
                }
                return false;
            }
            return true;
        }
    }

    private final List<Rule> rules;
    private final OutcomeClass unknownError;
    /** Every error type some rule names (lower case). */
    private final Set<String> knownTypes;
    /** Statuses {@code llm.call.v1} allows (0-599); the class of a call without an error type, by status + 1 (0: none). */
    private static final int MAX_STATUS = 599;
    private final OutcomeClass[] byStatus;
    /** Error types as the rules see them (lower case, simple name), for the types calls carry; bounded. */
    private final java.util.concurrent.ConcurrentHashMap<String, String> normalized = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_NORMALIZED = 1_024;

    public OutcomeClassifier(AppConfig.Classes classes) {
        List<Rule> compiled = new ArrayList<>();
        for (int i = 0; i < classes.rules().size(); i++) {
            AppConfig.ClassRule r = classes.rules().get(i);
            Set<String> types = new HashSet<>();
            for (String e : r.errorTypes()) {
                types.add(e.toLowerCase(Locale.ROOT));
            }
            List<StatusRange> ranges = new ArrayList<>();
            for (String s : r.status()) {
                ranges.add(StatusRange.parse("classes.rules[" + i + "].status", s));
            }
            compiled.add(new Rule(r.outcome(), Set.copyOf(types), List.copyOf(ranges)));
        }
        this.rules = List.copyOf(compiled);
        this.unknownError = classes.unknownError();
        Set<String> known = new HashSet<>();
        for (Rule r : rules) {
            known.addAll(r.errorTypes());
        }
        this.knownTypes = Set.copyOf(known);
        // Most calls carry no error type: their class is a function of the status alone, looked up, not matched.
        this.byStatus = new OutcomeClass[MAX_STATUS + 2];
        for (int status = -1; status <= MAX_STATUS; status++) {
            byStatus[status + 1] = match(status < 0 ? null : status, null);
        }
    }


    public OutcomeClass classify(LlmCall call) {
        return classify(call.statusCode(), call.errorType());
    }

    public OutcomeClass classify(Integer statusCode, String errorType) {
        if (errorType == null && (statusCode == null || (statusCode >= 0 && statusCode <= MAX_STATUS))) {
            return byStatus[statusCode == null ? 0 : statusCode + 1];
        }
        String type = null;
        if (errorType != null && !errorType.isBlank()) {
            type = normalized.get(errorType);
            if (type == null) {
                type = simpleName(errorType.toLowerCase(Locale.ROOT));
                if (normalized.size() < MAX_NORMALIZED) {
                    normalized.put(errorType, type);
                }
            }
        }
        return match(statusCode, type);
    }

    /** The rule table's answer for a status and an error type as the rules see it (null: none). */
    private OutcomeClass match(Integer statusCode, String type) {
        for (Rule rule : rules) {
            if (rule.matches(type, statusCode)) {
                if (rule.outcome() == OutcomeClass.SUCCESS && type != null) {
                    return unknownError;
                }
                return rule.outcome();
            }
        }
        return type == null ? OutcomeClass.SUCCESS : unknownError;
    }

    /**
     * Instrumentations put exception classes in {@code error.type}, some qualified
     * ({@code openai.RateLimitError}, {@code com.openai.errors.RateLimitException}): a type no rule names
     * is matched by its last dotted segment when a rule names that.
     */
    private String simpleName(String type) {
        if (knownTypes.contains(type)) {
            return type;
        }
        int dot = type.lastIndexOf('.');
        if (dot < 0 || dot == type.length() - 1) {
            return type;
        }
        String last = type.substring(dot + 1);
        return knownTypes.contains(last) ? last : type;
    }
}
