package dev.floodgate.bench;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The numbers a benchmark run measured, by {@code section.metric}, in the order they were measured;
 * each is printed as it arrives. The smoke test reads them back.
 */
public final class BenchResults {
    private final Map<String, Double> values = new LinkedHashMap<>();
    private final PrintStream out;

    BenchResults(PrintStream out) {
        this.out = out;
    }

    /** Records and prints one number. */
    public void put(String section, String metric, double value, String unit) {
        values.put(section + "." + metric, value);
        out.printf("%-11s %-58s %,16.2f %s%n", section, metric, value, unit);
        out.flush();
    }

    /** Prints a line of context (not a number). */
    public void note(String section, String text) {
        out.printf("%-11s %s%n", section, text);
        out.flush();
    }

    public double get(String key) {
        Double v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("no result " + key + "; have " + values.keySet());
        }
        return v;
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    public Map<String, Double> all() {
        return values;
    }
}
