package dev.trpo.schemas;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;

import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for a generated Avro record in Avro's single-object encoding: the marker {@code C3 01},
 * the 8-byte little-endian CRC-64-AVRO fingerprint of the writer's schema, then the binary body.
 *
 * <p>The reader looks the writer's schema up by fingerprint in {@link KnownSchemas}, which holds the
 * current schema and every earlier version kept under {@code avro-history/}, so records written by
 * an older producer are read with the current schema (added fields take their defaults).
 *
 * @param <T> the generated record class
 */
public final class AvroSerde<T extends SpecificRecordBase> implements Serde<T>, Serializer<T>, Deserializer<T> {
    private static final byte[] MARKER = {(byte) 0xC3, (byte) 0x01};
    private static final int HEADER_LENGTH = 10;

    static {
        TrustedPackages.install();
    }

    private final Class<T> type;
    private final BinaryMessageEncoder<T> encoder;
    private final BinaryMessageDecoder<T> decoder;

    private AvroSerde(Class<T> type) {
        this.type = type;
        Schema schema = SpecificData.get().getSchema(type);
        SpecificData model = SpecificData.getForClass(type);
        this.encoder = new BinaryMessageEncoder<>(model, schema);
        this.decoder = new BinaryMessageDecoder<>(model, schema, KnownSchemas.store());
    }

    /** A serde for one generated record class. */
    public static <T extends SpecificRecordBase> AvroSerde<T> of(Class<T> type) {
        return new AvroSerde<>(Objects.requireNonNull(type, "type"));
    }

    /** The record class this serde reads and writes. */
    public Class<T> type() {
        return type;
    }

    /** Encodes a record; {@code null} stays {@code null} (a tombstone). */
    public byte[] encode(T record) {
        if (record == null) {
            return null;
        }
        try {
            ByteBuffer buffer = encoder.encode(record);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException | AvroRuntimeException e) {
            throw new SerializationException("cannot encode " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Decodes bytes written by {@link #encode} with this schema or any known earlier version of it.
     *
     * @throws RecordDecodingException naming the reason when the bytes are not such a record
     */
    public T decode(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        if (bytes.length < MARKER.length) {
            throw new RecordDecodingException(RecordDecodingException.Reason.EMPTY,
                    "expected a single-object-encoded " + type.getSimpleName() + ", got " + bytes.length + " bytes", null);
        }
        if (bytes[0] != MARKER[0] || bytes[1] != MARKER[1]) {
            throw new RecordDecodingException(RecordDecodingException.Reason.BAD_MARKER,
                    "expected marker C3 01, got " + HexFormat.of().formatHex(bytes, 0, 2).toUpperCase(), null);
        }
        if (bytes.length < HEADER_LENGTH) {
            throw new RecordDecodingException(RecordDecodingException.Reason.TRUNCATED_BODY,
                    "the header needs 10 bytes, got " + bytes.length, null);
        }
        try {
            return decoder.decode(new ByteArrayInputStream(bytes), null);
        } catch (MissingSchemaException e) {
            throw new RecordDecodingException(RecordDecodingException.Reason.UNKNOWN_FINGERPRINT,
                    "no known schema has fingerprint " + HexFormat.of().formatHex(Arrays.copyOfRange(bytes, 2, 10))
                            + " (reading " + type.getSimpleName() + ")", e);
        } catch (BadHeaderException e) {
            throw new RecordDecodingException(RecordDecodingException.Reason.BAD_MARKER, e.getMessage(), e);
        } catch (EOFException e) {
            throw new RecordDecodingException(RecordDecodingException.Reason.TRUNCATED_BODY,
                    "the body of " + type.getSimpleName() + " ends early (" + bytes.length + " bytes)", e);
        } catch (IOException | RuntimeException e) {
            throw new RecordDecodingException(RecordDecodingException.Reason.TRUNCATED_BODY,
                    "the body is not a valid " + type.getSimpleName() + ": " + e, e);
        }
    }

    @Override
    public byte[] serialize(String topic, T data) {
        return encode(data);
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        return decode(data);
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        // Nothing to configure: the schemas are compiled in.
    }

    @Override
    public void close() {
        // Nothing to release.
    }

    @Override
    public Serializer<T> serializer() {
        return this;
    }

    @Override
    public Deserializer<T> deserializer() {
        return this;
    }
}
