package dev.floodgate.demo;

import dev.floodgate.testkit.events.FloodGenerator.Phase;
import dev.floodgate.testkit.events.FloodGenerator.Profile;
import java.time.Duration;
import java.time.LocalTime;
import java.util.List;

/**
 * The Monday of the seed, time-scaled: one demo second stands for one minute. Calm from 08:30, the
 * flood at 09:00 at {@code floodFactor} times the processing capacity, calm again after it. Knows
 * which phase a moment of the run falls in and what time it is on the story's clock.
 */
final class Story {
    static final LocalTime START = LocalTime.of(9, 0);

    private final Profile profile;
    private final List<Phase> phases;
    private final double capacity;

    Story(DemoOptions o) {
        this.profile = Profile.monday(o.customers);
        this.capacity = o.capacityEventsPerSecond(profile.voiceShare());
        this.phases =
                List.of(
                        new Phase("calm", o.calmFactor * capacity, o.calm),
                        new Phase("flood", o.floodFactor * capacity, o.flood),
                        new Phase("calm", o.calmFactor * capacity, o.calmAfter));
    }

    Profile profile() {
        return profile;
    }

    List<Phase> phases() {
        return phases;
    }

    /** Events per second of the whole stream the processing keeps up with. */
    double capacity() {
        return capacity;
    }

    Duration length() {
        return phases.stream().map(Phase::duration).reduce(Duration.ZERO, Duration::plus);
    }

    /** Seconds from the start of the story to the start and the end of the flood. */
    double floodStartSecond() {
        return phases.get(0).duration().toMillis() / 1000.0;
    }

    double floodEndSecond() {
        return floodStartSecond() + phases.get(1).duration().toMillis() / 1000.0;
    }

    /** The phase at {@code second} of the story; "after" once the generator has finished. */
    String phaseAt(double second) {
        double end = 0;
        for (Phase p : phases) {
            end += p.duration().toMillis() / 1000.0;
            if (second < end) {
                return p.name();
            }
        }
        return "after";
    }

    /** The story's clock: the flood starts at 09:00, one demo second is one minute. */
    String clockAt(double second) {
        LocalTime t =
                START.minusSeconds(Math.round(floodStartSecond()) * 60)
                        .plusSeconds(Math.round(second) * 60);
        return String.format("%02d:%02d", t.getHour(), t.getMinute());
    }

    /** Valid events expected, roughly: for the opening line. */
    long expectedEvents() {
        return Math.round(
                phases.stream()
                        .mapToDouble(p -> p.eventsPerSecond() * p.duration().toMillis() / 1000.0)
                        .sum());
    }
}
