package dev.floodgate.sinks;

import dev.floodgate.contract.InteractionCodec;
import dev.floodgate.model.Interaction;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.apache.flink.api.common.serialization.Encoder;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.Path;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.functions.sink.filesystem.BucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.SimpleVersionedStringSerializer;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;

/**
 * The raw archive: every valid event as a contract v1 JSON line, stored before any lossy decision.
 * Files roll on each checkpoint and become visible (lose their in-progress prefix) only when it
 * completes: exactly once. Buckets are hours of the log timestamp, {@code dt=2026-11-23/hour=09}.
 */
public final class ArchiveSink {
    private ArchiveSink() {}

    public static FileSink<Interaction> create(String basePath) {
        return FileSink.forRowFormat(new Path(basePath), new JsonLineEncoder())
                .withBucketAssigner(new LogHourBuckets())
                .withRollingPolicy(OnCheckpointRollingPolicy.build())
                .withOutputFileConfig(
                        OutputFileConfig.builder()
                                .withPartPrefix("interactions")
                                .withPartSuffix(".jsonl")
                                .build())
                .build();
    }

    static final class JsonLineEncoder implements Encoder<Interaction> {
        private static final long serialVersionUID = 1L;

        @Override
        public void encode(Interaction element, OutputStream stream) throws IOException {
            stream.write(InteractionCodec.write(element));
            stream.write('\n');
        }
    }

    static final class LogHourBuckets implements BucketAssigner<Interaction, String> {
        private static final long serialVersionUID = 1L;
        private static final DateTimeFormatter HOUR =
                DateTimeFormatter.ofPattern("'dt='yyyy-MM-dd'/hour='HH").withZone(ZoneOffset.UTC);

        @Override
        public String getBucketId(Interaction element, Context context) {
            return HOUR.format(Instant.ofEpochMilli(element.logTimestamp));
        }

        @Override
        public SimpleVersionedSerializer<String> getSerializer() {
            return SimpleVersionedStringSerializer.INSTANCE;
        }
    }
}
