package io.modelhealth.topology;

import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * A key-value store that runs its processor's "before commit" step first thing when the task commits, so
 * the processor can keep its changes as live objects between commits and write each dirty entry once.
 *
 * <p>Kafka Streams commits a task by flushing the caches of its stores
 * ({@code ProcessorStateManager#flushCache}, which calls {@code flushCache()} on every store that is a
 * {@code CachedStateStore}), then flushing the producer, then committing the transaction. This layer
 * sits outside the store's cache: its {@code flushCache()} runs the hook, then flushes the cache below,
 * so whatever the hook writes is in the changelog, and in the same transaction as the offsets of the
 * input that caused it. A processor registers the same hook on every store it writes from the hook:
 * whichever of them the task flushes first runs it, before any of them has flushed (later calls find
 * nothing left to write).
 *
 * <p>{@code CachedStateStore} and {@code WrappedStateStore} are Kafka Streams internals (Kafka is pinned,
 * see the root pom); {@code CommitHookStoreTest} fails if a Kafka upgrade stops calling the hook before
 * the commit. With no hook registered (standby tasks, other processors) the layer only delegates.
 */
final class CommitHookStore<K, V> extends WrappedStateStore<KeyValueStore<K, V>, K, V> implements KeyValueStore<K, V> {

    private Runnable beforeCommit;

    private CommitHookStore(KeyValueStore<K, V> inner) {
        super(inner);
    }

    /** {@code inner} with this layer around the store it builds. */
    static <K, V> StoreBuilder<KeyValueStore<K, V>> wrap(StoreBuilder<KeyValueStore<K, V>> inner) {
        return new Builder<>(inner);
    }

    /**
     * Registers the hook of the processor that owns {@code store} (as {@code ProcessorContext#getStateStore}
     * returned it). Fails when the topology did not build the store with {@link #wrap}.
     */
    static void register(StateStore store, Runnable beforeCommit) {
        CommitHookStore<?, ?> hooked = store instanceof CommitHookStore<?, ?> h ? h
                : store instanceof WrappedStateStore<?, ?, ?> w ? w.findInner(CommitHookStore.class) : null;
        if (hooked == null) {
            throw new IllegalStateException("store " + store.name() + " was not built with CommitHookStore.wrap");
        }
        hooked.beforeCommit = beforeCommit;
    }

    @Override
    public void flushCache() {
        if (beforeCommit != null) {
            beforeCommit.run();
        }
        super.flushCache();
    }

    @Override
    public void close() {
        beforeCommit = null;
        super.close();
    }

    @Override
    public void put(K key, V value) {
        wrapped().put(key, value);
    }

    @Override
    public V putIfAbsent(K key, V value) {
        return wrapped().putIfAbsent(key, value);
    }

    @Override
    public void putAll(List<KeyValue<K, V>> entries) {
        wrapped().putAll(entries);
    }

    @Override
    public V delete(K key) {
        return wrapped().delete(key);
    }

    @Override
    public V get(K key) {
        return wrapped().get(key);
    }

    @Override
    public KeyValueIterator<K, V> range(K from, K to) {
        return wrapped().range(from, to);
    }

    @Override
    public KeyValueIterator<K, V> reverseRange(K from, K to) {
        return wrapped().reverseRange(from, to);
    }

    @Override
    public KeyValueIterator<K, V> all() {
        return wrapped().all();
    }

    @Override
    public KeyValueIterator<K, V> reverseAll() {
        return wrapped().reverseAll();
    }

    @Override
    public <PS extends org.apache.kafka.common.serialization.Serializer<P>, P> KeyValueIterator<K, V> prefixScan(P prefix, PS serializer) {
        return wrapped().prefixScan(prefix, serializer);
    }

    @Override
    public long approximateNumEntries() {
        return wrapped().approximateNumEntries();
    }

    private record Builder<K, V>(StoreBuilder<KeyValueStore<K, V>> inner) implements StoreBuilder<KeyValueStore<K, V>> {

        @Override
        public StoreBuilder<KeyValueStore<K, V>> withCachingEnabled() {
            return new Builder<>(inner.withCachingEnabled());
        }

        @Override
        public StoreBuilder<KeyValueStore<K, V>> withCachingDisabled() {
            return new Builder<>(inner.withCachingDisabled());
        }

        @Override
        public StoreBuilder<KeyValueStore<K, V>> withLoggingEnabled(Map<String, String> config) {
            return new Builder<>(inner.withLoggingEnabled(config));
        }

        @Override
        public StoreBuilder<KeyValueStore<K, V>> withLoggingDisabled() {
            return new Builder<>(inner.withLoggingDisabled());
        }

        @Override
        public KeyValueStore<K, V> build() {
            return new CommitHookStore<>(inner.build());
        }

        @Override
        public Map<String, String> logConfig() {
            return inner.logConfig();
        }

        @Override
        public boolean loggingEnabled() {
            return inner.loggingEnabled();
        }

        @Override
        public String name() {
            return inner.name();
        }
    }
}
