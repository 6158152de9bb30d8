package io.spikestream.benchmarks;

import io.spikestream.network.Connectivity;
import io.spikestream.network.InputPopulation;
import io.spikestream.network.Network;
import io.spikestream.network.PlasticityRule;
import io.spikestream.network.PoissonDrive;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.network.ReadoutPopulation;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.TimeGrid;
import io.spikestream.network.WeightInit;
import io.spikestream.plasticity.eprop.EpropRule;
import io.spikestream.plasticity.eprop.FastEpropRule;
import io.spikestream.plasticity.optim.OptimizerSpec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark network of {@code shared/bench/README.md}: 100 Poisson(20 Hz) inputs, N_rec eprop_iaf
 * (recurrent p = 0.1 without autapses, or fixed in-degree K), 10 readouts learning phase-shifted sines with
 * feedback, Adam (eta = 1e-4 (1 - kappa)^2, optimize_each_step false), learning from t = 0.
 */
public final class BenchNetwork {

    public enum Mode { NEST, FAST }

    public final Network net;
    public final PlasticityRule rule;
    public final Population rec;
    public final InputPopulation in;
    public final ReadoutPopulation out;
    public final List<Projection> plastic = new ArrayList<>();

    /**
     * @param indegree  K for fixed_indegree, or 0 to use pairwise_bernoulli with {@code p}
     * @param etaOrDefault Adam's learning rate, or <= 0 for the benchmark's 1e-4 (1 - kappa)^2
     * @param silent    extra plastic neurons that never spike and receive no spikes (a silent input population feeds
     *                  them with K = 100 plastic synapses each), to show that cost follows spikes, not neurons
     */
    public BenchNetwork(int nRec, double p, int indegree, int threads, Mode mode, boolean adamCatchUp, long seed, int silent,
                        double etaOrDefault) {
        this(nRec, p, indegree, threads, mode, adamCatchUp, seed, silent, etaOrDefault, 0);
    }

    /**
     * @param frozenInputMs when > 0, the inputs replay one frozen Poisson pattern of this length
     *                      ({@link FrozenPoissonDrive}; 1000 = the targets' period: a learnable task); 0: fresh Poisson
     */
    public BenchNetwork(int nRec, double p, int indegree, int threads, Mode mode, boolean adamCatchUp, long seed, int silent,
                        double etaOrDefault, double frozenInputMs) {
        double kappa = 0.97;
        net = new Network(TimeGrid.of(1.0), threads, seed);
        double eta = etaOrDefault > 0 ? etaOrDefault : 1e-4 * (1 - kappa) * (1 - kappa);
        OptimizerSpec spec = OptimizerSpec.adam(eta).withOptimizeEachStep(false)
            .withAdamCatchUp(adamCatchUp);
        rule = mode == Mode.NEST ? EpropRule.install(net, spec) : FastEpropRule.install(net, spec);
        in = (InputPopulation) net.create("in", "parrot_neuron", 100, Map.of());
        in.setDrive(frozenInputMs > 0
            ? new FrozenPoissonDrive(100, 20.0, 1.0, seed ^ 0x5EED, (int) Math.round(frozenInputMs))
            : new PoissonDrive(100, 20.0, 1.0, seed ^ 0x5EED));
        Map<String, Object> rp = new HashMap<>(Map.ofEntries(Map.entry("C_m", 1.0), Map.entry("E_L", 0.0), Map.entry("I_e", 0.0),
            Map.entry("V_m", 0.0), Map.entry("V_th", 0.03), Map.entry("tau_m", 30.0), Map.entry("t_ref", 0.0),
            Map.entry("kappa", kappa), Map.entry("kappa_reg", kappa), Map.entry("surrogate_gradient_function", "piecewise_linear"),
            Map.entry("surrogate_gradient_height", 10.0), Map.entry("surrogate_gradient_width", 0.03),
            Map.entry("f_target", 10.0), Map.entry("c_reg", 0.3), Map.entry("eprop_isi_trace_cutoff", 100.0),
            Map.entry("flush_event_send_interval", 1000.0)));
        rec = net.create("rec", "eprop_iaf", nRec, rp);
        out = (ReadoutPopulation) net.create("out", "eprop_readout", 10, Map.of("C_m", 1.0, "E_L", 0.0, "I_e", 0.0, "V_m", 0.0,
            "tau_m", 30.0, "eprop_isi_trace_cutoff", 100.0));
        String syn = EpropRule.SYNAPSE;
        plastic.add(net.connect(in, rec, Connectivity.allToAll(),
            SynapseSpec.of(syn).weight(WeightInit.normal(0, (1 - kappa) / Math.sqrt(100)))));
        Connectivity recConn = indegree > 0 ? Connectivity.fixedIndegree(indegree, false) : Connectivity.pairwiseBernoulli(p, false);
        double fanIn = indegree > 0 ? indegree : p * nRec;
        plastic.add(net.connect(rec, rec, recConn, SynapseSpec.of(syn).weight(WeightInit.normal(0, (1 - kappa) / Math.sqrt(fanIn)))));
        plastic.add(net.connect(rec, out, Connectivity.allToAll(),
            SynapseSpec.of(syn).weight(WeightInit.normal(0, (1 - kappa) / Math.sqrt(nRec)))));
        net.connect(out, rec, Connectivity.allToAll(),
            SynapseSpec.of(EpropRule.LEARNING_SIGNAL).weight(WeightInit.normal(0, 1 / Math.sqrt(nRec))));
        if (silent > 0) {
            // neurons that never spike and receive no spikes, but are plastic targets like the others (each archives a
            // history every step): N doubles while spikes and synaptic events stay the same. Created last, so that
            // every random draw of the network above is the same with and without them (the same spikes)
            Map<String, Object> qp = new HashMap<>(rp);
            qp.put("V_th", 1e9);
            Population quietIn = net.create("silent_in", "parrot_neuron", silent, Map.of());
            Population quiet = net.create("silent", "eprop_iaf", silent, qp);
            plastic.add(net.connect(quietIn, quiet, Connectivity.fixedIndegree(100, false),
                SynapseSpec.of(syn).weight(WeightInit.normal(0, (1 - kappa) / Math.sqrt(100)))));
        }
        out.setDrive((t, from, to, target, window) -> {
            for (int k = from; k < to; k++) {
                target[k] = Math.sin(2 * Math.PI * t / 1000.0 + 2 * Math.PI * k / 10.0);
                window[k] = t >= 2 ? 1.0 : 0.0;
            }
        });
    }

    public long plasticSynapses() {
        long n = 0;
        for (Projection p : plastic) {
            n += p.size();
        }
        return n;
    }
}
