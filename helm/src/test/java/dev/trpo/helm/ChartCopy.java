package dev.trpo.helm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** A copy of the chart in a test's temporary folder, edited as text before it is rendered or linted. */
final class ChartCopy {

    private final Path root;

    private ChartCopy(Path root) {
        this.root = root;
    }

    /** Copies {@code chart} to {@code workDir/<chart folder name>}. */
    static ChartCopy of(Path chart, Path workDir) {
        Path target = workDir.resolve(chart.getFileName());
        try (Stream<Path> files = Files.walk(chart)) {
            for (Path source : files.toList()) {
                Path destination = target.resolve(chart.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(destination);
                } else {
                    Files.copy(source, destination);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ChartCopy(target);
    }

    /** Replaces every occurrence of {@code from} in the templates folder. */
    ChartCopy replaceInTemplates(String from, String to) {
        try (Stream<Path> files = Files.list(root.resolve("templates"))) {
            for (Path file : files.toList()) {
                Files.writeString(file, Files.readString(file).replace(from, to));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Replaces {@code from}, which must occur exactly once, in values.yaml. */
    ChartCopy replaceInValues(String from, String to) {
        Path values = root.resolve("values.yaml");
        try {
            String text = Files.readString(values);
            if (text.indexOf(from) < 0 || text.indexOf(from) != text.lastIndexOf(from)) {
                throw new IllegalArgumentException("values.yaml must contain '" + from + "' exactly once");
            }
            Files.writeString(values, text.replace(from, to));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    Path path() {
        return root;
    }
}
