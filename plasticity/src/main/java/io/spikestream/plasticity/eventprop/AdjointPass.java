package io.spikestream.plasticity.eventprop;

import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.network.SynapseLayout;

import java.lang.foreign.MemorySegment;

/**
 * The backward pass of {@link EventPropRule} at the end of a window (spec §B.2-§B.4): the loss and its derivatives
 * from the window's output summaries, then the adjoint from λ = 0 at the window end, event by event in descending step
 * order (at each step: the backward sums of the spiking neurons, then the credits to their outgoing synapses, then the
 * jumps of λ_V), each neuron's (λ_V, λ_I) carried in closed form between the events that touch it. Holds the output
 * side of the last window (summaries, loss derivatives, spike counts, first spikes), which checkpoints keep.
 * Runs on one thread.
 */
final class AdjointPass {

    private final AdjointNeurons[] neuronsByPop;
    private final EventPropSynapses[][] outgoing;
    private final EventPropSynapses[] projs;
    private final SpikeTape tape;
    private final Population output;
    private final EventPropConfig config;
    private final double h;
    final double[] summary;
    final double[] dLoss;
    final int[] outCount;
    final int[] outFirst;
    private final double[] lam = new double[2];
    private double[] back = new double[16];

    AdjointPass(AdjointNeurons[] neuronsByPop, EventPropSynapses[][] outgoing, EventPropSynapses[] projs, SpikeTape tape,
                Population output, EventPropConfig config, double h) {
        this.neuronsByPop = neuronsByPop;
        this.outgoing = outgoing;
        this.projs = projs;
        this.tape = tape;
        this.output = output;
        this.config = config;
        this.h = h;
        int nOut = output.size();
        summary = new double[nOut];
        dLoss = new double[nOut];
        outCount = new int[nOut];
        outFirst = new int[nOut];
    }

    /**
     * The adjoint of window {@code k} ([start, end)) over the tape's events [from, to): fills every synapse's gradient
     * and returns the window's loss.
     *
     * @param integral ∫V of each output neuron over the window (leaky-integrator outputs)
     * @param target   the window's targets, one per output neuron
     */
    double run(long k, long start, long end, int from, int to, double[] integral, double[] target) {
        AdjointNeurons out = neuronsByPop[output.index()];
        java.util.Arrays.fill(outCount, 0);
        java.util.Arrays.fill(outFirst, -1);
        for (int e = from; e < to; e++) {
            if (tape.pop[e] == output.index()) {
                int j = tape.local[e];
                if (outCount[j]++ == 0) {
                    outFirst[j] = e;
                }
            }
        }
        double window = (end - start) * h;
        for (int j = 0; j < summary.length; j++) {
            summary[j] = switch (config.loss()) {
                case VOLTAGE_INTEGRAL_MSE, VOLTAGE_AVERAGE_CROSS_ENTROPY -> integral[j];
                case FIRST_SPIKE_MSE -> outFirst[j] < 0 ? Double.NaN : (tape.step[outFirst[j]] - start) * h;
                case SPIKE_COUNT_MSE -> outCount[j];
            };
        }
        double loss = config.loss().evaluate(summary, target, window, dLoss);
        for (int j = 0; j < summary.length; j++) {
            out.drive[j] = config.loss().spikingReadout() ? 0.0 : -dLoss[j];
        }
        for (EventPropSynapses q : projs) {
            for (int p = 0; p < q.grad.length; p++) {
                q.grad[p].fill((byte) 0);
            }
        }
        // events in descending step order, one step at a time: backs first, then credits, then jumps
        int e = to - 1;
        while (e >= from) {
            long n = tape.step[e];
            int g0 = e;
            while (g0 - 1 >= from && tape.step[g0 - 1] == n) {
                g0--;
            }
            int size = e - g0 + 1;
            if (back.length < size) {
                back = new double[Math.max(size, back.length * 2)];
            }
            for (int q = g0; q <= e; q++) {
                AdjointNeurons src = neuronsByPop[tape.pop[q]];
                back[q - g0] = src.input ? 0.0 : backSum(tape.pop[q], tape.local[q], n, k, end);
            }
            for (int q = g0; q <= e; q++) {
                AdjointNeurons src = neuronsByPop[tape.pop[q]];
                if (!src.input && n + 1 >= end) {
                    continue; // fired in the last step: reaches its targets after the window
                }
                credit(tape.pop[q], tape.local[q], n, k, end);
            }
            for (int q = g0; q <= e; q++) {
                AdjointNeurons src = neuronsByPop[tape.pop[q]];
                if (src.input) {
                    continue;
                }
                int j = tape.local[q];
                bring(src, j, n, k, end);
                double extra = back[q - g0];
                if (src.pop == output) {
                    if (config.loss() == EventPropLoss.FIRST_SPIKE_MSE && outFirst[j] == q) {
                        extra += dLoss[j];
                    }
                }
                LifDynamics d = src.dynamics;
                double lv = src.lambdaV[j];
                lv = lv + ((d.threshold() - d.reset()) * lv + extra) / tape.currentMinusVoltage[q];
                if (src.pop == output && config.loss() == EventPropLoss.SPIKE_COUNT_MSE) {
                    lv -= config.countStrength() * dLoss[j]; // mlGeNN's count regulariser, not a gradient
                }
                src.lambdaV[j] = lv;
            }
            e = g0 - 1;
        }
        return loss;
    }

    /** Brings neuron j's adjoint to step n (from the window end with λ = 0 if it is not yet in this window). */
    private void bring(AdjointNeurons nn, int j, long n, long k, long end) {
        if (nn.window[j] != k) {
            nn.window[j] = k;
            nn.lambdaV[j] = 0.0;
            nn.lambdaI[j] = 0.0;
            nn.at[j] = end;
        }
        long steps = nn.at[j] - n;
        if (steps > 0) {
            nn.dynamics.propagateAdjoint(nn.lambdaV[j], nn.lambdaI[j], steps * h, nn.drive[j], lam);
            nn.lambdaV[j] = lam[0];
            nn.lambdaI[j] = lam[1];
            nn.at[j] = n;
        }
    }

    /** Σ_m w_mj (λ_V,m − λ_I,m) at step n over the EventProp synapses leaving neuron j of population p. */
    private double backSum(int p, int j, long n, long k, long end) {
        double s = 0;
        for (EventPropSynapses q : outgoing[p]) {
            Projection pr = q.projection;
            for (int part = 0; part < pr.parts(); part++) {
                Projection.Part pt = pr.part(part);
                for (long i = pt.rowStart(j), e = pt.rowEnd(j); i < e; i++) {
                    int m = pt.target(i);
                    bring(q.post, m, n, k, end);
                    s += pt.weight(i) * (q.post.lambdaV[m] - q.post.lambdaI[m]);
                }
            }
        }
        return s;
    }

    /** dL/dw_mj += −τ_s λ_I,m at step n for every EventProp synapse leaving neuron j of population p. */
    private void credit(int p, int j, long n, long k, long end) {
        for (EventPropSynapses q : outgoing[p]) {
            Projection pr = q.projection;
            double tauS = q.post.dynamics.tauS();
            for (int part = 0; part < pr.parts(); part++) {
                Projection.Part pt = pr.part(part);
                MemorySegment g = q.grad[part];
                for (long i = pt.rowStart(j), e = pt.rowEnd(j); i < e; i++) {
                    int m = pt.target(i);
                    bring(q.post, m, n, k, end);
                    g.setAtIndex(SynapseLayout.STATE, i, g.getAtIndex(SynapseLayout.STATE, i) - tauS * q.post.lambdaI[m]);
                }
            }
        }
    }
}
