package dev.floodgate.job.tools;

import dev.floodgate.job.FloodgateOptions;
import dev.floodgate.model.CustomerNames;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * {@code savepoint inspect <path> [--json] [--log-customer-ids] [--ordering-state-ttl 7d]
 * [--waiting 10]}: prints what a savepoint of the live job holds ({@link SavepointInspection}),
 * customers named by keyed pseudonyms (a key of this run: comparable within one output only) unless
 * {@code --log-customer-ids} is given. A path that is not a savepoint of the live job is {@link
 * ToolArgs.Unreadable}.
 */
final class SavepointInspectCommand {
    static final String USAGE =
            "savepoint inspect <savepoint path or URI> [--json] [--"
                    + FloodgateOptions.LOG_CUSTOMER_IDS.key
                    + "] [--"
                    + FloodgateOptions.ORDERING_STATE_TTL.key
                    + " <the live job's, default 7d>] [--waiting <n, default 10>]";
    static final String WAITING = ToolOptions.WAITING.key;

    private SavepointInspectCommand() {}

    /** What the arguments ask for, validated. */
    record Request(
            String path,
            boolean json,
            Duration stateTtl,
            int listWaiting,
            boolean logCustomerIds) {}

    static Request parse(List<String> args) {
        ToolArgs a =
                ToolArgs.parse(
                        args,
                        Set.of(Tools.JSON, FloodgateOptions.LOG_CUSTOMER_IDS.key),
                        Set.of(FloodgateOptions.ORDERING_STATE_TTL.key, WAITING));
        if (a.positionals().size() != 1) {
            throw new ToolArgs.BadArguments(
                    a.positionals().isEmpty()
                            ? "savepoint inspect needs the savepoint path"
                            : "savepoint inspect takes one savepoint path, got " + a.positionals());
        }
        Duration ttl =
                ToolOptions.get(
                        FloodgateOptions.ORDERING_STATE_TTL,
                        a.option(FloodgateOptions.ORDERING_STATE_TTL.key));
        int waiting = ToolOptions.get(ToolOptions.WAITING, a.option(WAITING));
        return new Request(
                a.positionals().get(0),
                a.flag(Tools.JSON),
                ttl,
                waiting,
                a.flag(FloodgateOptions.LOG_CUSTOMER_IDS.key));
    }

    static int run(List<String> args, PrintStream out) {
        Request r = parse(args);
        SavepointInspection inspection;
        try {
            inspection = SavepointInspection.read(r.path(), r.stateTtl(), r.listWaiting());
        } catch (Exception e) {
            throw new ToolArgs.Unreadable(
                    "cannot read "
                            + r.path()
                            + " as a savepoint of the live job: "
                            + rootMessage(e),
                    e);
        }
        Instant now = Instant.now();
        CustomerNames names = CustomerNames.of(r.logCustomerIds());
        out.print(
                r.json()
                        ? inspection.toJson(now, names) + System.lineSeparator()
                        : inspection.render(now, names));
        return Tools.OK;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + " (" + t + ")";
    }
}
