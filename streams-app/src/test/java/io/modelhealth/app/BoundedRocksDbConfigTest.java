package io.modelhealth.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.modelhealth.config.AppConfig;
import io.modelhealth.config.ConfigException;
import io.modelhealth.config.ConfigLoader;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Options;

/** The RocksDB config setter on real RocksDB options (the native library, no store). */
class BoundedRocksDbConfigTest {

    @Test
    void everyStoreSharesOneCacheSizedFromTheConfig() {
        AppConfig.RocksDb settings = new AppConfig.RocksDb(48, 16, 3);
        try (BoundedRocksDbConfig.Memory memory = BoundedRocksDbConfig.Memory.of(settings);
             Options first = new Options(); Options second = new Options()) {
            first.setTableFormatConfig(new BlockBasedTableConfig());
            second.setTableFormatConfig(new BlockBasedTableConfig());
            BoundedRocksDbConfig setter = new BoundedRocksDbConfig();

            setter.setConfig("route-state", first, Map.of(BoundedRocksDbConfig.MEMORY, memory));
            setter.setConfig("pending-calls", second, Map.of(BoundedRocksDbConfig.MEMORY, memory));

            assertThat(memory.configured()).hasValue(2);
            assertThat(memory.cacheBytes()).isEqualTo(48L * 1024 * 1024);
            assertThat(first.maxWriteBufferNumber()).isEqualTo(3);
            BlockBasedTableConfig table = (BlockBasedTableConfig) first.tableFormatConfig();
            assertThat(table.cacheIndexAndFilterBlocks()).isTrue();
            assertThat(table.pinTopLevelIndexAndFilter()).isTrue();
        }
    }

    @Test
    void withoutTheAppsSharedMemoryTheSetterRefusesNamingTheKey() {
        try (Options options = new Options()) {
            assertThatThrownBy(() -> new BoundedRocksDbConfig().setConfig("route-state", options, Map.of()))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith("kafka.rocksdb.config.setter: ");
        }
    }

    @Test
    void writeBuffersLargerThanTheCacheFailAtStartNamingTheKey() {
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("rocksdb.block-cache-mb", "32",
                "rocksdb.write-buffer-mb", "64")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("rocksdb.write-buffer-mb: ");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("rocksdb.block-cache-mb", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("rocksdb.block-cache-mb: ");
    }
}
