package io.modelhealth.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.ser.std.StdScalarSerializer;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Builds the {@link AppConfig} from four layers, each overriding the one before:
 * <ol>
 *   <li>defaults in code ({@link AppConfig#defaults()}),</li>
 *   <li>the YAML file (optional; {@code --config}, else {@code MODEL_HEALTH_CONFIG}),</li>
 *   <li>{@code MODEL_HEALTH_*} environment variables,</li>
 *   <li>command-line flags (dotted key → value, e.g. {@code http.port → 8081}).</li>
 * </ol>
 * The layers are merged as JSON trees (objects merge key by key, lists and scalars replace), bound
 * once to the immutable records with strict Jackson settings, then {@link AppConfig#validate()}d.
 * Every problem is a {@link ConfigException} whose message starts with the dotted key (or the
 * environment variable / file) and says what is allowed.
 *
 * <p>Environment variables: every leaf key maps to {@code MODEL_HEALTH_} + the key upper-cased with
 * each non-alphanumeric character replaced by {@code _} ({@code detection.policy-block.enter-ratio}
 * → {@code MODEL_HEALTH_DETECTION_POLICY_BLOCK_ENTER_RATIO}); {@code MODEL_HEALTH_KAFKA_<X>} sets the
 * Kafka property {@code <x lower-cased, '_' → '.'>}. Lists are comma-separated. Routes and the class
 * rule table are file-only (they are lists of mappings).
 */
public final class ConfigLoader {

    public static final String ENV_PREFIX = "MODEL_HEALTH_";
    /** Environment variable naming the config file when no {@code --config} is given. */
    public static final String CONFIG_FILE_ENV = "MODEL_HEALTH_CONFIG";
    /** Reserved for tests; never a config key. */
    public static final String TEST_ENV_PREFIX = "MODEL_HEALTH_TEST_";
    private static final String KAFKA_ENV_PREFIX = ENV_PREFIX + "KAFKA_";
    private static final String ROUTES_ENV = ENV_PREFIX + "ROUTES";
    private static final String FAMILIES_ENV = ENV_PREFIX + "FAMILIES";

    /** What a dump prints instead of a secret ({@link Secrets}). */
    public static final String MASK = Secrets.MASK;
    private static final Pattern DECIMAL = Pattern.compile("[-+]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+)?");
    private static final Pattern INTEGER = Pattern.compile("[-+]?\\d+");

    private static final ObjectMapper MAPPER = buildMapper();
    private static final YAMLMapper YAML = buildYaml();

    private ConfigLoader() {
    }

    // ------------------------------------------------------------------------------------------
    // API

    /**
     * Loads, merges, binds and validates the configuration.
     *
     * @param fileOrNull the YAML file, or null: then {@code MODEL_HEALTH_CONFIG} from {@code env}, if set
     * @param env        the environment (usually {@code System.getenv()})
     * @param flags      command-line overrides, dotted key → value
     * @throws ConfigException naming the key (or variable, or file) at the first problem
     */
    public static AppConfig load(Path fileOrNull, Map<String, String> env, Map<String, String> flags) {
        Map<String, String> environment = env == null ? Map.of() : env;
        Map<String, String> overrides = flags == null ? Map.of() : flags;
        ObjectNode tree = MAPPER.valueToTree(AppConfig.defaults());
        Map<String, Leaf> leaves = leaves(tree);
        // Where each env/flag-set key came from, so that a later validation error can say so.
        Map<String, String> sources = new LinkedHashMap<>();

        Path file = fileOrNull;
        String where = file == null ? null : "config file " + file;
        if (file == null) {
            String fromEnv = environment.get(CONFIG_FILE_ENV);
            file = fromEnv == null || fromEnv.isBlank() ? null : Path.of(fromEnv.trim());
            where = "config file " + file + " (" + CONFIG_FILE_ENV + ")";
        }
        if (file != null) {
            ObjectNode fileTree = readFile(file, where);
            normalizeKafka(fileTree);
            checkRoutes(fileTree);
            merge(tree, fileTree, "");
        }
        applyEnv(tree, leaves, environment, sources);
        applyFlags(tree, leaves, overrides, sources);
        checkTree(tree, "");
        deriveScopedReroutes(tree);

        try {
            return bind(tree).validate();
        } catch (ConfigException e) {
            throw withSource(e, sources);
        }
    }

    /**
     * {@code topics.scoped-reroutes} left at its default follows {@code topics.reroutes}: a deployment that
     * renames (or prefixes) its command topic gets {@code <reroutes>.scoped}, not a topic shared with others.
     */
    private static void deriveScopedReroutes(ObjectNode tree) {
        AppConfig.Topics defaults = AppConfig.defaults().topics();
        JsonNode topics = tree.get("topics");
        if (topics instanceof ObjectNode t && t.path("scoped-reroutes").asText().equals(defaults.scopedReroutes())
                && t.path("reroutes").isTextual() && !t.path("reroutes").asText().equals(defaults.reroutes())) {
            t.put("scoped-reroutes", t.path("reroutes").asText() + ".scoped");
        }
    }

    /**
     * A short, stable fingerprint of the detection behaviour: the first 12 hex characters of the
     * SHA-256 of the canonical JSON (sorted keys, human durations) of the config without its
     * {@code kafka}, {@code http} and {@code otlp} sections. Equal configs give equal versions; a moved broker
     * or port does not change it, a changed threshold does. Reroute evidence carries it. Reading calls from
     * OTLP spans as well is input plumbing, not detection: the same calls decide the same way, and carry
     * the same version, whichever way they came in.
     */
    public static String configVersion(AppConfig config) {
        ObjectNode tree = MAPPER.valueToTree(config);
        tree.remove("kafka");
        tree.remove("http");
        tree.remove("otlp");
        try {
            byte[] canonical = MAPPER.writeValueAsBytes(sorted(tree));
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(canonical);
            return HexFormat.of().formatHex(hash).substring(0, 12);
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot fingerprint the config", e);
        }
    }

    /**
     * The effective configuration as YAML, in the shape of the config file (loading it gives the same
     * config back, with {@value #MASK} for each secret). Durations are human ({@code 10s}), Kafka
     * properties sorted; every secret, app key or Kafka property, whole value or URL password, is
     * masked by {@link Secrets}: this dump is printed at start-up and must be safe to paste anywhere.
     */
    public static String toYaml(AppConfig config) {
        ObjectNode tree = MAPPER.valueToTree(config);
        ObjectNode kafka = JsonNodeFactory.instance.objectNode();
        new TreeMap<>(config.kafka()).forEach(kafka::put);
        tree.set("kafka", kafka);
        try {
            return YAML.writeValueAsString(Secrets.maskTree(tree));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the config as YAML", e);
        }
    }

    /**
     * A copy of the mapper the config is bound with: kebab-case keys, human durations, strict about
     * unknown keys and scalar types. Useful to print parts of the config the way the file spells them.
     */
    public static ObjectMapper mapper() {
        return MAPPER.copy();
    }

    /**
     * Every leaf key of the defaults, dotted ({@code http.port}, {@code kafka.bootstrap.servers}). A list
     * of mappings is listed itself and with each field of its elements ({@code classes.rules[].outcome});
     * an empty mapping ({@code routes}) is a leaf. The docs test checks that each is documented.
     */
    static List<String> leafKeys() {
        List<String> keys = new ArrayList<>();
        collectDocKeys(MAPPER.valueToTree(AppConfig.defaults()), "", keys);
        return keys;
    }

    // ------------------------------------------------------------------------------------------
    // Mapper

    private static ObjectMapper buildMapper() {
        SimpleModule durations = new SimpleModule("config-durations");
        durations.addSerializer(Duration.class, new DurationSerializer());
        durations.addDeserializer(Duration.class, new DurationDeserializer());
        JsonMapper mapper = JsonMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
                .addModule(durations)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                // 1.5 is not an int, "8081" is not a number, "yes" is not a boolean: no silent coercion.
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
                .build();
        for (LogicalType t : new LogicalType[] {LogicalType.Integer, LogicalType.Float, LogicalType.Boolean}) {
            mapper.coercionConfigFor(t)
                    .setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail);
        }
        mapper.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Integer).setCoercion(CoercionInputShape.Float, CoercionAction.Fail);
        return mapper;
    }

    private static YAMLMapper buildYaml() {
        YAMLFactory factory = YAMLFactory.builder()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                // "key:" with nothing after it is null (an error unless the key is optional); '' stays "".
                .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL)
                .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                // Status codes are strings ("429"); quote them so they read back as strings.
                .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
                .build();
        return new YAMLMapper(factory);
    }

    /** Durations are written in their shortest exact human form, which {@link Durations#parse} reads back. */
    private static final class DurationSerializer extends StdScalarSerializer<Duration> {
        DurationSerializer() {
            super(Duration.class);
        }

        @Override
        public void serialize(Duration d, JsonGenerator gen, SerializerProvider provider) throws IOException {
            boolean exactMillis = d.getNano() % 1_000_000 == 0;
            gen.writeString(!d.isNegative() && exactMillis ? Durations.format(d) : d.toString());
        }
    }

    /** {@code 10s}, {@code 500ms}, {@code PT10S}; a bare 0 is zero, any other bare number needs a unit. */
    private static final class DurationDeserializer extends StdScalarDeserializer<Duration> {
        DurationDeserializer() {
            super(Duration.class);
        }

        @Override
        public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_STRING) {
                String text = p.getText();
                if (text.trim().equals("0")) {
                    return Duration.ZERO;
                }
                try {
                    return Durations.parse("", text);
                } catch (ConfigException e) {
                    throw new BadValue(p, "'" + text + "' is not a duration (use e.g. 500ms, 10s, 5m, 1h, 7d or ISO-8601 PT10S)");
                }
            }
            if (t == JsonToken.VALUE_NUMBER_INT && p.getLongValue() == 0) {
                return Duration.ZERO;
            }
            if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                throw new BadValue(p, p.getText() + " needs a unit, e.g. " + p.getText() + "s (use 500ms, 10s, 5m, 1h, 7d)");
            }
            throw new BadValue(p, "expected a duration (e.g. 500ms, 10s, 5m, 1h, 7d), got " + t);
        }
    }

    /** A binding problem whose message is already the user-facing one; Jackson prepends the path. */
    private static final class BadValue extends JsonMappingException {
        private final String problem;

        BadValue(JsonParser p, String problem) {
            super(p, problem);
            this.problem = problem;
        }
    }

    // ------------------------------------------------------------------------------------------
    // Layer 2: the file

    private static ObjectNode readFile(Path file, String where) {
        JsonNode node;
        try (InputStream in = Files.newInputStream(file)) {
            node = YAML.readTree(in);
        } catch (NoSuchFileException e) {
            throw new ConfigException(where, "does not exist");
        } catch (AccessDeniedException e) {
            throw new ConfigException(where, "cannot be read (permission denied)");
        } catch (JacksonException e) {
            JsonLocation loc = e.getLocation();
            String at = loc == null || loc.getLineNr() < 0 ? ""
                    : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            throw new ConfigException(where, "is not valid YAML" + at + ": " + yamlProblem(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ConfigException(where, "cannot be read (" + e + ")");
        }
        if (node == null || node.isMissingNode() || node.isNull()) {
            return JsonNodeFactory.instance.objectNode(); // an empty file keeps every default
        }
        if (!node.isObject()) {
            throw new ConfigException(where, "the top level must be a mapping of sections (kafka, http, detection, ...)");
        }
        return (ObjectNode) node;
    }

    /**
     * The kafka section is a free map of client properties with string values: numbers and booleans
     * become strings, nested mappings are flattened to dotted names ({@code security: {protocol: X}}
     * is {@code security.protocol: X}), lists are joined with commas.
     */
    private static void normalizeKafka(ObjectNode fileTree) {
        JsonNode kafka = fileTree.get("kafka");
        if (kafka == null || kafka.isNull()) {
            return; // null is reported by merge as "has no value"
        }
        if (!kafka.isObject()) {
            throw new ConfigException("kafka", "must be a mapping of Kafka client/Streams properties, e.g. bootstrap.servers: host:9092");
        }
        ObjectNode flat = JsonNodeFactory.instance.objectNode();
        flattenKafka(kafka, "", flat);
        fileTree.set("kafka", flat);
    }

    private static void flattenKafka(JsonNode node, String prefix, ObjectNode out) {
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String name = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            JsonNode v = e.getValue();
            if (v.isObject()) {
                flattenKafka(v, name, out);
            } else if (v.isNull()) {
                throw new ConfigException("kafka." + name, "has no value");
            } else if (v.isArray()) {
                List<String> parts = new ArrayList<>();
                v.forEach(x -> parts.add(x.asText()));
                out.put(name, String.join(",", parts));
            } else {
                out.put(name, v.asText());
            }
        }
    }

    private static void checkRoutes(ObjectNode fileTree) {
        JsonNode routes = fileTree.get("routes");
        if (routes == null || !routes.isObject()) {
            return; // a non-mapping is reported by binding, with the expected shape
        }
        for (Map.Entry<String, JsonNode> e : routes.properties()) {
            if (e.getValue().isNull()) {
                throw new ConfigException("routes." + e.getKey(), "is empty; give it a fallback chain, e.g. fallbacks: [openai/gpt-5]");
            }
        }
    }

    /** Objects merge key by key (so kafka and routes merge per entry); lists and scalars replace. */
    private static void merge(ObjectNode base, ObjectNode overlay, String path) {
        for (Map.Entry<String, JsonNode> e : overlay.properties()) {
            String name = e.getKey();
            String key = join(path, name);
            JsonNode value = e.getValue();
            JsonNode current = base.get(name);
            if (value.isNull()) {
                if (current != null && !current.isNull()) {
                    throw new ConfigException(key, "has no value; remove the line to keep the default ("
                            + describeValue(current) + ")");
                }
                base.set(name, NullNode.getInstance());
            } else if (current != null && current.isObject() && value.isObject()) {
                merge((ObjectNode) current, (ObjectNode) value, key);
            } else {
                base.set(name, value);
            }
        }
    }

    /** Lists may not hold empty entries, and numbers must be finite (YAML has .nan and .inf). */
    private static void checkTree(JsonNode node, String path) {
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                checkTree(e.getValue(), join(path, e.getKey()));
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String key = path + "[" + i + "]";
                if (node.get(i).isNull()) {
                    throw new ConfigException(key, "is empty; remove it or give a value");
                }
                checkTree(node.get(i), key);
            }
        } else if (node.isNumber() && node.isFloatingPointNumber() && !Double.isFinite(node.asDouble())) {
            throw new ConfigException(path, "must be a finite number, got " + node.asText());
        }
    }

    // ------------------------------------------------------------------------------------------
    // Layers 3 and 4: environment and flags

    /** A settable leaf of the defaults tree: its path segments and its default (which gives the type). */
    private record Leaf(String key, List<String> path, JsonNode defaultValue) {
        String envName() {
            return envName(key);
        }

        static String envName(String key) {
            return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
        }

        boolean listOfMappings() {
            return defaultValue.isArray() && defaultValue.size() > 0 && defaultValue.get(0).isObject();
        }
    }

    /** Every leaf except the free maps (kafka, routes), which env and flags address by prefix. */
    private static Map<String, Leaf> leaves(ObjectNode defaults) {
        Map<String, Leaf> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : defaults.properties()) {
            if (!e.getKey().equals("kafka") && !e.getKey().equals("routes") && !e.getKey().equals("families")) {
                collectLeaves(e.getValue(), List.of(e.getKey()), out);
            }
        }
        return out;
    }

    private static void collectLeaves(JsonNode node, List<String> path, Map<String, Leaf> out) {
        if (node.isObject() && node.size() > 0) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                List<String> child = new ArrayList<>(path);
                child.add(e.getKey());
                collectLeaves(e.getValue(), child, out);
            }
        } else {
            String key = String.join(".", path);
            out.put(key, new Leaf(key, List.copyOf(path), node));
        }
    }

    private static void applyEnv(ObjectNode tree, Map<String, Leaf> leaves, Map<String, String> env,
                                 Map<String, String> sources) {
        Map<String, Leaf> byEnvName = new LinkedHashMap<>();
        leaves.values().forEach(l -> byEnvName.put(l.envName(), l));
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            String name = e.getKey();
            String value = e.getValue();
            if (!name.startsWith(ENV_PREFIX) || name.equals(CONFIG_FILE_ENV) || name.startsWith(TEST_ENV_PREFIX)) {
                continue;
            }
            String source = "environment variable " + name;
            if (name.startsWith(KAFKA_ENV_PREFIX)) {
                String property = name.substring(KAFKA_ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
                if (property.isEmpty() || property.startsWith(".") || property.endsWith(".")) {
                    throw new ConfigException(name, "does not name a Kafka property; use e.g. MODEL_HEALTH_KAFKA_SECURITY_PROTOCOL");
                }
                ((ObjectNode) tree.get("kafka")).put(property, value);
                sources.put("kafka." + property, source);
            } else if (name.equals(ROUTES_ENV) || name.startsWith(ROUTES_ENV + "_")) {
                throw new ConfigException(name, "routes can only be set in the config file (routes: <provider/model>: fallbacks: [...])");
            } else if (name.equals(FAMILIES_ENV) || name.startsWith(FAMILIES_ENV + "_")) {
                throw new ConfigException(name, "families can only be set in the config file (families: <name>: [<provider/model>, ...])");
            } else {
                Leaf leaf = byEnvName.get(name);
                if (leaf == null) {
                    List<String> candidates = new ArrayList<>(byEnvName.keySet());
                    AppConfig.defaults().kafka().keySet().forEach(k -> candidates.add(Leaf.envName("kafka." + k)));
                    candidates.add(CONFIG_FILE_ENV);
                    String closest = closest(name, candidates);
                    Leaf closestLeaf = byEnvName.get(closest);
                    String key = closestLeaf != null ? closestLeaf.key()
                            : closest.equals(CONFIG_FILE_ENV) ? "the config file path"
                            : "kafka." + closest.substring(KAFKA_ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
                    throw new ConfigException(name, "maps to no config key; did you mean " + closest + " (" + key + ")?");
                }
                set(tree, leaf, value, source);
                sources.put(leaf.key(), source);
            }
        }
    }

    private static void applyFlags(ObjectNode tree, Map<String, Leaf> leaves, Map<String, String> flags,
                                   Map<String, String> sources) {
        for (Map.Entry<String, String> e : flags.entrySet()) {
            if (e.getValue() == null) {
                continue; // an option that was not given
            }
            String key = e.getKey().trim();
            String source = "flag " + key;
            if (key.startsWith("kafka.") && key.length() > "kafka.".length()) {
                ((ObjectNode) tree.get("kafka")).put(key.substring("kafka.".length()), e.getValue());
                sources.put(key, source);
            } else if (key.equals("routes") || key.startsWith("routes.")) {
                throw new ConfigException(key, "routes can only be set in the config file");
            } else if (key.equals("families") || key.startsWith("families.")) {
                throw new ConfigException(key, "families can only be set in the config file");
            } else {
                Leaf leaf = leaves.get(key);
                if (leaf == null) {
                    List<String> candidates = new ArrayList<>(leaves.keySet());
                    AppConfig.defaults().kafka().keySet().forEach(k -> candidates.add("kafka." + k));
                    throw new ConfigException(key, "is not a config key; did you mean " + closest(key, candidates) + "?");
                }
                set(tree, leaf, e.getValue(), source);
                sources.put(leaf.key(), source);
            }
        }
    }

    /** Sets a leaf from a string, typed like its default: env and flags are text, the records are not. */
    private static void set(ObjectNode tree, Leaf leaf, String text, String source) {
        if (leaf.listOfMappings()) {
            throw new ConfigException(leaf.key(), "is a list of mappings and can only be set in the config file (" + source + ")");
        }
        ObjectNode parent = tree;
        for (String segment : leaf.path().subList(0, leaf.path().size() - 1)) {
            parent = (ObjectNode) parent.get(segment);
        }
        parent.set(leaf.path().get(leaf.path().size() - 1), typed(leaf.key(), leaf.defaultValue(), text, source));
    }

    private static JsonNode typed(String key, JsonNode like, String text, String source) {
        String t = text == null ? "" : text.trim();
        if (like.isArray()) {
            ArrayNode list = JsonNodeFactory.instance.arrayNode();
            if (t.isEmpty()) {
                return list;
            }
            JsonNode elementLike = like.size() > 0 ? like.get(0) : TextNode.valueOf("");
            String[] parts = t.split(",", -1);
            for (int i = 0; i < parts.length; i++) {
                list.add(typed(key + "[" + i + "]", elementLike, parts[i], source));
            }
            return list;
        }
        if (like.isBoolean()) {
            if (t.equalsIgnoreCase("true") || t.equalsIgnoreCase("false")) {
                return BooleanNode.valueOf(Boolean.parseBoolean(t.toLowerCase(Locale.ROOT)));
            }
            throw new ConfigException(key, "'" + text + "' is not true or false (" + source + ")");
        }
        if (like.isIntegralNumber()) {
            try {
                if (INTEGER.matcher(t).matches()) {
                    return IntNode.valueOf(Integer.parseInt(t.startsWith("+") ? t.substring(1) : t));
                }
            } catch (NumberFormatException tooLarge) {
                // falls through to the error
            }
            throw new ConfigException(key, "'" + text + "' is not an integer (" + source + ")");
        }
        if (like.isNumber()) {
            if (DECIMAL.matcher(t).matches()) {
                double d = Double.parseDouble(t);
                if (Double.isFinite(d)) {
                    return DoubleNode.valueOf(d);
                }
            }
            throw new ConfigException(key, "'" + text + "' is not a number (" + source + ")");
        }
        if (like.isNull() && t.isEmpty()) {
            return NullNode.getInstance(); // an optional setting, unset
        }
        return TextNode.valueOf(t); // strings and durations (parsed, with the key, when bound)
    }

    private static ConfigException withSource(ConfigException e, Map<String, String> sources) {
        String source = sources.get(e.key());
        if (source == null) {
            for (Map.Entry<String, String> s : sources.entrySet()) {
                if (e.key().startsWith(s.getKey() + "[")) {
                    source = s.getValue();
                }
            }
        }
        if (source == null) {
            return e;
        }
        String problem = e.getMessage().substring(e.key().length() + 2);
        ConfigException annotated = new ConfigException(e.key(), problem + " (set by " + source + ")");
        annotated.setStackTrace(e.getStackTrace());
        return annotated;
    }

    // ------------------------------------------------------------------------------------------
    // Binding and its errors

    private static AppConfig bind(ObjectNode tree) {
        try {
            return MAPPER.treeToValue(tree, AppConfig.class);
        } catch (JsonMappingException e) {
            throw translate(e, tree);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new ConfigException("config", firstLine(e.getMessage()));
        }
    }

    private static ConfigException translate(JsonMappingException e, JsonNode tree) {
        List<Object> path = new ArrayList<>();
        for (JsonMappingException.Reference r : e.getPath()) {
            path.add(r.getFieldName() != null ? r.getFieldName() : (Object) r.getIndex());
        }
        String key = dotted(path);
        if (e instanceof UnrecognizedPropertyException u) {
            List<Object> parentPath = path.subList(0, Math.max(0, path.size() - 1));
            List<String> allowed = new ArrayList<>();
            Type parent = typeAt(parentPath);
            if (parent instanceof Class<?> c && c.isRecord()) {
                for (RecordComponent rc : c.getRecordComponents()) {
                    allowed.add(kebab(rc.getName()));
                }
            } else {
                u.getKnownPropertyIds().forEach(id -> allowed.add(String.valueOf(id)));
            }
            String where = parentPath.isEmpty() ? "at the top level" : "under " + dotted(parentPath);
            return new ConfigException(key, "unknown key; allowed " + where + ": " + String.join(", ", allowed)
                    + " (did you mean " + closest(u.getPropertyName(), allowed) + "?)");
        }
        Throwable cause = e;
        while (cause != null) {
            if (cause instanceof BadValue bad) {
                return new ConfigException(key, bad.problem);
            }
            if (cause instanceof ConfigException ce) {
                return new ConfigException(key, ce.getMessage().substring(ce.key().length() + 2));
            }
            cause = cause.getCause() == cause ? null : cause.getCause();
        }
        Type expected = typeAt(path);
        JsonNode actual = nodeAt(tree, path);
        if (expected != null && actual != null) {
            return new ConfigException(key, "expected " + describeType(expected) + ", got " + describeValue(actual));
        }
        return new ConfigException(key.isEmpty() ? "config" : key, firstLine(e.getOriginalMessage()));
    }

    /** The declared type at a path of the record tree (component names in kebab case, list indexes, map keys). */
    private static Type typeAt(List<Object> path) {
        Type type = AppConfig.class;
        for (Object segment : path) {
            if (type instanceof Class<?> c && c.isRecord() && segment instanceof String name) {
                Type next = null;
                for (RecordComponent rc : c.getRecordComponents()) {
                    if (kebab(rc.getName()).equals(name)) {
                        next = rc.getGenericType();
                    }
                }
                type = next;
            } else if (type instanceof ParameterizedType p && p.getRawType() == List.class) {
                type = p.getActualTypeArguments()[0];
            } else if (type instanceof ParameterizedType p && p.getRawType() == Map.class) {
                type = p.getActualTypeArguments()[1];
            } else {
                return null;
            }
            if (type == null) {
                return null;
            }
        }
        return type;
    }

    private static JsonNode nodeAt(JsonNode tree, List<Object> path) {
        JsonNode node = tree;
        for (Object segment : path) {
            node = segment instanceof Integer i ? node.get(i) : node.get((String) segment);
            if (node == null) {
                return null;
            }
        }
        return node;
    }

    private static String describeType(Type type) {
        if (type instanceof ParameterizedType p) {
            return p.getRawType() == List.class ? "a list" : "a mapping";
        }
        Class<?> c = (Class<?>) type;
        if (c == int.class || c == Integer.class || c == long.class || c == Long.class) {
            return "an integer";
        }
        if (c == double.class || c == Double.class) {
            return "a number";
        }
        if (c == boolean.class || c == Boolean.class) {
            return "true or false";
        }
        if (c == Duration.class) {
            return "a duration (e.g. 500ms, 10s, 5m, 1h, 7d)";
        }
        if (c == String.class) {
            return "a string";
        }
        if (c.isEnum()) {
            List<String> names = new ArrayList<>();
            for (Object constant : c.getEnumConstants()) {
                names.add(MAPPER.valueToTree(constant).asText());
            }
            return "one of " + String.join(", ", names);
        }
        if (c.isRecord()) {
            List<String> keys = new ArrayList<>();
            for (RecordComponent rc : c.getRecordComponents()) {
                keys.add(kebab(rc.getName()));
            }
            return "a mapping with keys " + String.join(", ", keys);
        }
        return c.getSimpleName();
    }

    private static String describeValue(JsonNode node) {
        if (node.isTextual()) {
            return "'" + node.asText() + "'";
        }
        if (node.isObject()) {
            return "a mapping";
        }
        if (node.isArray()) {
            return "a list " + node;
        }
        return node.asText();
    }

    // ------------------------------------------------------------------------------------------
    // Helpers

    private static void collectDocKeys(JsonNode node, String path, List<String> out) {
        if (node.isObject() && node.size() > 0) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                collectDocKeys(e.getValue(), join(path, e.getKey()), out);
            }
        } else if (node.isArray() && node.size() > 0 && node.get(0).isObject()) {
            out.add(path);
            for (Iterator<String> names = node.get(0).fieldNames(); names.hasNext(); ) {
                out.add(path + "[]." + names.next());
            }
        } else {
            out.add(path);
        }
    }

    /** A copy with the keys of every mapping sorted, for a canonical serialization. */
    private static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            new TreeMap<>(node.properties().stream()
                    .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)))
                    .forEach((k, v) -> out.set(k, sorted(v)));
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            node.forEach(v -> out.add(sorted(v)));
            return out;
        }
        return node;
    }

    private static String dotted(List<Object> path) {
        StringBuilder sb = new StringBuilder();
        for (Object segment : path) {
            if (segment instanceof Integer i) {
                sb.append('[').append(i).append(']');
            } else {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(segment);
            }
        }
        return sb.toString();
    }

    private static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    private static String kebab(String componentName) {
        return new PropertyNamingStrategies.KebabCaseStrategy().translate(componentName);
    }

    /**
     * SnakeYAML's message without its source excerpts: "while parsing a block mapping; expected
     * &lt;block end&gt;, but found '&lt;block mapping start&gt;'" (the location is reported separately).
     */
    private static String yamlProblem(String message) {
        if (message == null) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        for (String line : message.split("\\R")) {
            if (!line.isBlank() && !Character.isWhitespace(line.charAt(0))) {
                parts.add(line.trim());
            }
        }
        return String.join("; ", parts);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return (nl < 0 ? message : message.substring(0, nl)).trim();
    }

    /** The candidate nearest to {@code word} by edit distance (case-insensitive). */
    static String closest(String word, List<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = editDistance(word.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return best;
    }

    private static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
