package io.spikestream.learner;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Maps a DVS event (x, y, polarity) to an input neuron, as NEST's N-MNIST example does: the pixel index is
 * {@code polarity * W * H + y * W + x}; indices in the blocklist are dropped and the rest renumbered in order.
 * Optional spatial pooling by a factor k first merges k x k pixel blocks (per polarity), and an optional hot-pixel
 * filter drops an event whose pixel fired less than {@code refractoryUs} earlier.
 *
 * <p>Out-of-geometry events are rejected (counted by the caller, never silently dropped). Not threadsafe: one per
 * sensor of a learner ({@link #withOwnFilter}).
 */
public final class InputMapper {

    public static final int DROPPED = -1;

    private final int width;
    private final int height;
    private final int pool;
    private final int[] neuronOfPixel;
    private final int inputs;
    private final long refractoryUs;
    private final long[] lastUs;

    public InputMapper(int width, int height, int pool, int[] blocklist, long refractoryUs) {
        if (width <= 0 || height <= 0 || pool <= 0) {
            throw new IllegalArgumentException("sensor geometry and pool must be positive: " + width + "x" + height + ", pool " + pool);
        }
        this.width = width;
        this.height = height;
        this.pool = pool;
        this.refractoryUs = refractoryUs;
        int pixels = 2 * width * height;
        boolean[] blocked = new boolean[pixels];
        for (int b : blocklist) {
            if (b < 0 || b >= pixels) {
                throw new IllegalArgumentException("blocklist index " + b + " outside 0.." + (pixels - 1));
            }
            blocked[b] = true;
        }
        int pw = (width + pool - 1) / pool;
        int ph = (height + pool - 1) / pool;
        int[] pooledId = new int[2 * pw * ph];
        Arrays.fill(pooledId, -1);
        neuronOfPixel = new int[pixels];
        int next = 0;
        // renumber in pooled-index order so that neuron ids follow NEST's "active pixels in order"
        boolean[] used = new boolean[2 * pw * ph];
        for (int px = 0; px < pixels; px++) {
            if (!blocked[px]) {
                used[pooled(px, pw, ph)] = true;
            }
        }
        for (int q = 0; q < used.length; q++) {
            if (used[q]) {
                pooledId[q] = next++;
            }
        }
        for (int px = 0; px < pixels; px++) {
            neuronOfPixel[px] = blocked[px] ? DROPPED : pooledId[pooled(px, pw, ph)];
        }
        inputs = next;
        lastUs = refractoryUs > 0 ? new long[pixels] : null;
        if (lastUs != null) {
            Arrays.fill(lastUs, Long.MIN_VALUE / 2);
        }
    }

    private InputMapper(InputMapper like) {
        width = like.width;
        height = like.height;
        pool = like.pool;
        neuronOfPixel = like.neuronOfPixel; // configuration, never written after construction
        inputs = like.inputs;
        refractoryUs = like.refractoryUs;
        lastUs = like.lastUs == null ? null : new long[like.lastUs.length];
        if (lastUs != null) {
            Arrays.fill(lastUs, Long.MIN_VALUE / 2);
        }
    }

    /** The same mapping with a hot-pixel filter of its own, as fresh as a new mapper's (one per sensor). */
    public InputMapper withOwnFilter() {
        return new InputMapper(this);
    }

    private int pooled(int px, int pw, int ph) {
        int p = px / (width * height);
        int rest = px % (width * height);
        int y = rest / width;
        int x = rest % width;
        return p * pw * ph + (y / pool) * pw + x / pool;
    }

    /** Reads a blocklist file: whitespace-separated pixel indices (NEST's format; floats such as "12.0" allowed). */
    public static int[] readBlocklist(Path file) throws IOException {
        String text = Files.readString(file).trim();
        if (text.isEmpty()) {
            return new int[0];
        }
        String[] tok = text.split("\\s+");
        int[] out = new int[tok.length];
        for (int i = 0; i < tok.length; i++) {
            try {
                out[i] = (int) Double.parseDouble(tok[i]);
            } catch (NumberFormatException e) {
                throw new IOException(file + ": token " + (i + 1) + " '" + tok[i] + "' is not a pixel index");
            }
        }
        return out;
    }

    /** Checkpoint: the hot-pixel filter's last event time per pixel (the only state; the mapping is configuration). */
    void writeState(StateWriter out) {
        out.putBoolean(lastUs != null);
        if (lastUs != null) {
            out.putLongs(lastUs);
        }
    }

    void readState(StateReader in) throws CheckpointException {
        boolean has = in.getBoolean();
        if (has != (lastUs != null)) {
            throw new CheckpointException(CheckpointException.Kind.INCOMPATIBLE_SHAPE, "hot-pixel filter "
                + (has ? "on in the checkpoint, off here" : "off in the checkpoint, on here"));
        }
        if (lastUs != null) {
            in.readLongs(lastUs, "hot-pixel last event times");
        }
    }

    public int inputs() {
        return inputs;
    }

    public boolean inside(int x, int y) {
        return x >= 0 && x < width && y >= 0 && y < height;
    }

    /**
     * Input neuron of an event, or {@link #DROPPED} (blocklisted pixel or hot-pixel refractoriness). The caller
     * checks {@link #inside} first.
     */
    public int map(int x, int y, int polarity, long tUs) {
        int px = (polarity != 0 ? 1 : 0) * width * height + y * width + x;
        if (lastUs != null) {
            // an event older than the pixel's last one (its clock went back) is not refractory: not silenced for good
            if (tUs - lastUs[px] < refractoryUs && tUs >= lastUs[px]) {
                return DROPPED;
            }
            lastUs[px] = tUs;
        }
        return neuronOfPixel[px];
    }
}
