package io.spikestream.network;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

/**
 * NEST's {@code spike_generator} (3.10), one generator per local index: each scheduled spike time becomes one
 * event whose stamp is that time on the grid, emitted in the step before it (so a target with delay d takes
 * it in loop step {@code stamp + d - 1}, as in NEST). Coinciding times of one generator are several events
 * of multiplicity 1 each (or of the given multiplicities); they are not folded. A parrot that receives them
 * counts them and relays them as one event (see {@link InputPopulation}).
 *
 * <p>Times follow NEST's rules with {@code precise_times = false}: a time must be a multiple of the resolution
 * (in tics) unless {@code allow_offgrid_times}, which moves it to the end of its step; times must be
 * non-descending and not 0 (unless {@code shift_now_spikes}, which moves a spike at "now" one step on). A spike
 * is sent only while the generator is active: {@code origin + start < stamp <= origin + stop}, and only if its
 * stamp lies after the step being simulated (times in the past are skipped, as NEST does).
 *
 * <p>Its events are device events: the network delivers them before the neurons' events of the same stamp,
 * because NEST hands a device's spike to its targets during the device's own update, one step before the
 * neurons' spikes of that stamp are delivered; the order matters for the rounding of the targets' input sums.
 * Updated by worker 0 only.
 */
public final class SpikeGeneratorPopulation extends Population {

    /** The schedule: events sorted by (stamp, local index), a generator's coinciding events kept apart. */
    private long[] stamps = new long[0];
    private int[] locals = new int[0];
    private int[] mults = new int[0];
    private int cursor;
    /** The next loop step to simulate ("now" for {@code shift_now_spikes}). */
    private long now;
    private long tMin;
    private long tMax;
    private long originSteps;

    SpikeGeneratorPopulation(int index, String label, NeuronModel model, Params params, int size, int offset) {
        super(index, label, model, params, size, offset);
    }

    /** Sets the spike times (ms) of generator {@code local}, each with multiplicity 1 (NEST's {@code spike_times}). */
    public void setSpikeTimes(int local, double[] timesMs) {
        setSpikeTimes(local, timesMs, null);
    }

    /**
     * Sets the spike times (ms) of generator {@code local}, replacing its previous ones, with NEST's
     * {@code spike_multiplicities} (null: 1 each). Throws naming the generator and the time on a time NEST would
     * reject.
     */
    public void setSpikeTimes(int local, double[] timesMs, int[] multiplicities) {
        if (local < 0 || local >= size) {
            throw new IndexOutOfBoundsException("spike_generator " + label + ": index " + local + " of " + size);
        }
        if (multiplicities != null && multiplicities.length != timesMs.length) {
            throw new IllegalArgumentException("spike_generator " + label + "[" + local + "]: " + multiplicities.length
                + " multiplicities for " + timesMs.length + " spike times");
        }
        long[] own = new long[timesMs.length];
        for (int i = 0; i < timesMs.length; i++) {
            if (i > 0 && timesMs[i] < timesMs[i - 1]) {
                throw new IllegalArgumentException("spike_generator " + label + "[" + local + "]: spike times must be "
                    + "sorted in non-descending order (" + timesMs[i - 1] + " before " + timesMs[i] + ")");
            }
            if (multiplicities != null && multiplicities[i] < 1) {
                throw new IllegalArgumentException("spike_generator " + label + "[" + local + "]: multiplicity "
                    + multiplicities[i] + " of spike " + i + " must be >= 1");
            }
            own[i] = stampOf(timesMs[i], local);
        }
        // drop this generator's old entries, merge the new ones in (stamp, local) order, stable
        int keep = 0;
        for (int x : locals) {
            if (x != local) {
                keep++;
            }
        }
        int n = keep + own.length;
        long[] s = new long[n];
        int[] l = new int[n];
        int[] m = new int[n];
        int a = 0;
        int b = 0;
        int k = 0;
        while (k < n) {
            while (a < locals.length && locals[a] == local) {
                a++;
            }
            boolean takeOld = a < locals.length
                && (b >= own.length || stamps[a] < own[b] || stamps[a] == own[b] && locals[a] < local);
            if (takeOld) {
                s[k] = stamps[a];
                l[k] = locals[a];
                m[k++] = mults[a++];
            } else {
                s[k] = own[b];
                l[k] = local;
                m[k++] = multiplicities == null ? 1 : multiplicities[b];
                b++;
            }
        }
        stamps = s;
        locals = l;
        mults = m;
        // NEST restarts from the beginning and skips what lies in the past
        cursor = 0;
    }

    /** A spike time in ms as a stamp in steps (relative to origin), with NEST's grid rules. */
    private long stampOf(double t, int local) {
        if (!(t >= 0) || Double.isInfinite(t)) {
            throw new IllegalArgumentException("spike_generator " + label + "[" + local + "]: spike time " + t
                + " ms is not a finite non-negative time");
        }
        boolean shiftNow = params.b("shift_now_spikes");
        if (t == 0.0 && !shiftNow) {
            throw new IllegalArgumentException("spike_generator " + label + "[" + local + "]: spike time cannot be 0");
        }
        long perStep = grid.ticsPerStep();
        long tics = Math.round(t * TimeGrid.TICS_PER_MS);
        long stamp;
        if (tics % perStep == 0) {
            stamp = tics / perStep;
        } else if (params.b("allow_offgrid_times")) {
            stamp = tics / perStep + 1; // the end of the step the time lies in (NEST's Time::ms_stamp)
        } else {
            throw new IllegalArgumentException("spike_generator " + label + "[" + local + "]: time point " + t
                + " ms is not representable in the current resolution (set allow_offgrid_times)");
        }
        if (shiftNow && grid.steps(params.d("origin")) + stamp == now) {
            stamp++;
        }
        return stamp;
    }

    /** Scheduled events (all generators), for inspection and tests. */
    public int scheduled() {
        return stamps.length;
    }

    @Override
    protected void prepareState() {
        originSteps = grid.steps(params.d("origin"));
        tMin = originSteps + grid.steps(params.d("start"));
        long stop = grid.steps(params.d("stop"));
        tMax = stop == TimeGrid.NEVER ? TimeGrid.NEVER : originSteps + stop;
    }

    @Override
    void update(long t, int from, int to, StepEvents out) {
        now = t + 1;
        if (from >= to) {
            return;
        }
        // events with stamp t+1 leave in step t; stamps <= t lie in the past and are skipped
        long next = t + 1;
        while (cursor < stamps.length && originSteps + stamps[cursor] <= t) {
            cursor++;
        }
        while (cursor < stamps.length && originSteps + stamps[cursor] == next) {
            long stamp = next;
            if (tMin < stamp && stamp <= tMax) {
                out.spike(locals[cursor], mults[cursor]);
                lastEvent[locals[cursor]] = t;
            }
            cursor++;
        }
    }

    @Override
    protected void writeModelState(StateWriter out) {
        out.putLongs(stamps);
        out.putInts(locals);
        out.putInts(mults);
        out.putLongs(new long[] {cursor, now});
    }

    @Override
    protected void readModelState(StateReader in) throws CheckpointException {
        long[] s = in.getLongs("spike generator stamps");
        int[] l = in.getInts("spike generator indices");
        int[] m = in.getInts("spike generator multiplicities");
        long[] c = in.getLongs("spike generator position");
        if (l.length != s.length || m.length != s.length || c.length != 2 || c[0] < 0 || c[0] > s.length) {
            throw new CheckpointException(CheckpointException.Kind.CORRUPT, "spike generator " + label
                + ": inconsistent schedule");
        }
        for (int x : l) {
            if (x < 0 || x >= size) {
                throw new CheckpointException(CheckpointException.Kind.CORRUPT, "spike generator " + label
                    + ": index " + x + " of " + size);
            }
        }
        stamps = s;
        locals = l;
        mults = m;
        cursor = (int) c[0];
        now = c[1];
    }
}
