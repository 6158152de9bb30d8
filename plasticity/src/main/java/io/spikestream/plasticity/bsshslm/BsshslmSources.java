package io.spikestream.plasticity.bsshslm;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;
import io.spikestream.plasticity.optim.SourceClocks;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The state {@link BsshslmEpropRule} keeps for one (projection, part): per source (indexed by the source's local
 * index, because every synapse of a source sees the same events) the stamp of the last transmitted spike, the flush
 * flag, the previous and next update times, the trigger time, the inter-spike intervals of the open interval and the
 * optimizer clock; per synapse, off-heap, the gradient accumulator, the optimizer's cumulative gradient and Adam's
 * moments. Owned by the worker of its part.
 */
final class BsshslmSources {

    final long[] tLast;
    final boolean[] prevFlush;
    final long[] tPrevUpdate;
    final long[] tNextUpdate;
    final long[] tTrigger;
    final int[][] isi;
    final int[] isiCount;
    final SourceClocks clocks;
    final MemorySegment grad;
    final MemorySegment acc;
    /** Adam's moments; null for gradient descent. */
    final MemorySegment m;
    final MemorySegment v;

    BsshslmSources(int sources, long interval, double eta, MemorySegment grad, MemorySegment acc, MemorySegment m,
                   MemorySegment v) {
        tLast = new long[sources];
        prevFlush = new boolean[sources];
        tPrevUpdate = new long[sources];
        tNextUpdate = new long[sources];
        Arrays.fill(tNextUpdate, interval); // NEST's copy constructor sets the interval
        tTrigger = new long[sources];
        isi = new int[sources][];
        isiCount = new int[sources];
        clocks = new SourceClocks(sources, eta);
        this.grad = grad;
        this.acc = acc;
        this.m = m;
        this.v = v;
    }

    /** Appends an inter-spike interval of {@code d} steps to the open interval of {@code src}. */
    void pushIsi(int src, long d) {
        int[] a = isi[src];
        int n = isiCount[src];
        if (a == null) {
            a = new int[8];
            isi[src] = a;
        } else if (n == a.length) {
            a = Arrays.copyOf(a, n * 2);
            isi[src] = a;
        }
        a[n] = Math.toIntExact(d);
        isiCount[src] = n + 1;
    }

    void writeState(StateWriter out) {
        out.putLongs(tLast);
        out.putBooleans(prevFlush);
        out.putLongs(tPrevUpdate);
        out.putLongs(tNextUpdate);
        out.putLongs(tTrigger);
        out.putInts(isiCount);
        for (int src = 0; src < isiCount.length; src++) {
            if (isiCount[src] > 0) {
                out.putInts(isi[src], 0, isiCount[src]);
            }
        }
        clocks.write(out);
        out.putSegment(grad);
        out.putSegment(acc);
        out.putSegment(m);
        out.putSegment(v);
    }

    void readState(StateReader in) throws CheckpointException {
        in.readLongs(tLast, "last spike times");
        in.readBooleans(prevFlush, "flush flags");
        in.readLongs(tPrevUpdate, "previous update times");
        in.readLongs(tNextUpdate, "next update times");
        in.readLongs(tTrigger, "trigger times");
        in.readInts(isiCount, "inter-spike interval counts");
        for (int src = 0; src < isiCount.length; src++) {
            isi[src] = isiCount[src] > 0 ? in.getInts("inter-spike intervals") : null;
            if (isi[src] != null && isi[src].length != isiCount[src]) {
                throw new CheckpointException(CheckpointException.Kind.INCOMPATIBLE_SHAPE, "source " + src
                    + ": " + isi[src].length + " inter-spike intervals, count " + isiCount[src]);
            }
        }
        clocks.read(in);
        in.readSegment(grad, "gradients");
        in.readSegment(acc, "accumulators");
        in.readSegment(m, "Adam first moments");
        in.readSegment(v, "Adam second moments");
    }

    /** Off-heap bytes of the per-synapse columns. */
    long synapseBytes() {
        long b = 0;
        for (MemorySegment seg : new MemorySegment[] {grad, acc, m, v}) {
            b += seg == null ? 0 : seg.byteSize();
        }
        return b;
    }
}
