package io.spikestream.schemas;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.SystemLimitException;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.ClassSecurityValidator;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The registry of every schema spikestream writes or has written: the current schema of each record type
 * (generated classes) plus the older versions kept under {@code io/spikestream/schemas/history/} (listed in
 * its {@code index.txt}). It plays the part a schema-registry server would: records carry the 64-bit
 * CRC-64-AVRO fingerprint of their writer schema (Avro single-object encoding), and this store maps the
 * fingerprint back to the schema.
 *
 * <p>Class loading also fixes Avro 1.12's class-security check: Avro refuses to instantiate generated classes
 * outside its trusted packages, so this package is added to the global validator. Always reach the codecs
 * through {@link #codec(Class)} (or the Kafka serde) so that this happens first.
 *
 * <p>Immutable after class initialisation; threadsafe.
 */
public final class SpikestreamSchemas {

    /** Package of the generated record classes, trusted for Avro's class-security check. */
    public static final String GENERATED_PACKAGE = "io.spikestream.schemas";

    private static final String HISTORY_DIR = "history/";

    /** The current record types, in a fixed order. */
    public static final List<Class<? extends SpecificRecord>> RECORD_TYPES = List.of(
        DvsEventBatch.class, LabelRecord.class, Prediction.class, CheckpointRecord.class, DeadLetter.class);

    private static final Map<Long, Schema> BY_FINGERPRINT;
    private static final Map<String, List<Schema>> HISTORY;
    private static final SchemaStore STORE;

    /** Longest string a decoded value may declare, unless the JVM was started with the Avro property set. */
    public static final int MAX_STRING_BYTES = 1 << 20;
    /** Longest bytes field (packed event arrays, inline checkpoints) a decoded value may declare. */
    public static final int MAX_BYTES_LENGTH = 64 << 20;
    /** Most items in one array or map of a decoded value. */
    public static final int MAX_COLLECTION_ITEMS = 1 << 20;

    static {
        // Avro 1.12.2 allocates a string's buffer from the length prefix before checking that the input holds that
        // many bytes: a corrupt prefix asks for up to 2 GiB (found by SingleObjectCodecTest's corruption test).
        // Its limits come from system properties read when org.apache.avro.SystemLimitException initialises,
        // which may already have happened (schema parsing touches it), so they are set and then re-read.
        limitUnlessSet(SystemLimitException.MAX_STRING_LENGTH_PROPERTY, MAX_STRING_BYTES);
        limitUnlessSet(SystemLimitException.MAX_BYTES_LENGTH_PROPERTY, MAX_BYTES_LENGTH);
        limitUnlessSet(SystemLimitException.MAX_COLLECTION_LENGTH_PROPERTY, MAX_COLLECTION_ITEMS);
        reloadAvroLimits();
        ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(
            ClassSecurityValidator.getGlobal(), SpikestreamSchemas::isGenerated));
        Map<Long, Schema> byFingerprint = new HashMap<>();
        Map<String, List<Schema>> history = new HashMap<>();
        for (Class<? extends SpecificRecord> type : RECORD_TYPES) {
            Schema schema = schemaOf(type);
            byFingerprint.put(fingerprint(schema), schema);
            history.put(schema.getFullName(), new ArrayList<>());
        }
        for (Schema old : loadHistory()) {
            List<Schema> versions = history.get(old.getFullName());
            if (versions == null) {
                throw new IllegalStateException("historical schema of unknown record type " + old.getFullName());
            }
            versions.add(old);
            byFingerprint.put(fingerprint(old), old);
        }
        history.replaceAll((name, list) -> List.copyOf(list));
        BY_FINGERPRINT = Map.copyOf(byFingerprint);
        HISTORY = Map.copyOf(history);
        STORE = BY_FINGERPRINT::get;
    }

    private SpikestreamSchemas() {
    }

    // resetLimits() is Avro's own (package-private) way to re-read the properties; its tests use it the same way.
    private static void reloadAvroLimits() {
        try {
            Method reset = SystemLimitException.class.getDeclaredMethod("resetLimits");
            reset.setAccessible(true);
            reset.invoke(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot apply Avro decoding limits; start the JVM with -D"
                + SystemLimitException.MAX_STRING_LENGTH_PROPERTY + "=" + MAX_STRING_BYTES, e);
        }
    }

    private static void limitUnlessSet(String property, int limit) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, Integer.toString(limit));
        }
    }

    // Generated records, their nested records and enums all live directly in the generated package.
    private static boolean isGenerated(Class<?> c) {
        return GENERATED_PACKAGE.equals(c.getPackageName());
    }

    /** Current schema of a generated record class. */
    public static Schema schemaOf(Class<? extends SpecificRecord> type) {
        try {
            return (Schema) type.getField("SCHEMA$").get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException(type + " is not an Avro-generated record class", e);
        }
    }

    /** CRC-64-AVRO fingerprint of the schema's parsing canonical form, as written in single-object headers. */
    public static long fingerprint(Schema schema) {
        return SchemaNormalization.parsingFingerprint64(schema);
    }

    /** Resolver of every known writer schema (current and historical) by fingerprint. */
    public static SchemaStore store() {
        return STORE;
    }

    /** The schema with this fingerprint, or null when unknown. */
    public static Schema find(long fingerprint) {
        return BY_FINGERPRINT.get(fingerprint);
    }

    /** Older versions of a record type that this build still reads, oldest first. */
    public static List<Schema> history(String fullName) {
        return HISTORY.getOrDefault(fullName, Collections.emptyList());
    }

    /** A codec for one record type; cheap to call, but keep the result (it holds thread-local buffers). */
    public static <T extends SpecificRecord> SingleObjectCodec<T> codec(Class<T> type) {
        return new SingleObjectCodec<>(type);
    }

    /** Fingerprint as 16 hex digits, the form used in error messages. */
    public static String hex(long fingerprint) {
        return HexFormat.of().toHexDigits(fingerprint);
    }

    private static List<Schema> loadHistory() {
        List<Schema> schemas = new ArrayList<>();
        try (InputStream index = resource(HISTORY_DIR + "index.txt");
             BufferedReader lines = new BufferedReader(new InputStreamReader(index, StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                String name = line.strip();
                if (name.isEmpty() || name.startsWith("#")) {
                    continue;
                }
                try (InputStream in = resource(HISTORY_DIR + name)) {
                    schemas.add(new Schema.Parser().parse(in));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load historical schemas", e);
        }
        return schemas;
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = SpikestreamSchemas.class.getResourceAsStream(name);
        if (in == null) {
            throw new IOException("missing resource " + SpikestreamSchemas.class.getPackageName() + "/" + name);
        }
        return in;
    }
}
