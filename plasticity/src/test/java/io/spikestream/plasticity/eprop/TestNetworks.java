package io.spikestream.plasticity.eprop;

import io.spikestream.network.Connectivity;
import io.spikestream.network.InputPopulation;
import io.spikestream.network.Network;
import io.spikestream.network.PoissonDrive;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.network.ReadoutPopulation;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.TimeGrid;
import io.spikestream.network.WeightInit;
import io.spikestream.plasticity.optim.OptimizerSpec;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A small random e-prop network (Poisson inputs, recurrent LIF, readouts learning sines) for behaviour tests. */
final class TestNetworks {

    final Network net;
    final EpropRule rule;
    final FastEpropRule fast;
    final InputPopulation in;
    final Population rec;
    final ReadoutPopulation out;
    final List<Projection> plastic = new ArrayList<>();

    TestNetworks(long seed, int threads, OptimizerSpec spec, double windowFrom, boolean dale, Map<String, Object> recParams) {
        this(seed, threads, spec, windowFrom, dale, recParams, false);
    }

    TestNetworks(long seed, int threads, OptimizerSpec spec, double windowFrom, boolean dale, Map<String, Object> recParams,
                 boolean useFast) {
        this(seed, threads, spec, windowFrom, dale, recParams, useFast, Map.of());
    }

    /** @param outParams parameters of the readouts beyond the defaults (e.g. a finite eprop_isi_trace_cutoff) */
    TestNetworks(long seed, int threads, OptimizerSpec spec, double windowFrom, boolean dale, Map<String, Object> recParams,
                 boolean useFast, Map<String, Object> outParams) {
        this(seed, threads, spec, windowFrom, dale, recParams, useFast, outParams, 40);
    }

    /** @param recSize recurrent neurons (40 by default; from 64 on, 2 workers split it by cost, see WorkerSplit) */
    TestNetworks(long seed, int threads, OptimizerSpec spec, double windowFrom, boolean dale, Map<String, Object> recParams,
                 boolean useFast, Map<String, Object> outParams, int recSize) {
        net = new Network(TimeGrid.of(1.0), threads, seed);
        if (useFast) {
            fast = FastEpropRule.install(net, spec);
            rule = null;
        } else {
            fast = null;
            rule = EpropRule.install(net, spec);
            rule.enforceDale(dale);
        }
        in = (InputPopulation) net.create("parrot_neuron", 20);
        in.setDrive(new PoissonDrive(20, 50.0, 1.0, seed + 1));
        Map<String, Object> p = new java.util.HashMap<>(Map.of("C_m", 1.0, "E_L", 0.0, "V_m", 0.0, "V_th", 0.03,
            "tau_m", 20.0, "t_ref", 2.0, "surrogate_gradient_height", 1.0, "surrogate_gradient_width", 0.03, "c_reg", 0.0,
            "eprop_isi_trace_cutoff", 50.0));
        p.putAll(recParams);
        rec = net.create("eprop_iaf", recSize, p);
        Map<String, Object> op = new java.util.HashMap<>(Map.of("C_m", 1.0, "E_L", 0.0, "V_m", 0.0, "tau_m", 20.0));
        op.putAll(outParams);
        out = (ReadoutPopulation) net.create("eprop_readout", 3, op);
        double s = dale ? 0.0 : 0.02;
        plastic.add(net.connect(in, rec, Connectivity.allToAll(),
            SynapseSpec.of(EpropRule.SYNAPSE).weight(dale ? WeightInit.uniform(0.0, 0.04) : WeightInit.normal(0.0, 0.02))));
        plastic.add(net.connect(rec, rec, Connectivity.pairwiseBernoulli(0.3, false),
            SynapseSpec.of(EpropRule.SYNAPSE).weight(dale ? WeightInit.uniform(0.0, 0.01) : WeightInit.normal(0.0, s))));
        plastic.add(net.connect(rec, out, Connectivity.allToAll(),
            SynapseSpec.of(EpropRule.SYNAPSE).weight(dale ? WeightInit.uniform(0.0, 0.02) : WeightInit.normal(0.0, 0.02))));
        net.connect(out, rec, Connectivity.allToAll(), SynapseSpec.of(EpropRule.LEARNING_SIGNAL).weight(WeightInit.normal(0, 1)));
        out.setDrive((t, from, to, target, window) -> {
            for (int j = from; j < to; j++) {
                target[j] = Math.sin(2 * Math.PI * t / 200.0 + j);
                window[j] = t >= windowFrom ? 1.0 : 0.0;
            }
        });
    }

    static TestNetworks standard(long seed, int threads, OptimizerSpec spec) {
        return new TestNetworks(seed, threads, spec, 2, false, Map.of());
    }

    /** All plastic weights, in a canonical order (projection, part, row, synapse). */
    double[] weights() {
        List<Double> w = new ArrayList<>();
        for (Projection p : plastic) {
            // canonical: by (source, target) regardless of how parts split the targets
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
}
