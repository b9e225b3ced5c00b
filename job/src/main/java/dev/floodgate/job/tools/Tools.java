package dev.floodgate.job.tools;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * The command-line tools of the job jar, one entry point:
 *
 * <pre>
 *   savepoint inspect &lt;path&gt; [--json] ...   what a savepoint of the live job holds
 *   reconcile --bootstrap-servers ... [--json]   every valid event processed exactly once?
 * </pre>
 *
 * Results go to standard output (one JSON object with {@code --json}), problems to standard error.
 * Exit status: {@link #OK}; {@link #FAILED} when reconcile finds a loss, a duplicate, an event id
 * shared by different events or an invalid record that is not a dead letter; {@link
 * #BAD_ARGUMENTS}, with a message naming the option; {@link #UNREADABLE} when the input cannot be
 * read (not a savepoint of the live job, broker unreachable, missing topic, a topic that stops
 * advancing); {@link #NOT_PROCESSED} when reconcile finds nothing of {@link #FAILED}'s but valid
 * events that ended as processing dead letters (accounted for, not processed).
 */
public final class Tools {
    public static final int OK = 0;
    public static final int FAILED = 1;
    public static final int BAD_ARGUMENTS = 2;
    public static final int UNREADABLE = 3;
    public static final int NOT_PROCESSED = 4;
    static final String JSON = "json";

    static final String USAGE =
            String.join(
                    System.lineSeparator(),
                    "Usage: dev.floodgate.job.tools.Tools <command>",
                    "",
                    "  " + SavepointInspectCommand.USAGE,
                    "      Kafka positions per partition, customers in the ordering state, events held for gaps and the",
                    "      oldest of them, the customers waiting longest on a gap.",
                    "  " + ReconcileCommand.USAGE,
                    "      Per valid input event: processed exactly once across the lanes, a processing dead letter,",
                    "      missing, or duplicated; event ids shared by different events; invalid records not dead-lettered.",
                    "  --help",
                    "",
                    "Exit status: 0 ok; 1 reconcile found a loss, a duplicate, a shared event id or an invalid record",
                    "  not dead-lettered; 2 bad arguments; 3 input unreadable; 4 reconcile found nothing of 1's but",
                    "  processing dead letters (valid events not processed).",
                    "");

    private Tools() {}

    public static void main(String[] args) {
        // Exit explicitly: the local Flink environment of savepoint inspect may leave non-daemon
        // threads.
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> a = Arrays.asList(args);
        try {
            if (a.isEmpty()
                    || a.get(0).equals("--help")
                    || a.get(0).equals("-h")
                    || a.get(0).equals("help")) {
                (a.isEmpty() ? err : out).print(USAGE);
                return a.isEmpty() ? BAD_ARGUMENTS : OK;
            }
            if (a.contains("--help") || a.contains("-h")) {
                out.print(USAGE);
                return OK;
            }
            if (a.size() >= 2 && a.get(0).equals("savepoint") && a.get(1).equals("inspect")) {
                return SavepointInspectCommand.run(a.subList(2, a.size()), out);
            }
            if (a.get(0).equals("reconcile")) {
                return ReconcileCommand.run(a.subList(1, a.size()), out, err);
            }
            throw new ToolArgs.BadArguments(
                    "unknown command '"
                            + String.join(" ", a.subList(0, Math.min(2, a.size())))
                            + "': expected 'savepoint inspect' or 'reconcile'");
        } catch (ToolArgs.BadArguments e) {
            err.println("Invalid arguments:");
            err.println(e.getMessage());
            err.println();
            err.print(USAGE);
            return BAD_ARGUMENTS;
        } catch (ToolArgs.Unreadable e) {
            err.println("error: " + e.getMessage());
            return UNREADABLE;
        }
    }
}
