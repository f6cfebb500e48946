package dev.trpo.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class AvroSerdeTest {

    static List<SpecificRecordBase> everyRecordType() {
        return List.of(SampleRecords.transition("a-0", 2, 17), SampleRecords.segment(), SampleRecords.episode(),
                SampleRecords.snapshot(5));
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    @ParameterizedTest
    @MethodSource("everyRecordType")
    void everyRecordTypeSurvivesARoundTrip(SpecificRecordBase record) {
        AvroSerde serde = AvroSerde.of(record.getClass());
        byte[] bytes = serde.serialize("t", record);
        assertEquals((byte) 0xC3, bytes[0]);
        assertEquals((byte) 0x01, bytes[1]);
        long fingerprint = SchemaNormalization.parsingFingerprint64(record.getSchema());
        assertEquals(fingerprint, ByteBuffer.wrap(bytes, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong());
        assertEquals(record, serde.deserialize("t", bytes));
    }

    @Test
    void nullIsATombstoneBothWays() {
        AvroSerde<PolicySnapshot> serde = AvroSerde.of(PolicySnapshot.class);
        assertNull(serde.serialize("t", null));
        assertNull(serde.deserialize("t", null));
    }

    @Test
    void aRecordWrittenWithAnOlderSchemaIsReadWithTheCurrentOne() throws IOException {
        // The older Transition had no lastOfVersion field; the current one adds it with default false.
        Schema current = Transition.getClassSchema();
        Schema older = withoutField(current, "lastOfVersion");
        GenericRecord old = new GenericData.Record(older);
        Transition sample = SampleRecords.transition("a-9", 4, 33);
        for (Schema.Field f : older.getFields()) {
            old.put(f.name(), sample.get(f.name()));
        }
        byte[] bytes = toBytes(new BinaryMessageEncoder<GenericRecord>(GenericData.get(), older).encode(old));
        AvroSerde<Transition> serde = AvroSerde.of(Transition.class);

        RecordDecodingException unknown = assertThrows(RecordDecodingException.class, () -> serde.decode(bytes));
        assertEquals(RecordDecodingException.Reason.UNKNOWN_FINGERPRINT, unknown.reason());

        KnownSchemas.register(older);
        Transition read = serde.decode(bytes);
        assertEquals("a-9", read.getActorId());
        assertEquals(33, read.getStep());
        assertEquals(sample.getObservation(), read.getObservation());
        assertEquals(false, read.getLastOfVersion());
    }

    @Test
    void recordsWrittenWithTheShippedHistorySchemasAreReadWithDefaults() throws IOException {
        // v1 had no learningReward (Transition), rewardNormalizer nor resume.returnCarry (PolicySnapshot)
        Schema transitionV1 = historySchema("Transition-v1.avsc");
        Transition sample = SampleRecords.transition("a-2", 1, 7);
        Transition t = AvroSerde.of(Transition.class).decode(writtenWith(transitionV1, sample));
        assertNull(t.getLearningReward());
        assertEquals(sample.getReward(), t.getReward());
        assertEquals(sample.getObservation(), t.getObservation());

        Schema snapshotV1 = historySchema("PolicySnapshot-v1.avsc");
        PolicySnapshot snap = SampleRecords.snapshot(4);
        PolicySnapshot read = AvroSerde.of(PolicySnapshot.class).decode(writtenWith(snapshotV1, snap));
        assertEquals(false, read.getRewardNormalizer().getEnabled());
        assertEquals(0, read.getResume().getReturnCarry().size());
        assertEquals(snap.getActorLayers(), read.getActorLayers());
        assertEquals(false, Snapshots.rewardNormalizer(read).enabled());

        // v2 had no resume.rewardScales
        Schema snapshotV2 = historySchema("PolicySnapshot-v2.avsc");
        PolicySnapshot withScales = PolicySnapshot.newBuilder(snap).setResume(ResumeState.newBuilder(snap.getResume())
                .setReturnCarry(Map.of("a-0", 1.5)).setRewardScales(Map.of("3", 0.25)).build()).build();
        PolicySnapshot v2 = AvroSerde.of(PolicySnapshot.class).decode(writtenWith(snapshotV2, withScales));
        assertEquals(Map.of("a-0", 1.5), Snapshots.returnCarry(v2));
        assertEquals(0, v2.getResume().getRewardScales().size());
        assertEquals(Map.of(), Snapshots.rewardScales(v2));
        assertEquals(Map.of(3L, 0.25), Snapshots.rewardScales(withScales));
    }

    private static Schema historySchema(String name) throws IOException {
        try (var in = AvroSerdeTest.class.getResourceAsStream("/avro-history/" + name)) {
            return new Schema.Parser().parse(in);
        }
    }

    /** {@code record} as a producer on {@code older} would have written it: the newer fields dropped. */
    private static byte[] writtenWith(Schema older, org.apache.avro.specific.SpecificRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        var enc = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
        new org.apache.avro.generic.GenericDatumWriter<Object>(record.getSchema(), GenericData.get()).write(record, enc);
        enc.flush();
        var dec = org.apache.avro.io.DecoderFactory.get().binaryDecoder(out.toByteArray(), null);
        GenericRecord old = new org.apache.avro.generic.GenericDatumReader<GenericRecord>(record.getSchema(), older)
                .read(null, dec);
        return toBytes(new BinaryMessageEncoder<GenericRecord>(GenericData.get(), older).encode(old));
    }

    @Test
    void bytesWithoutTheMarkerAreRejectedAsBadMarker() {
        byte[] json = "{\"runId\":\"r1\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        RecordDecodingException e = assertThrows(RecordDecodingException.class,
                () -> AvroSerde.of(Transition.class).decode(json));
        assertEquals(RecordDecodingException.Reason.BAD_MARKER, e.reason());
        assertTrue(e.getMessage().contains("C3 01"), e.getMessage());
    }

    @Test
    void anUnknownFingerprintIsRejectedAndNamed() {
        byte[] bytes = AvroSerde.of(EpisodeSummary.class).encode(SampleRecords.episode());
        bytes[5] ^= 0x5A;
        RecordDecodingException e = assertThrows(RecordDecodingException.class,
                () -> AvroSerde.of(EpisodeSummary.class).decode(bytes));
        assertEquals(RecordDecodingException.Reason.UNKNOWN_FINGERPRINT, e.reason());
    }

    @Test
    void everyTruncationOfARecordIsRejectedAsTruncated() {
        AvroSerde<Transition> serde = AvroSerde.of(Transition.class);
        byte[] bytes = serde.encode(SampleRecords.transition("a-0", 0, 0));
        for (int length = 2; length < bytes.length; length++) {
            byte[] cut = Arrays.copyOf(bytes, length);
            RecordDecodingException e = assertThrows(RecordDecodingException.class, () -> serde.decode(cut),
                    "length " + length);
            assertEquals(RecordDecodingException.Reason.TRUNCATED_BODY, e.reason(), "length " + length);
        }
    }

    @Test
    void emptyBytesAreRejected() {
        RecordDecodingException e = assertThrows(RecordDecodingException.class,
                () -> AvroSerde.of(Segment.class).decode(new byte[0]));
        assertEquals(RecordDecodingException.Reason.EMPTY, e.reason());
    }

    @Test
    void aRecordOfAnotherTypeIsNotReadAsThisOne() {
        byte[] episode = AvroSerde.of(EpisodeSummary.class).encode(SampleRecords.episode());
        RecordDecodingException e = assertThrows(RecordDecodingException.class,
                () -> AvroSerde.of(PolicySnapshot.class).decode(episode));
        assertTrue(e.reason() == RecordDecodingException.Reason.UNKNOWN_FINGERPRINT
                || e.reason() == RecordDecodingException.Reason.TRUNCATED_BODY, e.reason().toString());
    }

    @Test
    void everyFieldOfEverySchemaIsDocumented() {
        for (SpecificRecordBase r : everyRecordType()) {
            assertDocumented(r.getSchema());
        }
    }

    private static void assertDocumented(Schema schema) {
        if (schema.getType() == Schema.Type.RECORD) {
            for (Schema.Field f : schema.getFields()) {
                assertTrue(f.doc() != null && !f.doc().isBlank(), schema.getName() + "." + f.name() + " has no doc");
                assertDocumented(f.schema());
            }
        } else if (schema.getType() == Schema.Type.ARRAY) {
            assertDocumented(schema.getElementType());
        } else if (schema.getType() == Schema.Type.UNION) {
            schema.getTypes().forEach(AvroSerdeTest::assertDocumented);
        }
    }

    private static Schema withoutField(Schema schema, String name) {
        List<Schema.Field> fields = schema.getFields().stream().filter(f -> !f.name().equals(name))
                .map(f -> new Schema.Field(f, f.schema())).toList();
        return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
    }

    private static byte[] toBytes(ByteBuffer buffer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] b = new byte[buffer.remaining()];
        buffer.get(b);
        out.writeBytes(b);
        return out.toByteArray();
    }

    @Test
    void theSameRecordEncodesToTheSameBytes() {
        AvroSerde<PolicySnapshot> serde = AvroSerde.of(PolicySnapshot.class);
        assertArrayEquals(serde.encode(SampleRecords.snapshot(1)), serde.encode(SampleRecords.snapshot(1)));
    }
}
