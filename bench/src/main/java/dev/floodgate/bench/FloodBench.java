package dev.floodgate.bench;

import dev.floodgate.job.testing.FloodRun;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Section 2: the flood of {@link FloodRun} (capacity C, arrivals 3C) several times in one run
 * ({@code --flood-runs}, by default all three): shedding on with unaligned checkpoints (drained to
 * the end), then shedding off with unaligned and with aligned checkpoints (cancelled 2 s after the
 * flood; the backlog left is reported). Per run: p50/p99 age of {@code high} at processing,
 * processed and shed counts, and the durations of the checkpoints taken during the flood.
 */
final class FloodBench {
    private FloodBench() {}

    static void run(BenchContext ctx) throws Exception {
        ctx.results.note(
                "flood",
                String.format(
                        "capacity C = %.0f events/s, arrivals 3C, flood %d s, voice SLO %d s, "
                                + "checkpoints every 1 s",
                        FloodRun.CAPACITY,
                        ctx.options.floodTime.toSeconds(),
                        FloodRun.VOICE_SLO.toSeconds()));
        for (String name : ctx.options.floodRuns) {
            boolean shedding = name.startsWith("shedding-on");
            run(
                    ctx,
                    new FloodRun.Settings(
                            name,
                            shedding,
                            ctx.options.floodTime,
                            shedding,
                            name.endsWith("-unaligned")));
        }
    }

    private static void run(BenchContext ctx, FloodRun.Settings s) throws Exception {
        FloodRun.Result f = FloodRun.run(ctx.bootstrap, ctx.rest(), ctx::environment, s);
        BenchResults r = ctx.results;
        String n = s.name();
        int valid = f.generator.sentValid().size();
        r.put("flood", n + ": valid events sent", valid, "events");
        r.put("flood", n + ": processed", f.processed.size(), "events");
        r.put("flood", n + ": shed", f.shed.size(), "events");
        r.put(
                "flood",
                n + ": left in the backlog at the end",
                valid - f.processed.size() - f.shed.size(),
                "events");
        r.put("flood", n + ": high events processed", f.highAges.size(), "events");
        r.put("flood", n + ": high age p50", f.highAgePercentile(0.5), "ms");
        r.put("flood", n + ": high age p99", f.highAgePercentile(0.99), "ms");
        r.put("flood", n + ": max source backpressure", f.maxSourceBackpressure, "ratio");
        r.put("flood", n + ": max processing busy", f.maxProcessBusy, "ratio");
        List<Long> cps = new ArrayList<>(f.checkpointMillis.values());
        Collections.sort(cps);
        r.put("flood", n + ": checkpoints completed during the flood", cps.size(), "checkpoints");
        r.put("flood", n + ": checkpoint duration p50", FloodRun.percentile(cps, 0.5), "ms");
        r.put(
                "flood",
                n + ": checkpoint duration max",
                cps.isEmpty() ? 0 : cps.get(cps.size() - 1),
                "ms");
    }
}
