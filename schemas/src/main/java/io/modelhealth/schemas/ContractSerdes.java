package io.modelhealth.schemas;

/** One serde per contract record. Serdes are stateless and thread-safe, so these are shared. */
public final class ContractSerdes {

    public static final JsonSerde<LlmCall> LLM_CALL = new JsonSerde<>(LlmCall.class);
    public static final JsonSerde<DeadLetter> DEAD_LETTER = new JsonSerde<>(DeadLetter.class);
    public static final JsonSerde<HealthWindow> HEALTH_WINDOW = new JsonSerde<>(HealthWindow.class);
    public static final JsonSerde<Anomaly> ANOMALY = new JsonSerde<>(Anomaly.class);
    public static final JsonSerde<RouteStatus> ROUTE_STATUS = new JsonSerde<>(RouteStatus.class);
    public static final JsonSerde<Alert> ALERT = new JsonSerde<>(Alert.class);
    public static final JsonSerde<RerouteCommand> REROUTE_COMMAND = new JsonSerde<>(RerouteCommand.class);
    public static final JsonSerde<RouteOverride> OVERRIDE = new JsonSerde<>(RouteOverride.class);

    private ContractSerdes() {
    }
}
