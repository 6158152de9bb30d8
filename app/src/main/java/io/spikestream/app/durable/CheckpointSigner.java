package io.spikestream.app.durable;

import io.spikestream.schemas.CheckpointRecord;
import io.spikestream.schemas.SingleObjectCodec;
import io.spikestream.schemas.SpikestreamSchemas;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Map;

/**
 * Optional HMAC-SHA256 signing of the checkpoint records on the checkpoints topic, so that an importing instance takes
 * over only models that an instance holding the same secret published (anyone who may write to the topic could
 * otherwise hand it any state). The key is the property {@value #KEY_PROPERTY} of the Kafka config file
 * ({@code --kafka-config}, where the cluster's other secrets live) or of {@code --kafka-property}; it is never given to
 * the Kafka clients.
 *
 * <p>The signature covers the record encoded with {@code signature = null} (model id, version, stream time, offsets and
 * their topic ids, the inline payload or its URI, size and CRC32C) followed by the SHA-256 of the snapshot bytes, so a
 * payload stored by URI is covered too (its CRC32C alone is no protection against a deliberate change).
 *
 * <p>Immutable; threadsafe ({@link Mac} instances are made per call).
 */
public final class CheckpointSigner {

    /** Property of the Kafka config file holding the signing secret (UTF-8 text, at least {@value #MIN_KEY_BYTES} bytes). */
    public static final String KEY_PROPERTY = "spikestream.checkpoint.hmac.key";
    public static final int MIN_KEY_BYTES = 16;
    private static final String ALGORITHM = "HmacSHA256";

    private final SecretKeySpec key;
    private final SingleObjectCodec<CheckpointRecord> codec = SpikestreamSchemas.codec(CheckpointRecord.class);

    private CheckpointSigner(byte[] key) {
        this.key = new SecretKeySpec(key, ALGORITHM);
    }

    /**
     * The signer configured by {@code properties}, or null when {@value #KEY_PROPERTY} is absent.
     *
     * @throws IllegalArgumentException when the key is shorter than {@value #MIN_KEY_BYTES} bytes
     */
    public static CheckpointSigner fromProperties(Map<String, String> properties) {
        String text = properties.get(KEY_PROPERTY);
        if (text == null) {
            return null;
        }
        byte[] key = text.getBytes(StandardCharsets.UTF_8);
        if (key.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException(KEY_PROPERTY + " must hold at least " + MIN_KEY_BYTES + " bytes, it holds "
                + key.length);
        }
        return new CheckpointSigner(key);
    }

    /** The signature of {@code record} (its own signature field ignored) with its snapshot {@code payload}. */
    public byte[] sign(CheckpointRecord record, byte[] payloadSha256) {
        ByteBuffer previous = record.getSignature();
        try {
            record.setSignature(null);
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            mac.update(codec.encode(record));
            mac.update(payloadSha256);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available in this JVM", e);
        } finally {
            record.setSignature(previous);
        }
    }

    /** Whether {@code record} carries the signature this key gives it with {@code payload} (constant-time compare). */
    public boolean verify(CheckpointRecord record, byte[] payloadSha256) {
        ByteBuffer signature = record.getSignature();
        if (signature == null) {
            return false;
        }
        byte[] given = new byte[signature.remaining()];
        signature.duplicate().get(given);
        return MessageDigest.isEqual(given, sign(record, payloadSha256));
    }

    /** SHA-256 of a snapshot. */
    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }
}
