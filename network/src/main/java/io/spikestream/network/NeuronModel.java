package io.spikestream.network;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The neuron models the engine simulates, named and parametrised as in NEST (3.10). Defaults are NEST's.
 *
 * <p>Besides the membrane parameters, the recurrent e-prop models carry the per-neuron learning
 * parameters NEST attaches to them ({@code kappa}, {@code kappa_reg}, {@code c_reg}, {@code f_target},
 * {@code surrogate_gradient_*}, {@code eprop_isi_trace_cutoff}). The network stores these but never reads
 * them: they are read by whichever learning rule is plugged in. {@code f_target} is given in spikes/s (Hz),
 * as in NEST's {@code SetStatus}.
 *
 * <p>Voltages ({@code V_m, V_th, V_min, V_reset, V_th_adapt}) are absolute here and made relative to
 * {@code E_L} internally, as NEST does.
 */
public enum NeuronModel {
    /**
     * NEST's {@code spike_generator}: emits each of its scheduled spike times as one event (coinciding times are
     * several events), delivered like a NEST device before the neurons' events of the same stamp. Takes no input.
     */
    SPIKE_GENERATOR("spike_generator", Kind.GENERATOR),
    /**
     * Relays each input spike one step later, as one event carrying the number of spikes it received in that
     * step; the input layer of every network.
     */
    PARROT_NEURON("parrot_neuron", Kind.INPUT),
    /** LIF, delta synapses, reset by subtracting the threshold in the spike step. */
    EPROP_IAF("eprop_iaf", Kind.RECURRENT),
    /** {@link #EPROP_IAF} with an adaptive threshold {@code V_th + adapt_beta * a}. */
    EPROP_IAF_ADAPT("eprop_iaf_adapt", Kind.RECURRENT),
    /** LIF, delta synapses, hard reset to {@code V_reset} and clamped refractoriness. */
    EPROP_IAF_PSC_DELTA("eprop_iaf_psc_delta", Kind.RECURRENT),
    /** {@link #EPROP_IAF_PSC_DELTA} with an adaptive threshold (NEST's quirk kept: adapts only if t_ref < h). */
    EPROP_IAF_PSC_DELTA_ADAPT("eprop_iaf_psc_delta_adapt", Kind.RECURRENT),
    /** Leaky integrator read out against a target, gated by a learning window. */
    EPROP_READOUT("eprop_readout", Kind.READOUT),
    /**
     * Time-driven e-prop (Bellec et al. 2020): LIF with delta synapses, threshold subtracted one step after the
     * spike, optional reset at every update interval (spec §5.3).
     */
    EPROP_IAF_BSSHSLM_2020("eprop_iaf_bsshslm_2020", Kind.RECURRENT),
    /** {@link #EPROP_IAF_BSSHSLM_2020} with an adaptive threshold. */
    EPROP_IAF_ADAPT_BSSHSLM_2020("eprop_iaf_adapt_bsshslm_2020", Kind.RECURRENT),
    /** Time-driven e-prop readout: mean-squared-error or cross-entropy (softmax over readouts), one step lag (§5.4). */
    EPROP_READOUT_BSSHSLM_2020("eprop_readout_bsshslm_2020", Kind.READOUT),
    /**
     * Auryn's {@code IafPscExpGroup}, the neuron of SuperSpike (Zenke & Ganguli 2018): LIF with exponential current
     * synapses, forward-Euler membrane, reset to {@code V_reset} and clamped during {@code t_ref}. mV and ms; the
     * synaptic current and the weights are in mV.
     */
    IAF_PSC_EXP_EULER("iaf_psc_exp_euler", Kind.RECURRENT),
    /**
     * The LIF of EventProp as mlGeNN runs it on a grid: {@code τ_m V' = -V + I}, {@code τ_s I' = -I}, the step
     * average of the exponential current injected, exact leak, absolute reset to {@code V_reset}, no
     * refractoriness. Dimensionless (threshold 1 by default).
     */
    LIF_PSC_EXP("lif_psc_exp", Kind.RECURRENT),
    /** The non-spiking leaky integrator of {@link #LIF_PSC_EXP} (EventProp's voltage readouts). */
    LI_PSC_EXP("li_psc_exp", Kind.READOUT);

    /** What role a model plays in the network ({@code GENERATOR}: a stimulation device such as a spike generator). */
    public enum Kind { GENERATOR, INPUT, RECURRENT, READOUT }

    private final String nestName;
    private final Kind kind;

    NeuronModel(String nestName, Kind kind) {
        this.nestName = nestName;
        this.kind = kind;
    }

    public String nestName() {
        return nestName;
    }

    public Kind kind() {
        return kind;
    }

    public boolean adaptive() {
        return this == EPROP_IAF_ADAPT || this == EPROP_IAF_PSC_DELTA_ADAPT || this == EPROP_IAF_ADAPT_BSSHSLM_2020;
    }

    /**
     * The time-driven {@code *_bsshslm_2020} models. They carry NEST's e-prop kernel parameters
     * {@code eprop_update_interval}, {@code eprop_learning_window} and {@code eprop_reset_neurons_on_update} as
     * population parameters, because their dynamics depend on them (interval resets, window masking).
     */
    public boolean timeDriven() {
        return this == EPROP_IAF_BSSHSLM_2020 || this == EPROP_IAF_ADAPT_BSSHSLM_2020 || this == EPROP_READOUT_BSSHSLM_2020;
    }

    public boolean hardReset() {
        return this == EPROP_IAF_PSC_DELTA || this == EPROP_IAF_PSC_DELTA_ADAPT;
    }

    public static NeuronModel byName(String name) {
        for (NeuronModel m : values()) {
            if (m.nestName.equals(name)) {
                return m;
            }
        }
        StringBuilder known = new StringBuilder();
        for (NeuronModel m : values()) {
            known.append(known.isEmpty() ? "" : ", ").append(m.nestName);
        }
        throw new IllegalArgumentException("unknown neuron model '" + name + "'; known models: " + known);
    }

    /** The current-based models ({@link #IAF_PSC_EXP_EULER}, {@link #LIF_PSC_EXP}, {@link #LI_PSC_EXP}). */
    public boolean currentBased() {
        return this == IAF_PSC_EXP_EULER || this == LIF_PSC_EXP || this == LI_PSC_EXP;
    }

    /** NEST's defaults for this model (parameters and initial state), in a fresh mutable-free map. */
    public Map<String, Object> defaults() {
        Map<String, Object> d = new LinkedHashMap<>();
        if (currentBased()) {
            currentBasedDefaults(d);
            return Collections.unmodifiableMap(d);
        }
        if (timeDriven()) {
            timeDrivenDefaults(d);
            return Collections.unmodifiableMap(d);
        }
        switch (this) {
            case SPIKE_GENERATOR -> {
                // StimulationDevice's origin/start/stop (ms) and the spike_generator's grid options
                d.put("origin", 0.0);
                d.put("start", 0.0);
                d.put("stop", Double.MAX_VALUE);
                d.put("allow_offgrid_times", false);
                d.put("precise_times", false);
                d.put("shift_now_spikes", false);
            }
            case PARROT_NEURON -> d.put("flush_event_send_interval", Double.POSITIVE_INFINITY);
            case EPROP_READOUT -> {
                d.put("C_m", 250.0);
                d.put("E_L", 0.0);
                d.put("I_e", 0.0);
                d.put("tau_m", 10.0);
                d.put("V_min", -Double.MAX_VALUE);
                d.put("V_m", 0.0);
                d.put("eprop_isi_trace_cutoff", Double.POSITIVE_INFINITY);
            }
            default -> {
                d.put("C_m", 250.0);
                d.put("E_L", -70.0);
                d.put("I_e", 0.0);
                d.put("tau_m", 10.0);
                d.put("t_ref", 2.0);
                d.put("V_th", -55.0);
                d.put("V_min", -Double.MAX_VALUE);
                d.put("V_m", -70.0);
                if (hardReset()) {
                    d.put("V_reset", -70.0);
                    d.put("refractory_input", false);
                }
                if (adaptive()) {
                    d.put("adapt_beta", 1.0);
                    d.put("adapt_tau", 10.0);
                    d.put("adaptation", 0.0);
                    // NEST's state default of V_th_adapt is 15 mV relative to E_L; it is recomputed before use
                    // except in refractory steps of the psc_delta variant.
                    d.put("V_th_adapt", -55.0);
                }
                d.put("flush_event_send_interval", Double.POSITIVE_INFINITY);
                // learning parameters, read by the plasticity rule
                d.put("c_reg", 0.0);
                d.put("f_target", 10.0);
                d.put("kappa", 0.97);
                d.put("kappa_reg", 0.97);
                d.put("surrogate_gradient_function", "piecewise_linear");
                d.put("surrogate_gradient_height", 0.3);
                d.put("surrogate_gradient_width", 1.0);
                d.put("eprop_isi_trace_cutoff", Double.POSITIVE_INFINITY);
            }
        }
        return Collections.unmodifiableMap(d);
    }

    /** Auryn's SuperSpike values (spec A.1) and mlGeNN's EventProp defaults (spec B.1). */
    private void currentBasedDefaults(Map<String, Object> d) {
        switch (this) {
            case IAF_PSC_EXP_EULER -> {
                d.put("tau_m", 10.0);
                d.put("tau_syn", 5.0);
                d.put("E_L", -60.0);
                d.put("V_th", -50.0);
                d.put("V_reset", -60.0);
                d.put("t_ref", 5.0);
                d.put("V_m", -60.0);
                d.put("I_e", 0.0);
            }
            case LIF_PSC_EXP -> {
                d.put("tau_m", 20.0);
                d.put("tau_syn", 5.0);
                d.put("V_th", 1.0);
                d.put("V_reset", 0.0);
                d.put("V_m", 0.0);
            }
            default -> {
                d.put("tau_m", 20.0);
                d.put("tau_syn", 5.0);
                d.put("V_m", 0.0);
            }
        }
    }

    /** NEST 3.10's defaults of the {@code *_bsshslm_2020} models, plus the kernel's e-prop parameters. */
    private void timeDrivenDefaults(Map<String, Object> d) {
        if (this == EPROP_READOUT_BSSHSLM_2020) {
            d.put("C_m", 250.0);
            d.put("E_L", 0.0);
            d.put("I_e", 0.0);
            d.put("tau_m", 10.0);
            d.put("V_min", -Double.MAX_VALUE);
            d.put("V_m", 0.0);
            d.put("loss", "mean_squared_error");
            d.put("regular_spike_arrival", true);
        } else {
            d.put("C_m", 250.0);
            d.put("E_L", -70.0);
            d.put("I_e", 0.0);
            d.put("tau_m", 10.0);
            d.put("t_ref", 2.0);
            d.put("V_th", -55.0);
            d.put("V_min", -Double.MAX_VALUE);
            d.put("V_m", -70.0);
            if (adaptive()) {
                d.put("adapt_beta", 1.0);
                d.put("adapt_tau", 10.0);
                d.put("adaptation", 0.0);
                d.put("V_th_adapt", -55.0);
            }
            d.put("regular_spike_arrival", true);
            d.put("flush_event_send_interval", Double.POSITIVE_INFINITY);
            // learning parameters, read by the plasticity rule
            d.put("c_reg", 0.0);
            d.put("f_target", 10.0);
            d.put("surrogate_gradient_function", "piecewise_linear");
            d.put("surrogate_gradient_height", 0.3);
            d.put("surrogate_gradient_width", 1.0);
        }
        // NEST's kernel-level e-prop parameters (SetKernelStatus); every time-driven population of a network
        // should use the same values (the time-driven e-prop rule checks it)
        d.put("eprop_update_interval", 1000.0);
        d.put("eprop_learning_window", 1000.0);
        d.put("eprop_reset_neurons_on_update", true);
    }

    /** Builds and validates this model's parameters from user overrides (NEST names). */
    public Params params(Map<String, ?> overrides) {
        Map<String, ?> o = overrides;
        if (adaptive() && !overrides.containsKey("V_th_adapt")) {
            // keep the initial adaptive threshold consistent with a user-set V_th / adaptation
            Map<String, Object> withTh = new LinkedHashMap<>(overrides);
            double vth = overrides.containsKey("V_th") ? ((Number) overrides.get("V_th")).doubleValue() : -55.0;
            withTh.put("V_th_adapt", vth);
            o = withTh;
        }
        Params p = Params.of(nestName, defaults(), o);
        validate(p);
        return p;
    }

    private void validate(Params p) {
        if (currentBased()) {
            p.requirePositive("tau_m");
            p.requirePositive("tau_syn");
            if (this != LI_PSC_EXP && !(p.d("V_reset") < p.d("V_th"))) {
                throw new IllegalArgumentException(nestName + ": V_reset < V_th required, got " + p.d("V_reset") + " >= "
                    + p.d("V_th"));
            }
            if (this == IAF_PSC_EXP_EULER) {
                p.requireNonNegative("t_ref");
            }
            return;
        }
        if (timeDriven()) {
            validateTimeDriven(p);
            return;
        }
        if (kind == Kind.GENERATOR) {
            if (p.b("precise_times")) {
                throw new IllegalArgumentException(nestName + ": precise_times (off-grid spikes) is not supported (spikes are delivered on the time grid)");
            }
            if (!(p.d("stop") >= p.d("start"))) {
                throw new IllegalArgumentException(nestName + ": stop >= start required, got " + p.d("stop") + " < "
                    + p.d("start"));
            }
            return;
        }
        if (kind == Kind.INPUT) {
            requirePositiveInterval(p);
            return;
        }
        p.requirePositive("C_m");
        p.requirePositive("tau_m");
        if (!(p.d("eprop_isi_trace_cutoff") >= 0)) {
            throw new IllegalArgumentException(nestName + ": eprop_isi_trace_cutoff >= 0 required, got " + p.d("eprop_isi_trace_cutoff"));
        }
        if (kind == Kind.READOUT) {
            return;
        }
        requirePositiveInterval(p);
        p.requireNonNegative("t_ref");
        if (p.d("V_th") < p.d("V_min")) {
            throw new IllegalArgumentException(nestName + ": V_th >= V_min required");
        }
        p.requireNonNegative("c_reg");
        p.requireNonNegative("f_target");
        p.requireIn("kappa", 0.0, 1.0);
        p.requireIn("kappa_reg", 0.0, 1.0);
        p.requirePositive("surrogate_gradient_height");
        p.requirePositive("surrogate_gradient_width");
        if (hardReset() && p.d("V_reset") >= p.d("V_th")) {
            throw new IllegalArgumentException(nestName + ": V_reset < V_th required");
        }
        if (adaptive()) {
            p.requireNonNegative("adapt_beta");
            p.requirePositive("adapt_tau");
        }
    }

    private void validateTimeDriven(Params p) {
        p.requirePositive("C_m");
        p.requirePositive("tau_m");
        p.requirePositive("eprop_update_interval");
        p.requirePositive("eprop_learning_window");
        if (p.d("eprop_learning_window") > p.d("eprop_update_interval")) {
            throw new IllegalArgumentException(nestName + ": eprop_learning_window <= eprop_update_interval required, got "
                + p.d("eprop_learning_window") + " > " + p.d("eprop_update_interval"));
        }
        if (kind == Kind.READOUT) {
            String loss = p.s("loss");
            if (!loss.equals("mean_squared_error") && !loss.equals("cross_entropy")) {
                throw new IllegalArgumentException(nestName + ": loss must be mean_squared_error or cross_entropy, got '"
                    + loss + "'");
            }
            return;
        }
        requirePositiveInterval(p);
        if (p.d("flush_event_send_interval") < p.d("eprop_update_interval")) {
            throw new IllegalArgumentException(nestName + ": flush_event_send_interval >= eprop_update_interval required, got "
                + p.d("flush_event_send_interval") + " < " + p.d("eprop_update_interval"));
        }
        p.requireNonNegative("t_ref");
        if (p.d("V_th") < p.d("V_min")) {
            throw new IllegalArgumentException(nestName + ": V_th >= V_min required");
        }
        p.requireNonNegative("c_reg");
        p.requireNonNegative("f_target");
        p.requirePositive("surrogate_gradient_height");
        p.requirePositive("surrogate_gradient_width");
        if (adaptive()) {
            p.requireNonNegative("adapt_beta");
            p.requirePositive("adapt_tau");
        }
    }

    private void requirePositiveInterval(Params p) {
        if (!(p.d("flush_event_send_interval") > 0)) {
            throw new IllegalArgumentException(nestName + ": flush_event_send_interval > 0 required, got "
                + p.d("flush_event_send_interval"));
        }
    }
}
