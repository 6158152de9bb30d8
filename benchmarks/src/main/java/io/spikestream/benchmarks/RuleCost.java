package io.spikestream.benchmarks;

import io.spikestream.network.Connectivity;
import io.spikestream.network.InputPopulation;
import io.spikestream.network.Network;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;
import io.spikestream.network.ReadoutDrive;
import io.spikestream.network.BsshslmReadoutPopulation;
import io.spikestream.network.ReadoutPopulation;
import io.spikestream.network.PoissonDrive;
import io.spikestream.network.SynapseSpec;
import io.spikestream.network.TimeGrid;
import io.spikestream.network.WeightInit;
import io.spikestream.plasticity.bsshslm.BsshslmConfig;
import io.spikestream.plasticity.bsshslm.BsshslmEpropRule;
import io.spikestream.plasticity.eprop.EpropRule;
import io.spikestream.plasticity.eprop.FastEpropRule;
import io.spikestream.plasticity.optim.OptimizerSpec;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The central claim of event-driven e-prop measured on this engine: the cost of the event-driven scheme follows
 * the spikes (synaptic events), the cost of the time-driven one follows synapses × time, as activity and connection
 * density vary. One network (N_in Poisson parrots → N_rec LIF, recurrent, → 4 readouts learning sines; in→rec and
 * rec→rec with probability p) is run with the same weights and inputs under
 *
 * <ul>
 *   <li>{@code static}: static synapses (what the simulation costs without learning),</li>
 *   <li>{@code event-nest}: {@link EpropRule}, NEST's event-driven e-prop (cutoff 100 ms, flush 1 s),</li>
 *   <li>{@code event-fast}: {@link FastEpropRule}, the same rule at O(1) per synaptic event,</li>
 *   <li>{@code time-driven}: {@link BsshslmEpropRule}, NEST's time-driven {@code *_bsshslm_2020} (update interval 1 s).</li>
 * </ul>
 *
 * Prints one {@code key=value} line per (rate, p, rule): wall seconds per simulated second (best of the
 * repetitions, one thread), spikes and synaptic events. {@code benchmarks/rule-cost.sh} runs it and
 * {@link RuleCostReport} turns the lines into the BENCHMARKS.md section and plot. Timing lives here only.
 *
 * <pre>
 *   RuleCost [--n-in 200] [--n-rec 400] [--rates 2,5,10,20,50] [--p 0.05,0.2,0.5] [--sim-ms 1500] [--warmup-ms 500] [--reps 3]
 * </pre>
 */
public final class RuleCost {

    enum Rule { STATIC, EVENT_NEST, EVENT_FAST, TIME_DRIVEN }

    public static void main(String[] args) {
        int nIn = 200;
        int nRec = 400;
        double[] rates = {1, 2, 5, 10, 20, 50};
        double[] ps = {0.05, 0.2, 0.5};
        double simMs = 1500;
        double warmupMs = 500;
        int reps = 3;
        for (int i = 0; i < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--n-in" -> nIn = Integer.parseInt(v);
                case "--n-rec" -> nRec = Integer.parseInt(v);
                case "--rates" -> rates = parse(v);
                case "--p" -> ps = parse(v);
                case "--sim-ms" -> simMs = Double.parseDouble(v);
                case "--warmup-ms" -> warmupMs = Double.parseDouble(v);
                case "--reps" -> reps = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        // JIT warm-up: every rule at a low and a high rate, results discarded (the first run of a rule is several
        // times slower than the next ones)
        for (double warm : new double[] {1.0, 20.0, 1.0, 20.0}) {
            for (Rule r : Rule.values()) {
                try (Network net = new Network(TimeGrid.of(1.0), 1, 7)) {
                    build(net, r, nIn, nRec, 0.2, warm);
                    net.simulate(1500.0);
                }
            }
        }
        for (double p : ps) {
            for (double rate : rates) {
                for (Rule r : Rule.values()) {
                    double best = Double.POSITIVE_INFINITY;
                    long spikes = 0;
                    long events = 0;
                    long synapses = 0;
                    for (int rep = 0; rep < reps; rep++) {
                        try (Network net = new Network(TimeGrid.of(1.0), 1, 7)) {
                            Population rec = build(net, r, nIn, nRec, p, rate);
                            net.simulate(warmupMs);
                            long s0 = net.spikeCount(rec);
                            long e0 = net.synapticEvents();
                            long t0 = System.nanoTime();
                            net.simulate(simMs);
                            double wall = (System.nanoTime() - t0) / 1e9;
                            best = Math.min(best, wall / (simMs / 1000.0));
                            spikes = net.spikeCount(rec) - s0;
                            events = net.synapticEvents() - e0;
                            synapses = 0;
                            for (Projection q : net.projections()) {
                                if (q.model().carriesSpikes()) {
                                    synapses += q.size();
                                }
                            }
                        }
                    }
                    System.out.printf(Locale.ROOT, "rule=%s p=%s input_hz=%s n_in=%d n_rec=%d sim_ms=%.0f synapses=%d "
                            + "rec_hz=%.3f syn_events_per_s=%.0f neuron_steps_per_s=%d wall_s_per_sim_s=%.5f%n",
                        r.name().toLowerCase(Locale.ROOT).replace('_', '-'), p, rate, nIn, nRec, simMs, synapses,
                        spikes / (double) nRec / (simMs / 1000.0), events / (simMs / 1000.0), (long) (nIn + nRec + 4) * 1000,
                        best);
                    System.out.flush();
                }
            }
        }
    }

    private static double[] parse(String csv) {
        String[] s = csv.split(",");
        double[] d = new double[s.length];
        for (int i = 0; i < s.length; i++) {
            d[i] = Double.parseDouble(s[i].trim());
        }
        return d;
    }

    /** The network under {@code rule}; returns the recurrent population. */
    static Population build(Network net, Rule rule, int nIn, int nRec, double p, double rate) {
        boolean timeDriven = rule == Rule.TIME_DRIVEN;
        String syn = switch (rule) {
            case STATIC -> "static_synapse";
            case EVENT_NEST, EVENT_FAST -> EpropRule.SYNAPSE;
            case TIME_DRIVEN -> BsshslmEpropRule.SYNAPSE;
        };
        String feedback = timeDriven ? BsshslmEpropRule.LEARNING_SIGNAL : EpropRule.LEARNING_SIGNAL;
        // a learning rate too small to move the activity away from what the input rate sets; the rules do all
        // their work regardless of its value
        OptimizerSpec gd = OptimizerSpec.gradientDescent(1e-9).withOptimizeEachStep(false);
        switch (rule) {
            case EVENT_NEST -> EpropRule.install(net, gd);
            case EVENT_FAST -> FastEpropRule.install(net, gd);
            case TIME_DRIVEN -> BsshslmEpropRule.install(net, new BsshslmConfig(gd, false, 30.0));
            case STATIC -> { } // static synapses: the cost of simulating without learning
        }
        InputPopulation in = (InputPopulation) net.create("in", "parrot_neuron", nIn,
            Map.of("flush_event_send_interval", 1000.0));
        in.setDrive(new PoissonDrive(nIn, rate, 1.0, 11));
        Map<String, Object> rp = new HashMap<>(Map.of("C_m", 1.0, "E_L", 0.0, "I_e", 0.0, "V_m", 0.0, "V_th", 0.03,
            "tau_m", 30.0, "t_ref", 2.0, "surrogate_gradient_height", 10.0, "surrogate_gradient_width", 0.03,
            "flush_event_send_interval", 1000.0));
        rp.put("c_reg", 0.3);
        Map<String, Object> op = new HashMap<>(Map.of("C_m", 1.0, "E_L", 0.0, "I_e", 0.0, "V_m", 0.0, "tau_m", 30.0));
        if (timeDriven) {
            rp.put("regular_spike_arrival", true);
            op.put("regular_spike_arrival", true);
        } else {
            rp.put("eprop_isi_trace_cutoff", 100.0);
            rp.put("kappa", 0.97);
            rp.put("kappa_reg", 0.97);
            op.put("eprop_isi_trace_cutoff", 100.0);
        }
        Population rec = net.create("rec", timeDriven ? "eprop_iaf_bsshslm_2020" : "eprop_iaf", nRec, rp);
        Population out = net.create("out", timeDriven ? "eprop_readout_bsshslm_2020" : "eprop_readout", 4, op);
        // mean in-weight scaled so that a 20 Hz input keeps the recurrent layer near its input rate
        double inW = 0.03 / Math.sqrt(p * nIn);
        net.connect(in, rec, Connectivity.pairwiseBernoulli(p, true), SynapseSpec.of(syn).weight(WeightInit.normal(inW * 0.5, inW)));
        net.connect(rec, rec, Connectivity.pairwiseBernoulli(p, false),
            SynapseSpec.of(syn).weight(WeightInit.normal(0.0, 0.01 / Math.sqrt(p * nRec))));
        net.connect(rec, out, Connectivity.allToAll(), SynapseSpec.of(syn).weight(WeightInit.normal(0.0, 0.1 / Math.sqrt(nRec))));
        if (rule != Rule.STATIC) {
            net.connect(out, rec, Connectivity.allToAll(), SynapseSpec.of(feedback).weight(WeightInit.normal(0.0, 0.1)));
        }
        ReadoutDrive sines = (t, from, to, target, window) -> {
            for (int k = from; k < to; k++) {
                target[k] = Math.sin(2 * Math.PI * t / 500.0 + k);
                window[k] = 1.0;
            }
        };
        if (out instanceof ReadoutPopulation ro) {
            ro.setDrive(sines);
        } else {
            ((BsshslmReadoutPopulation) out).setDrive(sines);
        }
        return rec;
    }
}
