package io.spikestream.plasticity.superspike;

import io.spikestream.network.Connectivity;
import io.spikestream.network.InputDrive;
import io.spikestream.network.InputPopulation;
import io.spikestream.network.Network;
import io.spikestream.network.Population;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.TimeGrid;
import io.spikestream.network.WeightInit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** The paper's tasks (spec §A.6) at test size: frozen Poisson patterns, target trains, seeded everything. */
final class SuperSpikeTasks {

    static final double H = 0.1;

    private SuperSpikeTasks() {
    }

    /** A frozen spike pattern: per input neuron the steps (within one period) it fires at, replayed every period. */
    static final class Frozen implements InputDrive {
        final int[][] byStep; // step within the period -> neurons (ascending)
        final int period;

        Frozen(List<List<Integer>> perStep, int period) {
            this.period = period;
            byStep = new int[period][];
            for (int s = 0; s < period; s++) {
                byStep[s] = perStep.get(s).stream().mapToInt(Integer::intValue).sorted().toArray();
            }
        }

        static Frozen poisson(int n, double rateHz, int period, SplittableRandom rng) {
            double p = rateHz * H / 1000.0;
            List<List<Integer>> perStep = new ArrayList<>();
            for (int s = 0; s < period; s++) {
                List<Integer> l = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    if (rng.nextDouble() < p) {
                        l.add(i);
                    }
                }
                perStep.add(l);
            }
            return new Frozen(perStep, period);
        }

        @Override
        public int spikesAt(long t, int[] local, int[] mult) {
            int[] s = byStep[(int) (t % period)];
            for (int q = 0; q < s.length; q++) {
                local[q] = s[q];
                mult[q] = 1;
            }
            return s.length;
        }
    }

    /** Task 1: 100 frozen Poisson inputs, one output, a target of 5 equidistant spikes every 500 ms period. */
    static final class SingleNeuron implements AutoCloseable {
        static final int PERIOD = 5000; // steps = 500 ms
        static double RATE = 10.0;
        final Network net;
        final SuperSpikeRule rule;
        final Population out;

        SingleNeuron(long seed, SuperSpikeConfig cfg) {
            net = new Network(TimeGrid.of(H), 1, seed);
            rule = SuperSpikeRule.install(net, cfg);
            SplittableRandom rng = new SplittableRandom(seed);
            InputPopulation in = (InputPopulation) net.create("parrot_neuron", 100);
            in.setDrive(Frozen.poisson(100, RATE, PERIOD, rng));
            out = net.create("iaf_psc_exp_euler", 1);
            net.connect(in, out, Connectivity.allToAll(), SynapseSpec.of(SuperSpikeRule.SYNAPSE)
                .weight(WeightInit.normal(0.0, 50.0 / Math.sqrt(100))).delay(H));
            int[] target = {500, 1500, 2500, 3500, 4500};
            rule.setTarget(out, (t, local, mult) -> {
                int s = (int) (t % PERIOD);
                for (int x : target) {
                    if (x == s) {
                        local[0] = 0;
                        mult[0] = 1;
                        return 1;
                    }
                }
                return 0;
            });
        }

        /** Runs {@code trials} periods; returns the van Rossum distance of each. */
        double[] train(int trials) {
            double[] d = new double[trials];
            for (int k = 0; k < trials; k++) {
                rule.resetLoss();
                net.simulateSteps(PERIOD);
                d[k] = rule.vanRossumDistance(out);
            }
            return d;
        }

        @Override
        public void close() {
            net.close();
        }
    }

    static double mean(double[] a, int from, int to) {
        return Arrays.stream(a, from, to).average().orElseThrow();
    }

    /**
     * Task 3, spiking XOR: a reference group of inputs fires a fixed random pattern in the first 10 ms of every
     * 50 ms trial; groups A and B (present or not) fire a volley at 4 ms. Class 1 = exactly one of A, B. Output c
     * must fire once, 25 ms into the trial, for class c and stay silent otherwise. Because A and B arrive together,
     * an output's membrane before its first spike is U0(t) + a·c_A·K(t) + b·c_B·K(t) for one kernel K: no single
     * layer separates {(1,0), (0,1)} from {(0,0), (1,1)}, whatever its weights.
     */
    static final class Xor implements AutoCloseable {
        static final int TRIAL = 500; // steps = 50 ms
        static int TARGET_STEP = 150;
        static final int REF = 20;
        static final int GROUP = 10;
        final Network net;
        final SuperSpikeRule rule;
        final Population out;
        final int[] patterns;
        final SpikeRecorderView outSpikes;
        Population hid;

        Xor(long seed, int hidden, SuperSpikeConfig cfg, int trials) {
            this(seed, hidden, cfg, trials, 1);
        }

        Xor(long seed, int hidden, SuperSpikeConfig cfg, int trials, int threads) {
            net = new Network(TimeGrid.of(H), threads, seed);
            rule = SuperSpikeRule.install(net, cfg);
            SplittableRandom rng = new SplittableRandom(seed);
            patterns = new int[trials];
            for (int k = 0; k < trials; k++) {
                patterns[k] = rng.nextInt(4); // bit 0: A present, bit 1: B present
            }
            int[] refStep = new int[REF];
            for (int i = 0; i < REF; i++) {
                refStep[i] = rng.nextInt(100);
            }
            InputPopulation in = (InputPopulation) net.create("parrot_neuron", REF + 2 * GROUP);
            in.setDrive((t, local, mult) -> {
                int k = (int) (t / TRIAL);
                int s = (int) (t % TRIAL);
                if (k >= patterns.length) {
                    return 0;
                }
                int n = 0;
                for (int i = 0; i < REF; i++) {
                    if (refStep[i] == s) {
                        local[n] = i;
                        mult[n++] = 1;
                    }
                }
                if (s == 40) {
                    for (int g = 0; g < 2; g++) {
                        if ((patterns[k] >> g & 1) == 1) {
                            for (int i = 0; i < GROUP; i++) {
                                local[n] = REF + g * GROUP + i;
                                mult[n++] = 1;
                            }
                        }
                    }
                }
                return n;
            });
            out = net.create("iaf_psc_exp_euler", 2);
            int nIn = REF + 2 * GROUP;
            net.connect(in, out, Connectivity.allToAll(), SynapseSpec.of(SuperSpikeRule.SYNAPSE)
                .weight(WeightInit.normal(0.0, 50.0 / Math.sqrt(nIn + hidden))).delay(H));
            if (hidden > 0) {
                hid = net.create("iaf_psc_exp_euler", hidden);
                net.connect(in, hid, Connectivity.allToAll(), SynapseSpec.of(SuperSpikeRule.SYNAPSE)
                    .weight(WeightInit.normal(0.0, 50.0 / Math.sqrt(nIn))).delay(H));
                net.connect(hid, out, Connectivity.allToAll(), SynapseSpec.of(SuperSpikeRule.SYNAPSE)
                    .weight(WeightInit.normal(0.0, 50.0 / Math.sqrt(nIn + hidden))).delay(H));
            }
            rule.setTarget(out, (t, local, mult) -> {
                int k = (int) (t / TRIAL);
                if (k >= patterns.length || t % TRIAL != TARGET_STEP) {
                    return 0;
                }
                int p = patterns[k];
                local[0] = (p == 1 || p == 2) ? 1 : 0;
                mult[0] = 1;
                return 1;
            });
            outSpikes = new SpikeRecorderView(net.recordSpikes(out, 0, 1e12), out.globalOffset());
        }

        /** Correct trials among [from, to): the right output fired, the other did not. */
        double accuracy(int from, int to) {
            int[][] counts = new int[patterns.length][2];
            for (int i = 0; i < outSpikes.recorder.count(); i++) {
                long step = outSpikes.recorder.stamp(i) - 1;
                int k = (int) (step / TRIAL);
                if (k < patterns.length) {
                    counts[k][outSpikes.recorder.sender(i) - outSpikes.offset]++;
                }
            }
            int ok = 0;
            for (int k = from; k < to; k++) {
                int c = (patterns[k] == 1 || patterns[k] == 2) ? 1 : 0;
                if (counts[k][c] > 0 && counts[k][1 - c] == 0) {
                    ok++;
                }
            }
            return ok / (double) (to - from);
        }

        /** All plastic weights in canonical (projection, source, target) order. */
        double[] weights() {
            List<Double> w = new ArrayList<>();
            for (io.spikestream.network.Projection p : net.projections()) {
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

    record SpikeRecorderView(io.spikestream.network.SpikeRecorder recorder, int offset) {
    }
}
