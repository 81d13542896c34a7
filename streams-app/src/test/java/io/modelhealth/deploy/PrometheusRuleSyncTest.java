package io.modelhealth.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * One set of alert rules about the monitor, two packagings: the Prometheus rules file that docker
 * compose mounts and the Kubernetes PrometheusRule. Their groups must be equal, rule for rule.
 */
class PrometheusRuleSyncTest {

    @Test
    void thePrometheusRuleCarriesTheRulesFilesGroups() {
        Path rulesFile = DeployFiles.deploy("prometheus/rules/model-health.rules.yml");
        Assumptions.assumeTrue(Files.exists(rulesFile), () -> rulesFile + " is not in the repository yet");
        JsonNode fileGroups = DeployFiles.readYaml(rulesFile).path("groups");
        JsonNode ruleGroups = DeployFiles.readYaml(DeployFiles.deploy("k8s/base/prometheusrule.yaml")).at("/spec/groups");

        assertThat(fileGroups.size()).isPositive();
        assertThat(ruleGroups).as("spec.groups of deploy/k8s/base/prometheusrule.yaml; copy the groups of " + rulesFile)
                .isEqualTo(fileGroups);
    }
}
