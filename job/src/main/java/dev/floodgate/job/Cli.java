package dev.floodgate.job;

/**
 * Command-line conventions shared by Floodgate's entry points: usage on --help, option errors up
 * front.
 */
final class Cli {
    private Cli() {}

    /** Usage goes to standard output: it is the answer to --help, not a log line. */
    static void printUsage(String usage) {
        System.out.print(usage);
    }

    static FloodgateOptions parseOrExplain(String[] args, JobKind kind) {
        try {
            FloodgateOptions options = FloodgateOptions.fromArgs(args, kind);
            Pipeline.requireProcessorOrDryRun(options);
            return options;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Invalid options:\n" + e.getMessage(), e);
        }
    }
}
