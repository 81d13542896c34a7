package io.modelhealth.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelhealth.health.RouteState;
import org.junit.jupiter.api.Test;

/** The live states of an instance's route tasks: one budget for them all, split as tasks come and go. */
class LiveStatesTest {

    private static RouteState state(String route) {
        return new RouteState(route, "acme", route, 4);
    }

    private static void fill(LiveStates live, String prefix, int n) {
        for (int i = 0; i < n; i++) {
            live.put(prefix + i, state(prefix + i));
        }
    }

    @Test
    void aTaskAloneKeepsTheWholeBudgetLeastRecentlyUsedOutFirst() {
        LiveStates live = new LiveStates(new LiveStates.Budget(8, 1));
        live.open();
        fill(live, "r", 8);
        live.get("r0");
        live.put("r8", state("r8"));
        assertThat(live.size()).isEqualTo(8);
        assertThat(live.get("r0")).as("used last, kept").isNotNull();
        assertThat(live.get("r1")).as("least recently used, dropped").isNull();
    }

    @Test
    void aTaskThatJoinsShrinksTheOthersAtTheirNextTrimAndALeavingOneGivesItBack() {
        LiveStates.Budget budget = new LiveStates.Budget(8, 1);
        LiveStates a = new LiveStates(budget);
        LiveStates b = new LiveStates(budget);
        a.open();
        fill(a, "a", 8);
        b.open();
        assertThat(budget.perTask()).isEqualTo(4);
        a.get("a1");
        a.trim();
        assertThat(a.size()).isEqualTo(4);
        assertThat(a.get("a1")).as("recently used, kept").isNotNull();
        assertThat(a.get("a7")).isNotNull();
        assertThat(a.get("a0")).isNull();
        fill(b, "b", 6);
        assertThat(b.size()).isEqualTo(4);

        b.close();
        assertThat(b.size()).isZero();
        assertThat(budget.perTask()).isEqualTo(8);
        fill(a, "c", 4);
        assertThat(a.size()).isEqualTo(8);
    }

    @Test
    void everyTaskKeepsItsMinimumHoweverManyJoin() {
        LiveStates.Budget budget = new LiveStates.Budget(8, 3);
        LiveStates[] tasks = new LiveStates[5];
        for (int i = 0; i < tasks.length; i++) {
            tasks[i] = new LiveStates(budget);
            tasks[i].open();
        }
        assertThat(budget.perTask()).isEqualTo(3);
        fill(tasks[0], "r", 10);
        assertThat(tasks[0].size()).isEqualTo(3);
    }

    @Test
    void openingTwiceCountsTheTaskOnceAndEmptiesIt() {
        LiveStates.Budget budget = new LiveStates.Budget(8, 1);
        LiveStates a = new LiveStates(budget);
        a.open();
        fill(a, "a", 3);
        a.open();
        assertThat(a.size()).isZero();
        assertThat(budget.perTask()).isEqualTo(8);
        a.close();
        a.close();
        LiveStates b = new LiveStates(budget);
        LiveStates c = new LiveStates(budget);
        b.open();
        c.open();
        assertThat(budget.perTask()).as("two open tasks, the closed one counted out once").isEqualTo(4);
    }

    @Test
    void aBudgetOfNothingIsRefused() {
        assertThatThrownBy(() -> new LiveStates.Budget(0, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
