package io.spikestream.plasticity.eventprop;

import io.spikestream.network.Connectivity;
import io.spikestream.network.InputPopulation;
import io.spikestream.network.Network;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.TimeGrid;
import io.spikestream.network.WeightInit;
import io.spikestream.plasticity.optim.OptimizerSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A stream of windows for EventProp tests: each 50 ms window shows one of two frozen input patterns (seeded), the
 * network runs on without resets, the targets depend on the pattern. h = 0.5 ms keeps the tests fast.
 */
final class EventPropTasks implements AutoCloseable {

    static final double H = 0.5;
    static final int WINDOW = 100; // steps = 50 ms
    static final int INPUTS = 20;

    final Network net;
    final EventPropRule rule;
    final Population hidden;
    final Population out;
    final int[] pattern;
    final List<Projection> plastic = new ArrayList<>();
    final List<Double> losses = new ArrayList<>();
    final EventPropLoss loss;

    /** @param targets per pattern, the target array of the window */
    EventPropTasks(long seed, int threads, EventPropLoss loss, OptimizerSpec opt, int nOut, double[][] targets,
                   int windows, boolean plasticSynapses) {
        this.loss = loss;
        net = new Network(TimeGrid.of(H), threads, seed);
        rule = EventPropRule.install(net, EventPropConfig.of(WINDOW * H, loss, opt));
        SplittableRandom rng = new SplittableRandom(seed);
        pattern = new int[windows + 1];
        for (int k = 0; k < pattern.length; k++) {
            pattern[k] = rng.nextInt(2);
        }
        // per pattern, per input: spike steps within the first 30 ms of the window
        int[][][] times = new int[2][INPUTS][];
        for (int p = 0; p < 2; p++) {
            for (int i = 0; i < INPUTS; i++) {
                times[p][i] = rng.ints(1 + rng.nextInt(3), 1, 60).sorted().toArray();
            }
        }
        InputPopulation in = (InputPopulation) net.create("parrot_neuron", INPUTS);
        in.setDrive((t, local, mult) -> {
            int k = (int) ((t + 1) / WINDOW); // the window the spike arrives in
            int s = (int) ((t + 1) % WINDOW);
            if (k >= pattern.length) {
                return 0;
            }
            int n = 0;
            for (int i = 0; i < INPUTS; i++) {
                for (int x : times[pattern[k]][i]) {
                    if (x == s) {
                        local[n] = i;
                        mult[n++] = 1;
                        break;
                    }
                }
            }
            return n;
        });
        String syn = plasticSynapses ? EventPropRule.SYNAPSE : "static_synapse";
        hidden = net.create("lif_psc_exp", 16);
        out = net.create(loss.spikingReadout() ? "lif_psc_exp" : "li_psc_exp", nOut);
        plastic.add(net.connect(in, hidden, Connectivity.allToAll(),
            SynapseSpec.of(syn).weight(WeightInit.normal(1.0, 1.0)).delay(H)));
        plastic.add(net.connect(hidden, out, Connectivity.allToAll(),
            SynapseSpec.of(syn).weight(WeightInit.normal(0.5, 0.5)).delay(H)));
        if (plasticSynapses) {
            rule.setOutput(out, (k, start, end, target) -> {
                System.arraycopy(targets[pattern[(int) k]], 0, target, 0, target.length);
                return true;
            });
            net.addStepObserver(t -> {
                if ((t + 1) % WINDOW == 0) {
                    losses.add(rule.lastLoss());
                }
            });
        }
    }

    double meanLoss(int from, int to) {
        return losses.subList(from, to).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }

    double[] weights() {
        List<Double> w = new ArrayList<>();
        for (Projection p : plastic) {
            double[][] m = new double[p.source().size()][p.target().size()];
            p.forEachSynapse((part, syn, s, t, x) -> m[s][t] = x);
            for (double[] row : m) {
                for (double x : row) {
                    w.add(x);
                }
            }
        }
        return w.stream().mapToDouble(Double::doubleValue).toArray();
    }

    @Override
    public void close() {
        net.close();
    }
}
