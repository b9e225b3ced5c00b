package dev.floodgate.demo;

import dev.floodgate.model.Channel;
import dev.floodgate.model.Lane;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live view, one line a second: the story's clock and phase, arrivals and processed per second
 * (over the last {@value #RATE_WINDOW} seconds), the backlog (the live job's consumer lag), shed
 * and dead-letter totals, the p99 age of {@code high} and of the rest over the last {@value
 * #AGE_WINDOW} seconds, and the checkpoint status; plus a line whenever a channel's shedding starts
 * or stops. Keeps every sample and those lines for the report.
 */
final class Progress {
    private static final Logger OUT = LoggerFactory.getLogger("floodgate.demo");
    static final int AGE_WINDOW = 5;

    /**
     * Rates are over the last few seconds: the job's output becomes visible in bursts, not evenly.
     */
    static final int RATE_WINDOW = 3;

    /** A moment worth a line of its own (shedding starts or stops), at a second of the story. */
    record Moment(double second, String clock, String text) {}

    private final Story story;
    private final LogLag log;
    private final OutputTail outputs;
    private final long startNanos;
    private final List<Sample> samples = new ArrayList<>();
    private final List<Moment> moments = new ArrayList<>();
    private final Deque<List<Long>> highAges = new ArrayDeque<>();
    private final Deque<List<Long>> chatAges = new ArrayDeque<>();
    private final Deque<List<Long>> otherAges = new ArrayDeque<>();
    private final Map<Channel, Boolean> shedding = new EnumMap<>(Channel.class);
    private JobProbe job;

    /** The last {@value #RATE_WINDOW} seconds' looks: second, records arrived, events processed. */
    private final Deque<double[]> recent = new ArrayDeque<>();

    private long lastCheckpoints;
    private String checkpointText = "";
    private long failedCheckpoints;
    private long drainStartBackfill;
    private boolean draining;
    private final List<Long> allHighAges = new ArrayList<>();
    private final List<Long> allOtherAges = new ArrayList<>();
    private final List<Long> allBackfillAges = new ArrayList<>();

    Progress(Story story, LogLag log, OutputTail outputs, long startNanos) {
        this.story = story;
        this.log = log;
        this.outputs = outputs;
        this.startNanos = startNanos;
    }

    /**
     * The live job to ask for checkpoints, shedding and its reading position (none: the load tool).
     */
    void watch(JobProbe job) {
        this.job = job;
    }

    /**
     * The drain starts beside the live job: from now on the samples also show the shed lane left to
     * drain (shed so far minus what the backfill lane processed since this call).
     */
    void drainStarts() {
        this.draining = true;
        this.drainStartBackfill = outputs.processed(Lane.BACKFILL);
    }

    /**
     * The shed lane left to drain: shed so far minus the backfill lane's results since the start.
     */
    long shedLeft() {
        return Math.max(0, outputs.shed() - outputs.processed(Lane.BACKFILL) + drainStartBackfill);
    }

    /** The live job has stopped (its savepoint): no more checkpoints or shedding to ask for. */
    void liveStopped() {
        this.job = null;
        this.checkpointText = "live job stopped";
    }

    /**
     * Waits for the next whole second of the run, then samples: one line a second, however long a
     * look takes.
     */
    Sample next() throws Exception {
        long now = System.nanoTime();
        long due = startNanos + ((now - startNanos) / 1_000_000_000L + 1) * 1_000_000_000L;
        Thread.sleep((due - now) / 1_000_000, (int) ((due - now) % 1_000_000));
        return sample();
    }

    /** Takes one sample, prints its line, and returns it. */
    Sample sample() throws Exception {
        double second = (System.nanoTime() - startNanos) / 1e9;
        LogLag.Reading reading = log.read(job == null ? Map.of() : job.sourcePositions());
        outputs.poll();
        long processed = outputs.processed(Lane.LIVE) + outputs.processed(Lane.BACKFILL);
        String clock = story.clockAt(second);
        if (job != null) {
            lastCheckpoints = watchCheckpointsAndShedding(second, clock);
        }
        long backlog = reading.lag();
        long shedLeft = draining ? shedLeft() : -1;
        List<Long> high = outputs.takeHighAges();
        List<Long> other = outputs.takeOtherAges();
        List<Long> chat = outputs.takeChatAges();
        allBackfillAges.addAll(outputs.takeBackfillAges());
        allHighAges.addAll(high);
        allOtherAges.addAll(other);
        recent.addLast(new double[] {second, reading.arrived(), processed});
        double[] first = recent.size() > RATE_WINDOW ? recent.removeFirst() : recent.getFirst();
        double elapsed = Math.max(0.001, second - first[0]);
        Sample s =
                new Sample(
                        second,
                        clock,
                        draining ? "drain" : story.phaseAt(second),
                        (reading.arrived() - first[1]) / elapsed,
                        (processed - first[2]) / elapsed,
                        backlog,
                        outputs.shed(),
                        outputs.deadLetters(),
                        p99(highAges, high),
                        p99(otherAges, other),
                        p99(chatAges, chat),
                        lastCheckpoints,
                        shedLeft);
        samples.add(s);
        OUT.info(
                String.format(
                        "%s %-5s in %,5.0f/s  out %,5.0f/s  backlog %,7d  shed %,6d%s  dlq %,3d  "
                                + "p99 age voice high %5s  others %5s  chat %5s  %s",
                        clock,
                        s.phase(),
                        s.arrivalsPerSecond(),
                        s.processedPerSecond(),
                        s.backlog(),
                        s.shed(),
                        shedLeft < 0 ? "" : String.format(" (left %,d)", shedLeft),
                        s.deadLetters(),
                        seconds(s.p99HighMillis()),
                        seconds(s.p99OtherMillis()),
                        seconds(s.p99ChatMillis()),
                        checkpointText));
        return s;
    }

    private long watchCheckpointsAndShedding(double second, String clock) throws Exception {
        JobProbe.Checkpoints c = job.checkpoints();
        checkpointText = c.render();
        if (c.failed() > failedCheckpoints && !c.lastFailure().isEmpty()) {
            OUT.info("{} checkpoint failed: {}", clock, c.lastFailure());
        }
        failedCheckpoints = c.failed();
        for (Map.Entry<Channel, Boolean> e : job.shedding().entrySet()) {
            boolean was = shedding.getOrDefault(e.getKey(), false);
            if (e.getValue() != was) {
                String text =
                        "shedding "
                                + e.getKey().wireName()
                                + (e.getValue()
                                        ? " STARTS: the lane sheds low and normal it could not serve in time (high too only while its service is down)"
                                        : " STOPS: the lane serves everything again");
                moments.add(new Moment(second, clock, text));
                OUT.info("{} >>> {}", clock, text);
            }
            shedding.put(e.getKey(), e.getValue());
        }
        return c.completed();
    }

    private static long p99(Deque<List<Long>> window, List<Long> latest) {
        window.addLast(latest);
        while (window.size() > AGE_WINDOW) {
            window.removeFirst();
        }
        List<Long> all = new ArrayList<>();
        window.forEach(all::addAll);
        return percentile(all, 0.99);
    }

    static long percentile(List<Long> values, double q) {
        if (values.isEmpty()) {
            return -1;
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get((int) Math.ceil(q * sorted.size()) - 1);
    }

    static String seconds(long millis) {
        return millis < 0 ? "-" : String.format("%.1fs", millis / 1000.0);
    }

    /** Ages (ms) of every {@code high} event the live lane processed, and of every other one. */
    List<Long> allHighAges() {
        return allHighAges;
    }

    List<Long> allOtherAges() {
        return allOtherAges;
    }

    /** Ages (ms) of the shed events when the backfill job processed them. */
    List<Long> allBackfillAges() {
        return allBackfillAges;
    }

    List<Sample> samples() {
        return samples;
    }

    List<Moment> moments() {
        return moments;
    }

    OutputTail outputs() {
        return outputs;
    }
}
