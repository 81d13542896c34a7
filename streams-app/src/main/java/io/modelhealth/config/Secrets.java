package io.modelhealth.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.streams.StreamsConfig;

/**
 * What in the configuration is a secret, and its masked form for every place the configuration is
 * printed or served (the {@code run} dump, error messages that quote a value). docs/security.md
 * "Secrets" lists the rules; a masked dump still loads, with {@value #MASK} in place of each secret.
 *
 * <p>Two rules, because a secret hides either behind its key or inside a value:
 * <ul>
 *   <li><b>By key.</b> A key whose name says secret ({@code password}, {@code passphrase},
 *       {@code secret}, {@code token}, {@code jaas}, {@code user.info}, a private key, or a last segment
 *       {@code key}/{@code api-key}: {@code http.auth-token}, {@code ssl.key.password},
 *       {@code sasl.jaas.config}, {@code ssl.keystore.key}), and every property Kafka itself types as a
 *       password ({@code ConfigDef.Type.PASSWORD}, also under a prefix such as {@code producer.} or
 *       {@code listener.name.x.}): its whole value is {@value #MASK}.</li>
 *   <li><b>By value</b>, under any key: the password of a URL's userinfo
 *       ({@code https://user:pw@am:9093} → {@code https://user:******@am:9093}), the value of a URL
 *       query parameter named like a secret ({@code ?token=…}, {@code &api_key=…}), and a
 *       {@code password=…}/{@code secret=…}/{@code token=…} assignment as JAAS text writes it.</li>
 * </ul>
 * Kafka properties such as {@code key.serializer} or {@code default.key.serde} are not masked: a key in
 * the middle of a name is a record key, not a credential.
 */
public final class Secrets {

    /** What a secret is printed as. */
    public static final String MASK = "******";

    private static final Pattern SECRET_NAME = Pattern.compile(
            "(?i).*(password|passwd|passphrase|secret|token|jaas|user[._-]?info|private[._-]?key).*|(.*[._-])?(api[._-]?)?key");
    private static final Pattern URL_PASSWORD = Pattern.compile(
            "(?<prefix>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/?#@\\s]*:)(?<password>[^@/?#\\s]+)(?=@)");
    private static final Pattern SECRET_QUERY_PARAMETER = Pattern.compile(
            "(?i)(?<prefix>[?&][^=&#\\s]*(password|secret|token|key|signature|sig)[^=&#\\s]*=)(?<value>[^&#\\s]+)");
    private static final Pattern SECRET_ASSIGNMENT = Pattern.compile(
            "(?i)(?<prefix>\\b(password|secret|token)\\s*=\\s*)(?<value>\"[^\"]*\"|'[^']*'|[^\\s;\"'&#,]+)");

    /** Every Kafka client and Streams property of type PASSWORD, e.g. ssl.truststore.password, sasl.jaas.config. */
    private static final Set<String> KAFKA_PASSWORDS = kafkaPasswords();

    private Secrets() {
    }

    /**
     * Whether the value of this key is a secret as a whole. {@code key} is the dotted config key
     * ({@code http.auth-token}) or a Kafka property name ({@code sasl.jaas.config}).
     */
    public static boolean isSecretKey(String key) {
        if (SECRET_NAME.matcher(key).matches()) {
            return true;
        }
        for (String password : KAFKA_PASSWORDS) {
            if (key.equals(password) || key.endsWith("." + password)) {
                return true;
            }
        }
        return false;
    }

    /** {@code value} with the secrets it carries masked, whatever its key: URL passwords, secret query parameters, JAAS assignments. */
    public static String maskValue(String value) {
        if (value == null) {
            return null;
        }
        String masked = replace(URL_PASSWORD, value);
        masked = replace(SECRET_QUERY_PARAMETER, masked);
        return replace(SECRET_ASSIGNMENT, masked);
    }

    /** The printable form of {@code value} under {@code key}: {@value #MASK} for a secret key (when set), else {@link #maskValue}. */
    public static String mask(String key, String value) {
        if (value == null) {
            return null;
        }
        return isSecretKey(key) ? MASK : maskValue(value);
    }

    /**
     * Masks, in place, every string of a config tree ({@code kafka.*} keys by their property name, the
     * rest by their dotted key), and returns it.
     */
    static ObjectNode maskTree(ObjectNode tree) {
        maskObject(tree, "");
        return tree;
    }

    private static void maskObject(ObjectNode node, String path) {
        for (String name : node.properties().stream().map(Map.Entry::getKey).toList()) {
            // Kafka properties are judged by their own name; app keys by their dotted path (http.auth-token).
            String key = path.equals("kafka") || path.isEmpty() ? name : path + "." + name;
            JsonNode value = node.get(name);
            if (value.isTextual()) {
                node.put(name, mask(key, value.asText()));
            } else if (value.isObject()) {
                maskObject((ObjectNode) value, key);
            } else if (value.isArray()) {
                maskArray((ArrayNode) value, key);
            }
        }
    }

    private static void maskArray(ArrayNode array, String key) {
        for (int i = 0; i < array.size(); i++) {
            JsonNode element = array.get(i);
            if (element.isTextual()) {
                array.set(i, TextNode.valueOf(mask(key, element.asText())));
            } else if (element.isObject()) {
                maskObject((ObjectNode) element, key);
            } else if (element.isArray()) {
                maskArray((ArrayNode) element, key);
            }
        }
    }

    private static String replace(Pattern pattern, String text) {
        Matcher m = pattern.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(m.group("prefix") + MASK));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static Set<String> kafkaPasswords() {
        Set<String> names = new HashSet<>();
        for (ConfigDef def : new ConfigDef[] {ProducerConfig.configDef(), ConsumerConfig.configDef(),
                AdminClientConfig.configDef(), StreamsConfig.configDef()}) {
            def.configKeys().forEach((name, key) -> {
                if (key.type == ConfigDef.Type.PASSWORD) {
                    names.add(name);
                }
            });
        }
        return Set.copyOf(names);
    }
}
