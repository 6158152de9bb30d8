package io.spikestream.plasticity.eventprop;

import io.spikestream.network.CurrentLifPopulation;
import io.spikestream.network.EventList;
import io.spikestream.network.InputPopulation;
import io.spikestream.network.Network;
import io.spikestream.network.NeuronModel;
import io.spikestream.network.PlasticityRule;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.network.SynapseLayout;
import io.spikestream.network.SynapseModel;
import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.Checkpointable;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;
import io.spikestream.plasticity.LearningRateControl;
import io.spikestream.plasticity.optim.OptimizerClock;
import io.spikestream.plasticity.optim.OptimizerSpec;
import io.spikestream.plasticity.optim.WeightOptimizer;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * EventProp (Wunderlich & Pehle 2021) on the engine's grid, window by window over a continuous stream (spec §B.6,
 * §B.8). The forward pass is the engine's own simulation of {@code lif_psc_exp} / {@code li_psc_exp} neurons
 * (mlGeNN's discretisation) and is never stopped or reset; the rule records on a tape only the spikes of the window
 * (step, neuron, I/β − V) and, for leaky-integrator outputs, ∫V. At the end of each window it runs the adjoint
 * backwards from λ = 0, event by event: a neuron's (λ_V, λ_I) is carried in closed form from one event that touches
 * it to the next (spec §B.2, exact over any number of steps), λ_V jumps at the neuron's own spikes by
 * [(ϑ − V_r)λ_V + Σ_m w_mn(λ_V,m − λ_I,m)]/(I/β − V) (§B.3, mlGeNN's denominator), and every presynaptic spike adds
 * −τ_s λ_I,post to its synapse's gradient (§B.4). Then the optimizer runs once; the tape is dropped.
 *
 * <p>Time convention (that of the spec's grid reference, Appendix B {@code grid()}): an input spike counts at the
 * step it reaches the network (its stamp), a neuron's spike at the step it fires; a neuron spike in a window's last
 * step reaches nothing inside the window and gets no credit. Approximations of windowing (§B.8): the adjoint is
 * truncated at the window end, and the window's initial state is taken as fixed.
 *
 * <p>Cost: O(spikes × fan-out) per window for the backward pass (independent of the window length), O(1) per
 * output neuron and step for ∫V; memory O(spikes per window). The backward pass runs on one thread, at the end of
 * the window's last step.
 */
public final class EventPropRule implements PlasticityRule, LearningRateControl, Checkpointable {

    public static final String SYNAPSE = "eventprop_synapse";

    private final EventPropConfig config;
    private final OptimizerSpec spec;
    private volatile double eta;
    private Population output;
    private WindowTargets targets;

    private Network network;
    private double h;
    private long windowSteps;
    private AdjointNeurons[] neuronsByPop;
    private EventPropSynapses[][] outgoing;
    private EventPropSynapses[] projs;
    private final SpikeTape tape = new SpikeTape();
    private double[] integral;
    private double[] target;
    private AdjointPass adjoint;
    private long supervisedWindows;
    private long windows;
    private double lastLoss = Double.NaN;
    private final OptimizerClock clock = new OptimizerClock();
    private final double[] opt = new double[3];

    private EventPropRule(EventPropConfig config) {
        this.config = config;
        this.spec = config.optimizer();
        this.eta = spec.eta();
    }

    /** Registers {@code eventprop_synapse} with {@code net}. */
    public static EventPropRule install(Network net, EventPropConfig config) {
        EventPropRule rule = new EventPropRule(config);
        net.registerSynapseModel(new SynapseModel(SYNAPSE, rule, true));
        return rule;
    }

    /** The population the loss is computed on, and its per-window targets. Call before the first simulate. */
    public void setOutput(Population out, WindowTargets windowTargets) {
        if (network != null) {
            throw new IllegalStateException("the output must be set before the network is prepared");
        }
        this.output = out;
        this.targets = windowTargets;
    }

    @Override
    public void setEta(double newEta) {
        if (!(newEta >= 0) || Double.isInfinite(newEta)) {
            throw new IllegalArgumentException("eta >= 0 required, got " + newEta);
        }
        eta = newEta;
    }

    @Override
    public double eta() {
        return eta;
    }

    // ------------------------------------------------------------------ state

    @Override
    public void attach(Network net) {
        network = net;
        h = net.grid().resolutionMs();
        windowSteps = net.grid().steps(config.windowMs());
        if (output == null) {
            throw new IllegalArgumentException("eventprop: no output population (setOutput)");
        }
        NeuronModel want = config.loss().spikingReadout() ? NeuronModel.LIF_PSC_EXP : NeuronModel.LI_PSC_EXP;
        if (output.model() != want) {
            throw new IllegalArgumentException("eventprop: loss " + config.loss() + " needs a " + want.nestName()
                + " output population, got " + output);
        }
        int nPops = net.populations().size();
        neuronsByPop = new AdjointNeurons[nPops];
        List<EventPropSynapses> list = new ArrayList<>();
        boolean adam = spec.type() == OptimizerSpec.Type.ADAM;
        for (Projection p : net.projections()) {
            if (!p.model().name().equals(SYNAPSE)) {
                continue;
            }
            if (p.uniformDelay() != 1) {
                throw new IllegalArgumentException(SYNAPSE + " requires a delay of exactly one step: " + p);
            }
            Population post = p.target();
            if (post.model() != NeuronModel.LIF_PSC_EXP && post.model() != NeuronModel.LI_PSC_EXP) {
                throw new IllegalArgumentException(SYNAPSE + " must target lif_psc_exp or li_psc_exp neurons: " + p);
            }
            Population pre = p.source();
            if (!(pre instanceof InputPopulation) && pre.model() != NeuronModel.LIF_PSC_EXP) {
                throw new IllegalArgumentException(SYNAPSE + " must start at parrot_neuron or lif_psc_exp neurons: " + p);
            }
            EventPropSynapses q = new EventPropSynapses();
            q.projection = p;
            q.post = neurons(post);
            neurons(pre);
            q.clockEta = spec.eta();
            int parts = p.parts();
            q.grad = new MemorySegment[parts];
            q.acc = new MemorySegment[parts];
            q.m = new MemorySegment[parts];
            q.v = new MemorySegment[parts];
            for (int k = 0; k < parts; k++) {
                long n = Math.max(1, p.part(k).nnz);
                q.grad[k] = net.arena().allocate(SynapseLayout.STATE, n);
                q.acc[k] = net.arena().allocate(SynapseLayout.STATE, n);
                if (adam) {
                    q.m[k] = net.arena().allocate(SynapseLayout.STATE, n);
                    q.v[k] = net.arena().allocate(SynapseLayout.STATE, n);
                }
                for (long i = 0; i < p.part(k).nnz; i++) {
                    double w = p.part(k).weight(i);
                    if (w < spec.wMin() || w > spec.wMax()) {
                        throw new IllegalArgumentException(SYNAPSE + ": initial weight " + w + " outside [Wmin, Wmax] in " + p);
                    }
                }
            }
            list.add(q);
        }
        if (neuronsByPop[output.index()] == null) {
            throw new IllegalArgumentException("eventprop: the output " + output + " receives no " + SYNAPSE);
        }
        projs = list.toArray(new EventPropSynapses[0]);
        outgoing = new EventPropSynapses[nPops][];
        for (int i = 0; i < nPops; i++) {
            final int pi = i;
            outgoing[i] = list.stream().filter(q -> q.projection.source().index() == pi).toArray(EventPropSynapses[]::new);
        }
        int nOut = output.size();
        integral = new double[nOut];
        target = new double[nOut];
        adjoint = new AdjointPass(neuronsByPop, outgoing, projs, tape, output, config, h);
    }

    private AdjointNeurons neurons(Population p) {
        AdjointNeurons n = neuronsByPop[p.index()];
        if (n == null) {
            n = new AdjointNeurons(p);
            neuronsByPop[p.index()] = n;
        }
        return n;
    }

    // ------------------------------------------------------------------ checkpoints

    @Override
    public String checkpointShape() {
        StringBuilder b = new StringBuilder(getClass().getName()).append(' ').append(config).append(" output=")
            .append(output.index()).append(" targets=")
            .append(targets instanceof Checkpointable c ? c.checkpointShape() : "stateless");
        for (AdjointNeurons n : neuronsByPop) {
            if (n != null) {
                b.append("\nneurons ").append(n.pop.index()).append(" n=").append(n.pop.size());
            }
        }
        for (EventPropSynapses q : projs) {
            b.append("\nprojection ").append(q.projection.index()).append(" adam=").append(q.m[0] != null);
        }
        return b.toString();
    }

    /**
     * Complete learning state: the learning rate in force; the window's tape (spikes since the window started) and
     * output accumulators, the window counters and last loss; per population the adjoints and their clocks; per
     * projection the optimizer clock and every per-synapse segment (gradient, accumulator, Adam moments); and the
     * targets' own state when they keep one.
     */
    @Override
    public void writeState(StateWriter out) {
        out.putDouble(eta);
        out.putLongs(tape.step, 0, tape.count);
        out.putInts(tape.pop, 0, tape.count);
        out.putInts(tape.local, 0, tape.count);
        out.putDoubles(tape.currentMinusVoltage, 0, tape.count);
        out.putDoubles(integral);
        out.putDoubles(target);
        out.putDoubles(adjoint.summary);
        out.putDoubles(adjoint.dLoss);
        out.putInts(adjoint.outCount);
        out.putInts(adjoint.outFirst);
        out.putLong(supervisedWindows);
        out.putLong(windows);
        out.putDouble(lastLoss);
        for (AdjointNeurons n : neuronsByPop) {
            if (n != null) {
                out.putDoubles(n.lambdaV);
                out.putDoubles(n.lambdaI);
                out.putLongs(n.at);
                out.putLongs(n.window);
                out.putDoubles(n.drive);
            }
        }
        for (EventPropSynapses q : projs) {
            out.putLong(q.clockK);
            out.putDouble(q.clockB1);
            out.putDouble(q.clockB2);
            out.putLong(q.clockN);
            out.putDouble(q.clockEta);
            for (int k = 0; k < q.grad.length; k++) {
                out.putSegment(q.grad[k]);
                out.putSegment(q.acc[k]);
                out.putSegment(q.m[k]);
                out.putSegment(q.v[k]);
            }
        }
        if (targets instanceof Checkpointable c) {
            c.writeState(out);
        }
    }

    @Override
    public void readState(StateReader in) throws CheckpointException {
        eta = in.getDouble();
        long[] steps = in.getLongs("tape steps");
        int[] pops = in.getInts("tape populations");
        int[] locals = in.getInts("tape neurons");
        double[] iv = in.getDoubles("tape jump denominators");
        if (pops.length != steps.length || locals.length != steps.length || iv.length != steps.length) {
            throw new CheckpointException(CheckpointException.Kind.INCOMPATIBLE_SHAPE, "eventprop tape columns of "
                + "different lengths: " + steps.length + ", " + pops.length + ", " + locals.length + ", " + iv.length);
        }
        tape.count = 0;
        for (int i = 0; i < steps.length; i++) {
            tape.add(steps[i], pops[i], locals[i], iv[i]);
        }
        in.readDoubles(integral, "output voltage integrals");
        in.readDoubles(target, "targets");
        in.readDoubles(adjoint.summary, "output summaries");
        in.readDoubles(adjoint.dLoss, "loss derivatives");
        in.readInts(adjoint.outCount, "output spike counts");
        in.readInts(adjoint.outFirst, "output first spikes");
        supervisedWindows = in.getLong();
        windows = in.getLong();
        lastLoss = in.getDouble();
        for (AdjointNeurons n : neuronsByPop) {
            if (n != null) {
                String at = "population " + n.pop.index() + ": ";
                in.readDoubles(n.lambdaV, at + "voltage adjoints");
                in.readDoubles(n.lambdaI, at + "current adjoints");
                in.readLongs(n.at, at + "adjoint steps");
                in.readLongs(n.window, at + "adjoint windows");
                in.readDoubles(n.drive, at + "adjoint drive");
            }
        }
        for (EventPropSynapses q : projs) {
            q.clockK = in.getLong();
            q.clockB1 = in.getDouble();
            q.clockB2 = in.getDouble();
            q.clockN = in.getLong();
            q.clockEta = in.getDouble();
            for (int k = 0; k < q.grad.length; k++) {
                String at = "projection " + q.projection.index() + " part " + k + ": ";
                in.readSegment(q.grad[k], at + "gradients");
                in.readSegment(q.acc[k], at + "accumulators");
                in.readSegment(q.m[k], at + "Adam first moments");
                in.readSegment(q.v[k], at + "Adam second moments");
            }
        }
        if (targets instanceof Checkpointable c) {
            c.readState(in);
        }
    }

    // ------------------------------------------------------------------ forward: tape and ∫V

    @Override
    public boolean onPresynapticEvent(int worker, Projection proj, Projection.Part part, int src, long stamp, boolean flush) {
        return true; // the tape is read from the merged event list at the end of the step
    }

    @Override
    public void afterUpdate(int worker, Population pop, int from, int to, long t) {
        if (pop == output && !config.loss().spikingReadout()) {
            double[] v = ((CurrentLifPopulation) pop).v();
            for (int j = from; j < to; j++) {
                integral[j] += v[j] * h;
            }
        }
    }

    @Override
    public void endStep(long t) {
        EventList ev = network.pendingEvents(); // emitted in step t, stamp t + 1
        // neurons' spikes count at step t, input spikes at t + 1: two passes keep the tape in step order
        for (int pass = 0; pass < 2; pass++) {
            for (int e = 0; e < ev.count(); e++) {
                AdjointNeurons n = neuronsByPop[ev.population(e)];
                if (n == null || ev.isFlush(e) || n.input != (pass == 1)) {
                    continue;
                }
                int j = ev.local(e);
                if (n.input) {
                    tape.add(t + 1, ev.population(e), j, 0.0);
                } else {
                    tape.add(t, ev.population(e), j, n.lif.currentMinusVoltage()[j]);
                }
            }
        }
        if ((t + 1) % windowSteps == 0) {
            long k = t / windowSteps;
            endWindow(k, k * windowSteps, (k + 1) * windowSteps);
        }
    }

    // ------------------------------------------------------------------ backward

    private void endWindow(long k, long start, long end) {
        windows++;
        int from = tape.firstAtOrAfter(start);
        int to = tape.firstAtOrAfter(end);
        boolean supervised = targets.fill(k, start, end, target);
        if (supervised) {
            lastLoss = adjoint.run(k, start, end, from, to, integral, target);
            supervisedWindows++;
            applyOptimizer();
        }
        tape.dropBefore(end);
        java.util.Arrays.fill(integral, 0.0);
    }

    /** One optimizer call per synapse with the window's gradient; the clock counts supervised windows. */
    private void applyOptimizer() {
        final boolean adam = spec.type() == OptimizerSpec.Type.ADAM;
        final double etaNow = eta;
        final long idx = supervisedWindows; // 1, 2, ...: with batch B an update every B windows
        for (EventPropSynapses q : projs) {
            Projection pr = q.projection;
            for (int part = 0; part < pr.parts(); part++) {
                Projection.Part pt = pr.part(part);
                for (long i = 0; i < pt.nnz; i++) {
                    clock.set(q.clockK, q.clockB1, q.clockB2, q.clockN, q.clockEta);
                    opt[0] = q.acc[part].getAtIndex(SynapseLayout.STATE, i);
                    if (adam) {
                        opt[1] = q.m[part].getAtIndex(SynapseLayout.STATE, i);
                        opt[2] = q.v[part].getAtIndex(SynapseLayout.STATE, i);
                    }
                    double w = WeightOptimizer.optimize(spec, etaNow, clock, idx,
                        q.grad[part].getAtIndex(SynapseLayout.STATE, i), pt.weight(i), opt);
                    pt.setWeight(i, w);
                    q.acc[part].setAtIndex(SynapseLayout.STATE, i, opt[0]);
                    if (adam) {
                        q.m[part].setAtIndex(SynapseLayout.STATE, i, opt[1]);
                        q.v[part].setAtIndex(SynapseLayout.STATE, i, opt[2]);
                    }
                }
            }
            q.clockK = clock.k;
            q.clockB1 = clock.b1pow;
            q.clockB2 = clock.b2pow;
            q.clockN = clock.nOptimize;
            q.clockEta = clock.etaCurrent;
        }
    }

    // ------------------------------------------------------------------ inspection

    /** dL/dw of synapse {@code syn} of part {@code k} in the last supervised window. */
    public double gradient(Projection proj, int k, long syn) {
        for (EventPropSynapses q : projs) {
            if (q.projection == proj) {
                return q.grad[k].getAtIndex(SynapseLayout.STATE, syn);
            }
        }
        throw new IllegalArgumentException(proj + " is not an " + SYNAPSE + " projection");
    }

    /** The loss of the last supervised window (NaN before the first). */
    public double lastLoss() {
        return lastLoss;
    }

    /** Windows completed so far. */
    public long windows() {
        return windows;
    }

    /** Spikes currently held by the tape (at most about one window's). */
    public int tapeLength() {
        return tape.count;
    }

    /** ∫V of output neuron j so far in the current window (leaky-integrator outputs). */
    public double integral(int j) {
        return integral[j];
    }

    /** Off-heap bytes of per-synapse learning state (excluding the engine's target index and weight). */
    public long synapseStateBytes() {
        long b = 0;
        for (EventPropSynapses q : projs) {
            for (MemorySegment[] cols : new MemorySegment[][] {q.grad, q.acc, q.m, q.v}) {
                for (MemorySegment seg : cols) {
                    b += seg == null ? 0 : seg.byteSize();
                }
            }
        }
        return b;
    }
}
