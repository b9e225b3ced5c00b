package dev.floodgate.job;

import dev.floodgate.bench.campaign.FaultHookProcessor;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The live job exactly as {@link FloodgateJob#main} builds it, with its processor wrapped in the
 * fault campaign's {@link FaultHookProcessor}: a test build only (the campaign adds it to a copy of
 * the job jar; it is never in the job jar itself). Takes the live job's options plus {@code
 * --fault-url <url>}, the capacity-limited service's {@code /fault} endpoint.
 */
public final class FaultHookJob {
    private FaultHookJob() {}

    public static void main(String[] args) throws Exception {
        List<String> jobArgs = new ArrayList<>();
        String faultUrl = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--fault-url") && i + 1 < args.length) {
                faultUrl = args[++i];
            } else {
                jobArgs.add(args[i]);
            }
        }
        if (faultUrl == null) {
            throw new IllegalArgumentException("Invalid options: --fault-url <url> is required");
        }
        FloodgateOptions options = Cli.parseOrExplain(jobArgs.toArray(new String[0]), JobKind.LIVE);
        FloodgateJob.checkKafka(options);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        FloodgateJob.configure(env, options);
        Pipeline pipeline = Pipeline.from(options);
        FloodgateJob.defineWorkflow(
                env,
                FloodgateJob.source(options),
                FloodgateJob.sinks(options),
                pipeline.withProcessor(new FaultHookProcessor(pipeline.processor(), faultUrl)),
                FloodgateJob.lagMonitor(options));
        env.execute(FloodgateJob.JOB_NAME);
    }
}
