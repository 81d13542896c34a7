package io.modelhealth.scopes;

import static org.assertj.core.api.Assertions.assertThat;

import io.modelhealth.config.AppConfig;
import io.modelhealth.schemas.Alert;
import io.modelhealth.schemas.Caller;
import io.modelhealth.schemas.HealthState;
import io.modelhealth.schemas.RerouteAction;
import io.modelhealth.schemas.RerouteCommand;
import io.modelhealth.schemas.RouteStatus;
import io.modelhealth.schemas.ScopeStatus;
import io.modelhealth.scopes.ScopedTraffic.Lane;
import io.modelhealth.testing.TestConfigs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Scoped health through the real topology (TopologyTestDriver, unkeyed calls): a region or a tenant
 * refused on its own is rerouted on its own; a route refused everywhere is rerouted as a whole; model
 * families decide where a policy block and an outage may go.
 */
class ScopedHealthTest {

    static final String FABLE = "anthropic/claude-fable-5";
    static final String GPT = "openai/gpt-5";
    static final String BEDROCK = "aws.bedrock/anthropic.claude-fable-5";
    static final long WARM = 120_000;
    static final long BAN = WARM;
    static final long END = WARM + 90_000;
    static final List<String> TENANTS = List.of("search", "chat", "support");
    static final Object[] EXPORT_CONTROLLED = {451, "export_controlled"};

    static AppConfig config(List<String> dimensions, Map<String, List<String>> families, Map<String, List<String>> chains) {
        return TestConfigs.withScopes(TestConfigs.withFallbacks(chains), new AppConfig.Scopes(dimensions, 16, 0.5), families);
    }

    static AppConfig regions() {
        return config(List.of("region"), Map.of(), Map.of(FABLE, List.of(GPT)));
    }

    /** The route's calls: each region gets its share, split evenly over the tenants. */
    static List<Lane> lanes(String route, double perSecond, Map<String, Double> regionShares) {
        List<Lane> lanes = new ArrayList<>();
        regionShares.forEach((region, share) -> {
            for (String tenant : TENANTS) {
                lanes.add(new Lane(route, region, tenant, perSecond * share / TENANTS.size()));
            }
        });
        return lanes;
    }

    static List<Lane> withFallback(List<Lane> lanes) {
        List<Lane> all = new ArrayList<>(lanes);
        all.add(new Lane(GPT, "us-east-1", "search", 20));
        all.add(new Lane(GPT, "eu-west-1", "chat", 20));
        return all;
    }

    /** Healthy for the warm-up, then {@code refusedRegion} refused on every call. */
    static ScopedTraffic regionBan(AppConfig config, Map<String, Double> shares, String refusedRegion) {
        ScopedTraffic t = new ScopedTraffic(config);
        List<Lane> lanes = withFallback(lanes(FABLE, 40, shares));
        t.run(0, WARM, lanes, (r, region, tenant, at) -> ScopedTraffic.OK);
        t.run(BAN, END, lanes, (r, region, tenant, at) ->
                r.equals(FABLE) && (refusedRegion == null || refusedRegion.equals(region)) ? EXPORT_CONTROLLED : ScopedTraffic.OK);
        return t;
    }

    @Test
    void aRegionWithHalfTheCallsRefusedIsReroutedAloneWithOnePage() {
        try (ScopedTraffic t = regionBan(regions(), Map.of("eu-west-1", 0.5, "us-east-1", 0.5), "eu-west-1")) {
            assertOnlyTheRegionMoved(t, "eu-west-1");
        }
    }

    @Test
    void aRegionWithAFifthOfTheCallsRefusedIsReroutedAloneWithOnePage() {
        Map<String, Double> shares = Map.of("eu-west-1", 0.2, "us-east-1", 0.2, "us-west-2", 0.2, "ap-south-1", 0.2,
                "sa-east-1", 0.2);
        try (ScopedTraffic t = regionBan(regions(), shares, "eu-west-1")) {
            assertOnlyTheRegionMoved(t, "eu-west-1");
        }
    }

    private static void assertOnlyTheRegionMoved(ScopedTraffic t, String region) {
        assertThat(t.routeWide(FABLE)).as("route-wide commands").isEmpty();
        List<RerouteCommand> scoped = t.scoped(FABLE, "region", region);
        assertThat(scoped).isNotEmpty();
        assertThat(scoped.get(0).action()).isEqualTo(RerouteAction.REROUTE);
        assertThat(scoped.get(0).target()).isEqualTo(GPT);
        assertThat(scoped.get(0).state()).isEqualTo(HealthState.BLOCKED);
        assertThat(scoped.get(0).commandId()).isEqualTo(FABLE + "|region=" + region + "#" + scoped.get(0).epoch());
        assertThat(scoped.get(0).issuedAt().toEpochMilli() - ScopedTraffic.T0.toEpochMilli() - BAN)
                .as("ms from the ban to the scoped reroute").isLessThan(2_000);
        assertThat(t.inForce()).containsOnlyKeys(FABLE + "|region=" + region);

        RouteStatus route = t.states.get(FABLE);
        assertThat(route.state()).as("the route as a whole").isEqualTo(HealthState.HEALTHY);
        assertThat(route.rerouteTarget()).isNull();
        assertThat(route.scopes()).extracting(ScopeStatus::scope).containsExactly(Map.of("region", region));
        ScopeStatus s = route.scopes().get(0);
        assertThat(s.state()).isEqualTo(HealthState.BLOCKED);
        assertThat(s.rerouteTarget()).isEqualTo(GPT);

        List<Alert> pages = t.pagesFired();
        assertThat(pages).as("pages").hasSize(1);
        assertThat(pages.get(0).labels()).containsEntry("route", FABLE).containsEntry("scope", "region=" + region);
        assertThat(pages.get(0).annotations().get("summary")).contains(FABLE + " in region=" + region + " BLOCKED");
    }

    @Test
    void everyRegionRefusedReroutesTheRouteAsAWhole() {
        try (ScopedTraffic t = regionBan(regions(), Map.of("eu-west-1", 0.5, "us-east-1", 0.3, "ap-south-1", 0.2), null)) {
            assertThat(t.routeWide(FABLE)).isNotEmpty();
            assertThat(t.routeWide(FABLE).get(0).target()).isEqualTo(GPT);
            assertThat(t.states.get(FABLE).state()).isEqualTo(HealthState.BLOCKED);
            assertThat(t.inForce()).as("what routing clients apply").containsEntry(FABLE, GPT)
                    .allSatisfy((key, target) -> assertThat(target).isEqualTo(GPT));
            assertThat(t.pagesFired()).as("pages").hasSize(1);
            assertThat(t.pagesFired().get(0).labels()).doesNotContainKey("scope");
        }
    }

    @Test
    void oneTenantsRevokedKeyMovesThatTenantOnlyNeverTheRoute() {
        AppConfig config = config(List.of("region", "tenant"), Map.of(), Map.of(FABLE, List.of(GPT)));
        try (ScopedTraffic t = new ScopedTraffic(config)) {
            List<Lane> lanes = withFallback(lanes(FABLE, 40, Map.of("eu-west-1", 0.5, "us-east-1", 0.5)));
            t.run(0, WARM, lanes, (r, region, tenant, at) -> ScopedTraffic.OK);
            t.run(BAN, END, lanes, (r, region, tenant, at) ->
                    r.equals(FABLE) && tenant.equals("search") ? new Object[]{403, "permission_error"} : ScopedTraffic.OK);
            assertThat(t.routeWide(FABLE)).isEmpty();
            assertThat(t.scoped(FABLE, "region", "eu-west-1")).isEmpty();
            assertThat(t.scoped(FABLE, "region", "us-east-1")).isEmpty();
            assertThat(t.inForce()).containsOnlyKeys(FABLE + "|tenant=search");
            assertThat(t.states.get(FABLE).state()).isEqualTo(HealthState.HEALTHY);
            assertThat(t.pagesFired()).hasSize(1);
        }
    }

    @Test
    void withRegionScopesOnlyARevokedTenantNeverReroutesTheRoute() {
        try (ScopedTraffic t = new ScopedTraffic(regions())) {
            List<Lane> lanes = withFallback(lanes(FABLE, 40, Map.of("eu-west-1", 0.5, "us-east-1", 0.5)));
            t.run(0, WARM, lanes, (r, region, tenant, at) -> ScopedTraffic.OK);
            t.run(BAN, END, lanes, (r, region, tenant, at) ->
                    r.equals(FABLE) && tenant.equals("search") ? new Object[]{403, "permission_error"} : ScopedTraffic.OK);
            assertThat(t.commands).as("one tenant's key is not the model's health").isEmpty();
        }
    }

    @Test
    void theBlastRadiusNamesWhoStillCallsTheRefusedRegion() {
        try (ScopedTraffic t = regionBan(regions(), Map.of("eu-west-1", 0.5, "us-east-1", 0.5), "eu-west-1")) {
            ScopeStatus s = t.states.get(FABLE).scopes().get(0);
            assertThat(s.blastRadius()).extracting(Caller::tenant).containsExactlyInAnyOrderElementsOf(TENANTS);
            assertThat(s.blastRadius()).allSatisfy(c -> {
                assertThat(c.region()).isEqualTo("eu-west-1");
                assertThat(c.calls()).isPositive();
            });
            Alert page = t.pagesFired().get(0);
            String description = t.alerts.stream().filter(a -> a.fingerprint().equals(page.fingerprint()))
                    .reduce((a, b) -> b).orElseThrow().annotations().get("description");
            assertThat(description).contains("tenants still call " + FABLE + " in region=eu-west-1");
        }
    }

    static AppConfig family(List<String> chain) {
        return config(List.of("region"), Map.of("claude-fable-5", List.of(FABLE, BEDROCK)), Map.of(FABLE, chain));
    }

    @Test
    void aPolicyBlockNeverGoesToAColdStandbyOfTheSameFamily() {
        try (ScopedTraffic t = regionBan(family(List.of(BEDROCK, GPT)), Map.of("eu-west-1", 0.5, "us-east-1", 0.5), null)) {
            assertThat(t.routeWide(FABLE)).isNotEmpty();
            assertThat(t.commands).extracting(RerouteCommand::target).doesNotContain(BEDROCK);
            assertThat(t.routeWide(FABLE).get(0).target()).isEqualTo(GPT);
            assertThat(t.states.get(FABLE).family()).isEqualTo("claude-fable-5");
            assertThat(t.pagesFired().get(0).labels()).containsEntry("family", "claude-fable-5");
        }
    }

    @Test
    void anOutageGoesToTheSameFamilyOnAnotherProviderFirst() {
        try (ScopedTraffic t = new ScopedTraffic(family(List.of(GPT, BEDROCK)))) {
            List<Lane> lanes = withFallback(lanes(FABLE, 40, Map.of("eu-west-1", 0.5, "us-east-1", 0.5)));
            t.run(0, WARM, lanes, (r, region, tenant, at) -> ScopedTraffic.OK);
            t.run(BAN, END, lanes, (r, region, tenant, at) -> r.equals(FABLE) ? new Object[]{529, "overloaded_error"} : ScopedTraffic.OK);
            assertThat(t.routeWide(FABLE)).isNotEmpty();
            assertThat(t.routeWide(FABLE).get(0).target()).as("the same model elsewhere, though listed second").isEqualTo(BEDROCK);
        }
    }
}
