package dev.floodgate.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.floodgate.model.Channel;
import dev.floodgate.model.Priority;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The freshness of one demo run, per channel and priority, for {@code summary.json}: what the live
 * lane processed (when, and how old each event was), what was shed (by log time), and how busy the
 * processing service was. The flood window is judged after its first {@value #SETTLE_MILLIS} ms,
 * the time a controller is given to take hold; ages count from the start of the flood.
 *
 * <p>Written by the demo's main thread only.
 */
final class FreshnessStats {
    static final String FILE = "summary.json";
    static final long SETTLE_MILLIS = 10_000;

    private record Live(Channel channel, Priority priority, long processedAt, long ageMillis) {}

    private record Shed(Channel channel, long logTimestamp, String reason) {}

    private record ServiceSample(long atMillis, Map<Channel, Long> calls) {}

    private final List<Live> live = new ArrayList<>();
    private final List<Shed> shed = new ArrayList<>();
    private final List<ServiceSample> service = new ArrayList<>();

    void live(Channel channel, Priority priority, long processedAt, long ageMillis) {
        live.add(new Live(channel, priority, processedAt, ageMillis));
    }

    void shed(Channel channel, long logTimestamp) {
        shed(channel, logTimestamp, "?");
    }

    /** A shed event, with its reason ({@code floodgate.shed-reason}). */
    void shed(Channel channel, long logTimestamp, String reason) {
        shed.add(new Shed(channel, logTimestamp, reason));
    }

    /** Events of any channel shed whose log timestamps are in {@code [from, to)} (epoch ms). */
    long shedLoggedBetween(long from, long to) {
        return shed.stream().filter(s -> in(s.logTimestamp, from, to)).count();
    }

    /** The same per channel and reason ({@code voice/predicted_wait}), sorted. */
    Map<String, Long> shedLoggedBetweenByReason(long from, long to) {
        Map<String, Long> byReason = new java.util.TreeMap<>();
        for (Shed s : shed) {
            if (in(s.logTimestamp, from, to)) {
                byReason.merge(s.channel.wireName() + "/" + s.reason, 1L, Long::sum);
            }
        }
        return byReason;
    }

    /** The service's completed calls per channel so far, at {@code atMillis}. */
    void service(long atMillis, Map<Channel, Long> callsSoFar) {
        service.add(new ServiceSample(atMillis, new EnumMap<>(callsSoFar)));
    }

    /**
     * The summary of the flood {@code [floodStart, floodEnd)} (epoch ms).
     *
     * @param capacity calls per second each channel's service completes at most
     * @param serviceSlots calls each channel's service runs at once
     * @param callMillis latency of one call per channel
     */
    ObjectNode summary(
            long floodStart,
            long floodEnd,
            Map<Channel, Double> capacity,
            Map<Channel, Integer> serviceSlots,
            Map<Channel, Long> callMillis,
            double floodFactor,
            boolean shedding,
            boolean reconcilePassed) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        root.put("reconcile", reconcilePassed ? "PASSED" : "FAILED");
        root.put("flood_factor", floodFactor);
        root.put("shedding", shedding);
        long from = floodStart + SETTLE_MILLIS;
        double seconds = Math.max(1, (floodEnd - from) / 1000.0);
        ObjectNode ages = root.putObject("p99_age_s");
        ObjectNode livePerS = root.putObject("live_per_s");
        ObjectNode capacityPerS = root.putObject("capacity_per_s");
        ObjectNode shedFraction = root.putObject("shed_fraction");
        ObjectNode liveRange = root.putObject("live_per_s_range");
        ObjectNode busy = root.putObject("service_busy_fraction");
        for (Channel c : Channel.values()) {
            ObjectNode byPriority = ages.putObject(c.wireName());
            for (Priority p : Priority.values()) {
                List<Long> a = new ArrayList<>();
                for (Live l : live) {
                    if (l.channel == c
                            && l.priority == p
                            && in(l.processedAt, floodStart, floodEnd)) {
                        a.add(l.ageMillis);
                    }
                }
                long p99 = Progress.percentile(a, 0.99);
                if (p99 < 0) {
                    byPriority.putNull(p.wireName());
                } else {
                    byPriority.put(p.wireName(), p99 / 1000.0);
                }
            }
            long liveCount =
                    live.stream()
                            .filter(l -> l.channel == c && in(l.processedAt, from, floodEnd))
                            .count();
            livePerS.put(c.wireName(), round(liveCount / seconds));
            capacityPerS.put(c.wireName(), round(capacity.getOrDefault(c, 0.0)));
            long shedCount =
                    shed.stream()
                            .filter(s -> s.channel == c && in(s.logTimestamp, from, floodEnd))
                            .count();
            long liveByLogTime =
                    live.stream()
                            .filter(
                                    l ->
                                            l.channel == c
                                                    && in(
                                                            l.processedAt - l.ageMillis,
                                                            from,
                                                            floodEnd))
                            .count();
            shedFraction.put(
                    c.wireName(),
                    shedCount + liveByLogTime == 0
                            ? 0
                            : round((double) shedCount / (shedCount + liveByLogTime)));
            double[] range = perSecondRange(c, from, floodEnd);
            ObjectNode r = liveRange.putObject(c.wireName());
            r.put("min", range[0]);
            r.put("max", range[1]);
            busy.put(
                    c.wireName(), round(busyFraction(c, from, floodEnd, serviceSlots, callMillis)));
        }
        return root;
    }

    /** Lowest and highest live rate over whole seconds of {@code [from, to)}. */
    private double[] perSecondRange(Channel c, long from, long to) {
        int n = (int) ((to - from) / 1000);
        if (n <= 0) {
            return new double[] {0, 0};
        }
        long[] counts = new long[n];
        for (Live l : live) {
            if (l.channel == c && in(l.processedAt, from, from + n * 1000L)) {
                counts[(int) ((l.processedAt - from) / 1000)]++;
            }
        }
        long min = Long.MAX_VALUE;
        long max = 0;
        for (long x : counts) {
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        return new double[] {min, max};
    }

    /** Busy slot-time of the service over {@code [from, to)}, from the calls it completed. */
    private double busyFraction(
            Channel c,
            long from,
            long to,
            Map<Channel, Integer> slots,
            Map<Channel, Long> callMillis) {
        ServiceSample first = null;
        ServiceSample last = null;
        for (ServiceSample s : service) {
            if (s.atMillis >= from && first == null) {
                first = s;
            }
            if (s.atMillis <= to) {
                last = s;
            }
        }
        if (first == null || last == null || last.atMillis <= first.atMillis) {
            return 0;
        }
        long calls = last.calls.getOrDefault(c, 0L) - first.calls.getOrDefault(c, 0L);
        double slotMillis = slots.getOrDefault(c, 1) * (double) (last.atMillis - first.atMillis);
        return Math.min(1.0, calls * callMillis.getOrDefault(c, 0L) / slotMillis);
    }

    /**
     * The live lane's p99 age (s) per channel and priority of the events processed in {@code [from,
     * to)} (epoch ms), null where none; into {@code parent} under {@code name}.
     */
    void p99Ages(ObjectNode parent, String name, long from, long to) {
        ObjectNode ages = parent.putObject(name);
        for (Channel c : Channel.values()) {
            ObjectNode byPriority = ages.putObject(c.wireName());
            for (Priority p : Priority.values()) {
                List<Long> a = new ArrayList<>();
                for (Live l : live) {
                    if (l.channel == c && l.priority == p && in(l.processedAt, from, to)) {
                        a.add(l.ageMillis);
                    }
                }
                long p99 = Progress.percentile(a, 0.99);
                if (p99 < 0) {
                    byPriority.putNull(p.wireName());
                } else {
                    byPriority.put(p.wireName(), p99 / 1000.0);
                }
            }
        }
    }

    /** Live results of {@code channel} processed in {@code [from, to)} (epoch ms). */
    long liveCount(Channel channel, long from, long to) {
        return live.stream()
                .filter(l -> l.channel == channel && in(l.processedAt, from, to))
                .count();
    }

    void write(Path file, ObjectNode summary) throws IOException {
        new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(file.toFile(), summary);
    }

    private static boolean in(long t, long from, long to) {
        return t >= from && t < to;
    }

    private static double round(double x) {
        return Math.round(x * 1000) / 1000.0;
    }
}
