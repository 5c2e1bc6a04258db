package com.annoflow.webhookstage.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** The results: printed as they come and written to target/bench/results.md (a Markdown table per part). */
final class Report {

    private final List<String> lines = new ArrayList<>();

    void line(String text) {
        System.out.println(text);
        lines.add(text);
    }

    static String row(String what, List<Double> values) {
        return String.format(Locale.ROOT, "| %s | %.0f | %.0f–%.0f | %d |", what, median(values), Collections.min(values),
                Collections.max(values), values.size());
    }

    static String rowRatio(String what, List<Double> values) {
        return String.format(Locale.ROOT, "| %s | %.2f | %.2f–%.2f | %d |", what, median(values), Collections.min(values),
                Collections.max(values), values.size());
    }

    static Double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Writes every line so far to target/bench/results.md. */
    void write() throws IOException {
        Files.write(BenchConfig.DIR.resolve("results.md"), lines);
    }
}
