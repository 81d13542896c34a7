package io.modelhealth.topology;

import io.modelhealth.health.RouteState;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The route and scope states one route task keeps as live objects, least recently used first, so that the next
 * call of a hot route does not read its state back through the serde. A cache only: every change still reaches
 * the store, and a state that is not here is read from it, so what is kept never changes a decision.
 *
 * <p>The budget is the instance's, shared by all its route tasks: a live state of a busy route is ~5 KB of heap
 * (its bucket ring as objects), and with a fixed number per task an instance given 6 or 24 partitions held 6 or
 * 24 times as many — ~30 MB at 10,000 routes over 6 partitions, more than the rest of their heap. Each task keeps
 * an equal share, at least {@link Budget#minPerTask}; a task that joins shrinks the others' shares at their next
 * commit ({@link #trim}).
 */
final class LiveStates {

    /** Live states per instance, its route tasks together. */
    static final int PER_INSTANCE = 1024;
    /** However many tasks an instance runs, each keeps this many: its hot routes stay live. */
    static final int MIN_PER_TASK = 64;

    /** The live-state budget the route tasks of one instance (one built topology) share. Thread-safe. */
    static final class Budget {
        private final int states;
        private final int minPerTask;
        private final AtomicInteger tasks = new AtomicInteger();

        Budget(int states, int minPerTask) {
            if (states < 1 || minPerTask < 1) {
                throw new IllegalArgumentException("a live-state budget needs at least one state per task");
            }
            this.states = states;
            this.minPerTask = minPerTask;
        }

        static Budget perInstance() {
            return new Budget(PER_INSTANCE, MIN_PER_TASK);
        }

        /** What each open task may keep now. */
        int perTask() {
            return Math.max(minPerTask, states / Math.max(1, tasks.get()));
        }
    }

    private final Budget budget;
    private boolean open;
    private final Map<String, RouteState> states = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, RouteState> eldest) {
            return size() > budget.perTask();
        }
    };

    LiveStates(Budget budget) {
        this.budget = budget;
    }

    /** The task starts (or restarts, its store restored): empty, and counted in the budget. */
    void open() {
        states.clear();
        if (!open) {
            budget.tasks.incrementAndGet();
            open = true;
        }
    }

    /** The task leaves this instance: its share goes back to the others. */
    void close() {
        states.clear();
        if (open) {
            budget.tasks.decrementAndGet();
            open = false;
        }
    }

    RouteState get(String key) {
        return states.get(key);
    }

    void put(String key, RouteState state) {
        states.put(key, state);
    }

    void remove(String key) {
        states.remove(key);
    }

    /** Drops the least recently used states beyond this task's share, which shrinks as tasks join the instance. */
    void trim() {
        int excess = states.size() - budget.perTask();
        for (Iterator<String> it = states.keySet().iterator(); excess > 0 && it.hasNext(); excess--) {
            it.next();
            it.remove();
        }
    }

    int size() {
        return states.size();
    }
}
