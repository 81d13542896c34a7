package io.modelhealth.bench.jmh;

import io.modelhealth.health.RouteState;
import io.modelhealth.schemas.LlmCall;
import io.modelhealth.schemas.OutcomeClass;
import io.modelhealth.telemetry.ParseResult;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;

/**
 * The per-call work of the app outside Kafka Streams' own machinery, piece by piece: parse (bytes →
 * validated {@code LlmCall}), classify + bucket update + rule evaluation, and the three together.
 * Run with {@code -prof gc} for allocation per call ({@code gc.alloc.rate.norm}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HotPathBenchmark {

    @Benchmark
    public ParseResult parse(HotPathState s) {
        return s.parser.parse(s.records[s.nextIndex()]);
    }

    @Benchmark
    public boolean classifyAndUpdate(HotPathState s) {
        return s.update(s.nextIndex());
    }

    @Benchmark
    public boolean parseClassifyUpdate(HotPathState s) {
        int i = s.nextIndex();
        LlmCall call = s.parser.parse(s.records[i]).call();
        long ts = s.now();
        s.calls++;
        OutcomeClass cls = s.classifier.classify(call);
        RouteState st = s.states[s.routeOf[i]];
        return s.engine.onCall(st, call, cls, ts, s.sink);
    }
}
