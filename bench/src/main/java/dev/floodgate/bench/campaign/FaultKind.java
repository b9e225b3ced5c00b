package dev.floodgate.bench.campaign;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The faults the campaign injects, and its schedule: a cycle of ten that covers every kind (two
 * TaskManager kills, one right after a checkpoint completes, before the sinks' commit; a task
 * exception; two broker kills, one mid-transaction; checkpoint storage unwritable; 2 -> 4 -> 2 by
 * savepoint, with a TaskManager kill at parallelism 4, where no slot is spare; an upgrade to the
 * next processor version by savepoint under traffic), repeated.
 */
enum FaultKind {
    TM_KILL("TaskManager kill -9, replacement started"),
    TM_KILL_AFTER_CHECKPOINT("TaskManager kill -9 right after a checkpoint completes"),
    TASK_EXCEPTION("task exception in the processing operator (test fault hook)"),
    BROKER_KILL("broker kill -9, restarted after 2 s"),
    BROKER_KILL_MID_TRANSACTION(
            "broker kill -9 mid-transaction (half an interval after a checkpoint)"),
    STORAGE_UNWRITABLE("checkpoint storage unwritable for 2.5 checkpoint intervals"),
    RESCALE_UP("stop-with-savepoint, restore at parallelism 4"),
    RESCALE_DOWN("stop-with-savepoint, restore at parallelism 2"),
    UPGRADE("stop-with-savepoint, start the next processor version from it");

    final String description;

    FaultKind(String description) {
        this.description = description;
    }

    static final List<FaultKind> CYCLE =
            List.of(
                    TM_KILL,
                    TASK_EXCEPTION,
                    BROKER_KILL_MID_TRANSACTION,
                    TM_KILL_AFTER_CHECKPOINT,
                    STORAGE_UNWRITABLE,
                    RESCALE_UP,
                    TM_KILL,
                    RESCALE_DOWN,
                    BROKER_KILL,
                    UPGRADE);

    /**
     * {@code n} faults of the cycle, or an explicit comma-separated list of kinds (e.g. {@code
     * tm_kill,broker_kill}).
     */
    static List<FaultKind> schedule(String spec) {
        List<FaultKind> faults = new ArrayList<>();
        if (spec.matches("\\d+")) {
            int n = Integer.parseInt(spec);
            for (int i = 0; i < n; i++) {
                faults.add(CYCLE.get(i % CYCLE.size()));
            }
            // the cycle leaves a rescale-up open when cut there: end at parallelism 2
            if (faults.lastIndexOf(RESCALE_UP) > faults.lastIndexOf(RESCALE_DOWN)) {
                faults.add(RESCALE_DOWN);
            }
            return faults;
        }
        for (String s : spec.split(",")) {
            try {
                faults.add(FaultKind.valueOf(s.trim().toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "Invalid options: --faults: unknown fault "
                                + s
                                + " (one of "
                                + List.of(values())
                                + ")");
            }
        }
        return faults;
    }
}
