package dev.trpo.helm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.trpo.app.Main;
import io.fabric8.kubernetes.api.model.ConfigMap;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The chart and the commands agree on the names of the settings: a variable no command reads is a silent no-op. */
class SettingsContractTest {
    private static final Pattern ENV = Pattern.compile("\\$\\{env:(TRPO_[A-Z0-9_]+)");

    @Test
    void everySettingTheChartSetsIsReadByACommand() {
        RenderedChart chart = RenderedChart.render(Map.of(
                "connectors.stepsPerVersion", 512, "connectors.asyncMaxStepsPerVersion", 1024, "connectors.commitIntervalMs", 500,
                "streams.gamma", 0.995, "streams.lambda", 0.9,
                "streams.segmentLength", 64, "trainer.batchSteps", 8192, "trainer.evalEvery", 10,
                "trainer.evalEpisodes", 5, "trainer.evalParallel", 4));
        Map<String, String> settings = chart.get(ConfigMap.class, "demo-trpo-pipeline-settings").getData();

        Set<String> read = new TreeSet<>();
        CommandLine commands = Main.commandLine();
        commands.setInterpolateVariables(false);
        collect(commands, read);
        Set<String> unread = new TreeSet<>();
        for (String key : settings.keySet()) {
            if (key.startsWith("TRPO_") && !read.contains(key)) {
                unread.add(key);
            }
        }
        assertTrue(unread.isEmpty(), "the chart sets " + unread + " but no command reads them; commands read " + read);
    }

    private static void collect(CommandLine cmd, Set<String> out) {
        for (OptionSpec option : cmd.getCommandSpec().options()) {
            String raw = option.defaultValue();
            if (raw != null) {
                Matcher m = ENV.matcher(raw);
                while (m.find()) {
                    out.add(m.group(1));
                }
            }
        }
        cmd.getSubcommands().values().forEach(sub -> collect(sub, out));
    }
}
