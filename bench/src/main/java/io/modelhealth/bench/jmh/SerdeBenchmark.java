package io.modelhealth.bench.jmh;

import io.modelhealth.health.RouteState;
import io.modelhealth.health.RouteStateSerde;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@link RouteStateSerde} on a steady-state route (ring full, one bucket open): what the route-state
 * store costs per call when each call reads and writes the route's entry through the serde.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SerdeBenchmark {

    @State(Scope.Thread)
    public static class Serde {
        Serializer<RouteState> ser;
        Deserializer<RouteState> de;
        RouteState state;
        byte[] bytes;

        @Setup(Level.Trial)
        public void setup() {
            HotPathState hot = new HotPathState();
            hot.setup();
            RouteStateSerde serde = new RouteStateSerde();
            ser = serde.serializer();
            de = serde.deserializer();
            state = hot.states[0];
            bytes = ser.serialize("t", state);
            System.out.println("\nserialized steady-state RouteState: " + bytes.length + " bytes");
        }
    }

    @Benchmark
    public byte[] serialize(Serde s) {
        return s.ser.serialize("t", s.state);
    }

    @Benchmark
    public RouteState deserialize(Serde s) {
        return s.de.deserialize("t", s.bytes);
    }

    @Benchmark
    public RouteState roundTrip(Serde s) {
        return s.de.deserialize("t", s.ser.serialize("t", s.state));
    }
}
