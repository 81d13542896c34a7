package io.modelhealth.app;

import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBufferManager;

/**
 * Bounds the off-heap memory of every RocksDB store of one app instance (the route state, pending calls,
 * dedup ids, the fleet and its global copy): one LRU block cache of {@code rocksdb.block-cache-mb} shared by
 * all stores, with index and filter blocks inside it, and one {@link WriteBufferManager} that charges every
 * memtable ({@code rocksdb.write-buffer-mb} in all) against that same cache. This is the
 * {@code BoundedMemoryRocksDBConfig} of the Kafka Streams memory-management docs. Without it each store opens
 * its own 50 MiB cache and up to 3 × 16 MiB memtables per segment, so the memory grows with the number of
 * stores and tasks, next to a heap sized as a share of the container limit (docs/operations.md "Memory").
 *
 * <p>Kafka Streams creates a setter per store by reflection, so the shared cache cannot live in the setter:
 * the app creates one {@link Memory} per instance ({@link Memory#of}), passes it in the Streams properties
 * under {@link #MEMORY}, and closes it after Kafka Streams has closed.
 */
public final class BoundedRocksDbConfig implements RocksDBConfigSetter {

    /** The Streams property holding this instance's {@link Memory}. */
    public static final String MEMORY = "model.health.rocksdb.memory";
    /** Share of the cache kept for index and filter blocks: evicting them would cost a disk read per lookup. */
    private static final double HIGH_PRIORITY_RATIO = 0.1;

    /**
     * The cache and write buffer manager every store of one instance shares.
     *
     * @param configured how many stores have been configured with it (to see that the setter is in use)
     */
    public record Memory(AppConfig.RocksDb settings, Cache cache, WriteBufferManager writeBuffers, AtomicInteger configured)
            implements AutoCloseable {

        public static Memory of(AppConfig.RocksDb settings) {
            RocksDB.loadLibrary();
            long cacheBytes = settings.blockCacheMb() * 1024L * 1024L;
            // strictCapacityLimit false: a read that needs a block when the cache is full still succeeds (and
            // overshoots a little) rather than failing the stream thread.
            Cache cache = new LRUCache(cacheBytes, -1, false, HIGH_PRIORITY_RATIO);
            WriteBufferManager writeBuffers = new WriteBufferManager(settings.writeBufferMb() * 1024L * 1024L, cache);
            return new Memory(settings, cache, writeBuffers, new AtomicInteger());
        }

        /** The block cache's capacity in bytes, as RocksDB reports it in {@code block-cache-capacity}. */
        public long cacheBytes() {
            return settings.blockCacheMb() * 1024L * 1024L;
        }

        @Override
        public void close() {
            writeBuffers.close();
            cache.close();
        }
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        if (!(configs.get(MEMORY) instanceof Memory memory)) {
            throw new ConfigException("kafka." + StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, getClass().getName()
                    + " needs the app's shared RocksDB memory (" + MEMORY + "); it is set by the app itself from rocksdb.*,"
                    + " do not name it in the kafka section");
        }
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(memory.cache());
        // Index and filter blocks in the cache, so they count against it too, and stay there while in use.
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setTableFormatConfig(table);
        options.setWriteBufferManager(memory.writeBuffers());
        options.setMaxWriteBufferNumber(memory.settings().maxWriteBuffers());
        memory.configured().incrementAndGet();
    }

    @Override
    public void close(String storeName, Options options) {
        // The cache and the write buffer manager are shared by every store: Memory.close() frees them.
    }
}
