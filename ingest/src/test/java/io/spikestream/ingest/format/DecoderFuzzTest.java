package io.spikestream.ingest.format;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A seeded mutation fuzzer over every decoder, run in the default build for a bounded number of iterations.
 * (Jazzer's JUnit integration runs only stored inputs unless fuzzing is switched on with a native libFuzzer, so a
 * plain, deterministic mutator over the real recordings is used instead.)
 *
 * <p>Each iteration takes a real or written recording, applies 1-4 mutations (bit flips, interesting bytes, 32-bit
 * length-like fields set to 0/-1/2^31-1/2^30..., truncation, deleted/duplicated/random chunks; half of them aimed at
 * the header), and decodes it to the end with a random batch size, strict or lenient. Properties:
 * <ul>
 *   <li>the only exception is {@link DecodeException} (anything else fails with the seed and iteration to replay);</li>
 *   <li>a decode allocates at most {@link #ALLOCATION_LIMIT} bytes (a 2 GB length field must not allocate 2 GB);</li>
 *   <li>every decode ends: the class-level timeout is a hang detector, generous by two orders of magnitude.</li>
 * </ul>
 * {@code -Dspikestream.fuzz.iterations=N} runs longer; the default keeps the whole class near half a minute.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class DecoderFuzzTest {

    static final long SEED = 0x5EED_2026_0004L;
    static final int ITERATIONS = Integer.getInteger("spikestream.fuzz.iterations", 20_000);
    static final int MAX_PACKET_BYTES = 1 << 20;
    /** Buffers are capped at 1 MiB packets here; decompression may double a buffer a few times, XML costs some. */
    static final long ALLOCATION_LIMIT = 32L << 20;
    private static final int[] INTERESTING_INTS = {0, -1, 1, 2, 7, 8, 28, 0x7F, 0xFF, 0x7FFF, 0xFFFF, 1 << 20,
        1 << 30, Integer.MAX_VALUE, Integer.MIN_VALUE, 0x7FFF_FFF0};

    record Seed(String name, EventFormat format, byte[] bytes) {
        @Override
        public String toString() {
            return name + " (" + format + ", " + bytes.length + " B)";
        }
    }

    static Stream<Seed> seeds() throws IOException {
        AedatFiles.Events dvs = AedatFiles.Events.random(51, 400, 128, 128, (1L << 32) - 20_000, 100);
        AedatFiles.Events davis = AedatFiles.Events.random(52, 400, 346, 260, 0, 100);
        AedatFiles.Events dv = AedatFiles.Events.random(53, 600, 320, 240, 1_600_000_000_000_000L, 100);
        return Stream.of(
            new Seed("nmnist", EventFormat.NMNIST_BIN, read("nmnist/Test/0/00004.bin", Integer.MAX_VALUE)),
            new Seed("evt2-prefix", EventFormat.EVT2, read("formats/evt2/evt2_sample.raw", 32_768)),
            new Seed("evt3-prefix", EventFormat.EVT3, read("formats/evt3/evt3_sample.raw", 32_768)),
            new Seed("dat", EventFormat.DAT, read("formats/dat/sample_ncars.dat", Integer.MAX_VALUE)),
            new Seed("aedat4-real-prefix", EventFormat.AEDAT4, aedat4Prefix(24_000)),
            new Seed("aedat4-lz4", EventFormat.AEDAT4, Aedat4Files.write(dv, 320, 240, Aedat4Files.Codec.LZ4, 200)),
            new Seed("aedat4-zstd", EventFormat.AEDAT4, Aedat4Files.write(dv, 320, 240, Aedat4Files.Codec.ZSTD, 200)),
            new Seed("aedat4-none", EventFormat.AEDAT4, Aedat4Files.write(dv, 320, 240, Aedat4Files.Codec.NONE, 200)),
            new Seed("aedat2-davis346-header-only", EventFormat.AEDAT2,
                read("formats/aedat2/davis346_header_only.aedat", Integer.MAX_VALUE)),
            new Seed("aedat2-dvs128", EventFormat.AEDAT2,
                AedatFiles.aedat2Dvs128(dvs, AedatReadersTest.DVS128_CHIP, 54)),
            new Seed("aedat2-davis", EventFormat.AEDAT2,
                AedatFiles.aedat2Davis(davis, AedatReadersTest.DAVIS346_CHIP, 260, 55)),
            new Seed("aedat31", EventFormat.AEDAT31, AedatFiles.aedat31(dvs, "DVS128")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("seeds")
    void mutantsOnlyEverThrowDecodeException(Seed seed) {
        SplittableRandom rnd = new SplittableRandom(SEED ^ seed.name().hashCode());
        com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        int decoded = 0;
        int rejected = 0;
        for (int it = 0; it < ITERATIONS; it++) {
            byte[] mutant = mutate(seed.bytes(), rnd);
            int capacity = 1 + rnd.nextInt(rnd.nextBoolean() ? 16 : 4096);
            DecodeOptions options = DecodeOptions.DEFAULT.withMaxPacketBytes(MAX_PACKET_BYTES)
                .withLenient(rnd.nextInt(4) == 0);
            boolean detect = rnd.nextInt(4) == 0;
            long before = threads.getCurrentThreadAllocatedBytes();
            try {
                decodeAll(mutant, seed, detect, options, capacity);
                decoded++;
            } catch (DecodeException expected) {
                rejected++;
            } catch (Throwable t) {
                fail(seed.name() + " iteration " + it + " (capacity " + capacity + ", detect " + detect
                    + ", lenient " + options.lenient() + "): " + t, t);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            if (allocated > ALLOCATION_LIMIT) {
                fail(seed.name() + " iteration " + it + " allocated " + allocated + " bytes decoding "
                    + mutant.length + " bytes");
            }
        }
        System.out.printf("fuzz %-28s %5d iterations: %5d decoded, %5d DecodeException%n", seed.name(), ITERATIONS,
            decoded, rejected);
        assertTrue(decoded > 0, "some mutants (e.g. payload bit flips) still decode");
        assertTrue(rejected > 0, "some mutants are rejected: the error paths ran");
    }

    private static void decodeAll(byte[] bytes, Seed seed, boolean detect, DecodeOptions options, int capacity)
        throws IOException {
        String name = seed.name() + "." + EventFiles.extension(nameFor(seed.format()));
        try (EventReader reader = detect ? EventFiles.open(bytes, name, options)
            : EventFiles.open(bytes, name, seed.format(), options)) {
            EventBatch batch = new EventBatch(capacity);
            long events = 0;
            int n;
            while ((n = reader.read(batch)) >= 0) {
                if (n == 0 || n != batch.size) {
                    throw new AssertionError("read returned " + n + " with batch size " + batch.size);
                }
                events += n;
                for (int i = 0; i < n; i++) {
                    if (!reader.geometry().contains(batch.x[i], batch.y[i]) || (batch.polarity[i] & ~1) != 0) {
                        throw new AssertionError("decoded an event outside the contract: (" + batch.x[i] + ", "
                            + batch.y[i] + ", " + batch.polarity[i] + ")");
                    }
                }
                if (events > 8L * bytes.length + 8) {
                    throw new AssertionError("more events than the input can hold: a decoder is looping");
                }
            }
        }
    }

    private static String nameFor(EventFormat f) {
        return switch (f) {
            case NMNIST_BIN -> "x.bin";
            case AEDAT2, AEDAT31 -> "x.aedat";
            case AEDAT4 -> "x.aedat4";
            case EVT2, EVT3 -> "x.raw";
            case DAT -> "x.dat";
        };
    }

    static byte[] mutate(byte[] seed, SplittableRandom rnd) {
        byte[] b = seed.clone();
        int mutations = 1 + rnd.nextInt(4);
        for (int m = 0; m < mutations && b.length > 0; m++) {
            int pos = rnd.nextBoolean() ? rnd.nextInt(Math.min(b.length, 2048)) : rnd.nextInt(b.length);
            switch (rnd.nextInt(8)) {
                case 0, 1 -> b[pos] ^= (byte) (1 << rnd.nextInt(8));
                case 2 -> b[pos] = (byte) new int[] {0, 0xFF, 0x7F, 0x80, '#', '%', '\n'}[rnd.nextInt(7)];
                case 3 -> {
                    int v = INTERESTING_INTS[rnd.nextInt(INTERESTING_INTS.length)];
                    int at = Math.max(0, Math.min(b.length - 4, pos & ~3));
                    boolean little = rnd.nextBoolean();
                    for (int i = 0; i < 4 && at + i < b.length; i++) {
                        b[at + i] = (byte) (little ? v >>> (8 * i) : v >>> (8 * (3 - i)));
                    }
                }
                case 4 -> b = Arrays.copyOf(b, pos);
                case 5 -> {
                    int len = Math.min(b.length - pos, 1 + rnd.nextInt(64));
                    byte[] c = new byte[b.length - len];
                    System.arraycopy(b, 0, c, 0, pos);
                    System.arraycopy(b, pos + len, c, pos, b.length - pos - len);
                    b = c;
                }
                case 6 -> {
                    int len = Math.min(b.length - pos, 1 + rnd.nextInt(64));
                    byte[] c = new byte[b.length + len];
                    System.arraycopy(b, 0, c, 0, pos + len);
                    System.arraycopy(b, pos, c, pos + len, b.length - pos);
                    b = c;
                }
                default -> {
                    int len = Math.min(b.length - pos, 1 + rnd.nextInt(16));
                    for (int i = 0; i < len; i++) {
                        b[pos + i] = (byte) rnd.nextInt(256);
                    }
                }
            }
        }
        return b;
    }

    /**
     * The real AEDAT 4 sample cut after the packet that crosses {@code bytes}, its dataTablePosition set to -1 ("no
     * table, read to the end") so that the cut file is a valid recording.
     */
    static byte[] aedat4Prefix(int bytes) throws IOException {
        byte[] all = Files.readAllBytes(SharedData.data("formats/aedat4/sample.aedat4"));
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(all).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int root = 18 + bb.getInt(18);
        int vtable = root - bb.getInt(root);
        bb.putLong(root + bb.getShort(vtable + 6), -1L);
        int p = Aedat4ReaderTest.SAMPLE_FIRST_PACKET;
        while (p < bytes) {
            p += 8 + bb.getInt(p + 4);
        }
        return Arrays.copyOf(all, p);
    }

    private static byte[] read(String relative, int max) throws IOException {
        byte[] all = Files.readAllBytes(SharedData.data(relative));
        return all.length <= max ? all : Arrays.copyOf(all, max);
    }
}
