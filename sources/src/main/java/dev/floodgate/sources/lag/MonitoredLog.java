package dev.floodgate.sources.lag;

import java.io.Serializable;

/**
 * A topic whose consumer lag the broker lag monitor measures, and the consumer group whose
 * committed offsets say what has been processed and made durable.
 *
 * @param name the {@code log} label of the metrics ({@code input}, {@code shed}): stable, unlike
 *     the topic names a deployment chooses
 * @param topic the topic
 * @param groupId the consumer group that reads it; a group that never committed counts from the
 *     earliest offset
 */
public record MonitoredLog(String name, String topic, String groupId) implements Serializable {
    public MonitoredLog {
        if (name == null || name.isBlank() || topic == null || topic.isBlank()) {
            throw new IllegalArgumentException("a monitored log needs a name and a topic");
        }
        if (groupId == null || groupId.isBlank()) {
            throw new IllegalArgumentException("monitored log " + name + " needs a group id");
        }
    }
}
