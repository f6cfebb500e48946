package dev.trpo.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The test vectors of {@code README.md}'s "Producing transitions" section, read out of the markdown and checked
 * against the schemas, {@link AvroSerde} and Kafka's partitioner, so the document a producer in another language
 * follows cannot drift from the code.
 */
class ProducerContractReadmeTest {
    private static final Path README = Path.of("README.md");
    private static final String SECTION = "## Producing transitions";
    private static final Pattern FINGERPRINT_ROW = Pattern.compile(
            "^\\| `(\\w+)`[^|]*\\| `([^`]+\\.avsc)` \\| `0x([0-9a-f]{16})` \\| `([0-9A-F ]+)` \\|$", Pattern.MULTILINE);
    private static final Pattern PARTITION_ROW = Pattern.compile(
            "^\\| `([^`]+)` \\| `0x([0-9a-f]{8})` \\| (\\d+) \\| (\\d+) \\|$", Pattern.MULTILINE);
    private static final Pattern CODE_BLOCK = Pattern.compile("^```(\\w*)\\n(.*?)^```$", Pattern.MULTILINE | Pattern.DOTALL);
    private static final Pattern CRC_EMPTY = Pattern.compile("^EMPTY = 0x([0-9a-f]{16})", Pattern.MULTILINE);

    @Test
    void everyFingerprintIsItsSchemasAndEveryKnownSchemaIsListed() throws IOException {
        String section = producingTransitions();
        Set<String> listed = new TreeSet<>();
        Matcher row = FINGERPRINT_ROW.matcher(section);
        while (row.find()) {
            String file = row.group(2);
            Schema schema = new Schema.Parser().parse(Files.readString(Path.of(file)));
            long fingerprint = SchemaNormalization.parsingFingerprint64(schema);

            assertEquals(row.group(1), schema.getName(), file);
            assertEquals(fingerprint, Long.parseUnsignedLong(row.group(3), 16), file + ": fingerprint");
            assertArrayEquals(header(fingerprint), hex(row.group(4)), file + ": header bytes");
            listed.add(file);
        }

        assertEquals(everySchemaFile(), listed, "the README's fingerprint table lists every schema a reader knows");
    }

    @Test
    void theExampleTransitionsEncodeToTheBytesGiven() throws IOException {
        List<String[]> examples = jsonThenHexBlocks(producingTransitions());
        AvroSerde<Transition> serde = AvroSerde.of(Transition.class);
        boolean discrete = false;
        boolean continuous = false;
        for (String[] example : examples) {
            Transition expected = transition(new ObjectMapper().readTree(example[0]));
            byte[] bytes = hex(example[1]);

            assertArrayEquals(serde.encode(expected), bytes, "the bytes given for the " + expected.getEnvId() + " example");
            assertEquals(expected, serde.decode(bytes), "the " + expected.getEnvId() + " example's bytes decoded");
            discrete |= expected.getDiscreteAction() != null;
            continuous |= expected.getContinuousAction() != null;
        }
        assertTrue(discrete && continuous, "the README gives a discrete and a continuous example, found " + examples.size());
    }

    @Test
    void theCrc64AvroRecipeGivesAvrosFingerprints() throws IOException {
        Matcher empty = CRC_EMPTY.matcher(producingTransitions());
        assertTrue(empty.find(), "the README's CRC-64-AVRO code defines EMPTY = 0x...");
        long seed = Long.parseUnsignedLong(empty.group(1), 16);

        for (String file : everySchemaFile()) {
            Schema schema = new Schema.Parser().parse(Files.readString(Path.of(file)));
            byte[] canonical = SchemaNormalization.toParsingForm(schema).getBytes(StandardCharsets.UTF_8);
            assertEquals(SchemaNormalization.fingerprint64(canonical), crc64Avro(seed, canonical), file);
        }
    }

    @Test
    void thePartitionTableIsKafkasMurmur2() throws IOException {
        Matcher row = PARTITION_ROW.matcher(producingTransitions());
        int rows = 0;
        while (row.find()) {
            byte[] key = row.group(1).getBytes(StandardCharsets.UTF_8);
            int hash = Utils.murmur2(key);

            assertEquals(Integer.parseUnsignedInt(row.group(2), 16), hash, row.group(1) + ": murmur2");
            assertEquals(Utils.toPositive(hash) % 2, Integer.parseInt(row.group(3)), row.group(1) + ": partition of 2");
            assertEquals(Utils.toPositive(hash) % 4, Integer.parseInt(row.group(4)), row.group(1) + ": partition of 4");
            rows++;
        }
        assertTrue(rows >= 2, "the README's partition table has rows, found " + rows);
    }

    @Test
    void theTopicsTableListsEveryTopicOfARun() throws IOException {
        String readme = Files.readString(README);
        for (TopicSpec<?, ?> topic : Topics.forRun("RUN").all()) {
            String row = "| `" + topic.name().replace("RUN", "<run-id>") + "` |";
            assertTrue(readme.contains(row), "the topics table has no row " + row);
        }
    }

    /** The README from the "Producing transitions" heading to the next heading of its level. */
    private static String producingTransitions() throws IOException {
        String readme = Files.readString(README);
        int start = readme.indexOf("\n" + SECTION + "\n");
        assertTrue(start >= 0, "README.md has no section '" + SECTION + "'");
        int end = readme.indexOf("\n## ", start + SECTION.length() + 2);
        return readme.substring(start, end < 0 ? readme.length() : end);
    }

    /** Each {@code json} code block directly followed by a {@code hex} one, as {json, hex}. */
    private static List<String[]> jsonThenHexBlocks(String markdown) {
        List<String[]> out = new ArrayList<>();
        Matcher block = CODE_BLOCK.matcher(markdown);
        String json = null;
        while (block.find()) {
            if ("hex".equals(block.group(1)) && json != null) {
                out.add(new String[] {json, block.group(2)});
            }
            json = "json".equals(block.group(1)) ? block.group(2) : null;
        }
        return out;
    }

    /** The current schema files and every earlier version in {@code avro-history/index}, relative to the module. */
    private static Set<String> everySchemaFile() throws IOException {
        Set<String> files = new TreeSet<>();
        try (var avsc = Files.list(Path.of("src/main/avro"))) {
            avsc.filter(p -> p.toString().endsWith(".avsc")).forEach(p -> files.add(p.toString()));
        }
        try (InputStream index = ProducerContractReadmeTest.class.getResourceAsStream("/avro-history/index")) {
            for (String line : new String(index.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String name = line.strip();
                if (!name.isEmpty() && !name.startsWith("#")) {
                    files.add("src/main/resources/avro-history/" + name);
                }
            }
        }
        return files;
    }

    /**
     * A Transition from the JSON a Python producer hands python-avro: every field of the schema present, none other;
     * a union's value written as its branch's plain value.
     */
    private static Transition transition(JsonNode json) {
        Schema schema = Transition.getClassSchema();
        Set<String> names = new TreeSet<>();
        for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        Set<String> fields = new TreeSet<>();
        schema.getFields().forEach(f -> fields.add(f.name()));
        assertEquals(fields, names, "the example names every Transition field");

        Transition t = new Transition();
        for (Schema.Field f : schema.getFields()) {
            t.put(f.pos(), value(json.get(f.name()), f.schema()));
        }
        return t;
    }

    private static Object value(JsonNode node, Schema schema) {
        switch (schema.getType()) {
            case UNION:
                if (node.isNull()) {
                    return null;
                }
                return value(node, schema.getTypes().stream().filter(s -> s.getType() != Schema.Type.NULL).findFirst().orElseThrow());
            case STRING:
                return node.textValue();
            case INT:
                return node.intValue();
            case LONG:
                return node.longValue();
            case DOUBLE:
                return node.doubleValue();
            case BOOLEAN:
                return node.booleanValue();
            case ARRAY:
                List<Object> items = new ArrayList<>();
                node.forEach(item -> items.add(value(item, schema.getElementType())));
                return items;
            default:
                throw new IllegalArgumentException("no example field of type " + schema.getType());
        }
    }

    /** The README's CRC-64-AVRO, as written there (a table of 256 entries, then one step per byte). */
    private static long crc64Avro(long empty, byte[] data) {
        long[] table = new long[256];
        for (int i = 0; i < 256; i++) {
            long fp = i;
            for (int j = 0; j < 8; j++) {
                fp = (fp >>> 1) ^ (empty & -(fp & 1L));
            }
            table[i] = fp;
        }
        long fp = empty;
        for (byte b : data) {
            fp = (fp >>> 8) ^ table[(int) (fp ^ b) & 0xff];
        }
        return fp;
    }

    private static byte[] header(long fingerprint) {
        byte[] h = new byte[10];
        h[0] = (byte) 0xC3;
        h[1] = (byte) 0x01;
        for (int i = 0; i < 8; i++) {
            h[2 + i] = (byte) (fingerprint >>> (8 * i));
        }
        return h;
    }

    private static byte[] hex(String spaced) {
        return HexFormat.of().parseHex(spaced.replaceAll("\\s+", ""));
    }
}
