package dev.floodgate.operators.shed;

/** What admission control sees of one channel's lane on one subtask, before an event joins it. */
public interface LaneLoad {

    /** Calls in flight plus admitted events waiting for a call slot. */
    int work();

    /**
     * How long an event of {@code priority} joining now would wait until its call finishes, in
     * milliseconds, from the measured call latency ({@code -1} while nothing has been measured).
     */
    long predictedWaitMillis(boolean high);
}
