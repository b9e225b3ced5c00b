package dev.floodgate.testkit.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A part of a Markdown page generated from code, between {@code <!-- generated from NAME: begin
 * -->} and {@code <!-- generated from NAME: end -->}: {@link #check} says whether the page holds
 * exactly what the code generates now (so an option cannot be missing, stale or described
 * differently), and with the system property {@code floodgate.write-docs=true} writes it instead.
 */
public final class GeneratedSection {
    private GeneratedSection() {}

    /**
     * The problem with {@code page}'s section {@code name}, or {@code null} when it holds {@code
     * generated} (or was just rewritten to hold it).
     */
    public static String check(Path page, String name, String generated) throws IOException {
        String begin = "<!-- generated from " + name + ": begin -->\n";
        String end = "<!-- generated from " + name + ": end -->\n";
        String doc = Files.readString(page);
        int from = doc.indexOf(begin);
        int to = doc.indexOf(end);
        if (from < 0 || to < from) {
            return page + " has no section between " + begin.trim() + " and " + end.trim();
        }
        String current = doc.substring(from + begin.length(), to);
        if (current.equals(generated)) {
            return null;
        }
        if (Boolean.getBoolean("floodgate.write-docs")) {
            Files.writeString(
                    page, doc.substring(0, from + begin.length()) + generated + doc.substring(to));
            return null;
        }
        return page
                + " is out of date for "
                + name
                + ": regenerate it with the docs test and -Dfloodgate.write-docs=true";
    }
}
