package io.spikestream.learner;

import io.spikestream.network.InputDrive;
import io.spikestream.network.Network;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The learning rules a learner can run ({@code network.rule}), in one place: each rule's name and the older names it
 * still answers to, the settings blocks it alone reads, the factory of its {@link LearnerModel}, the name its
 * checkpoints carry, and whether it can learn from a continuous stream. A learner's checkpoint shape leaves out the
 * blocks of the other rules (so a change to one rule's block never invalidates another rule's checkpoints) and names
 * the rule by its checkpoint name (so a checkpoint written before a rename restores under the new name).
 */
final class RuleCatalogue {

    /** Builds a rule's model into an empty network: the input population driven by {@code input}, then the rest. */
    @FunctionalInterface
    interface Factory {
        LearnerModel build(Settings s, Network net, int inputs, InputDrive input, String name);
    }

    /**
     * @param name           the name to use ({@code network.rule})
     * @param aliases        older names, still accepted
     * @param checkpointName the name in the checkpoint shape (the name checkpoints were first written with)
     * @param blocks         settings (blocks or keys) only this rule reads: part of its checkpoint shape, nobody else's
     * @param continuous     whether it learns in {@code time.mode=continuous} (else {@code per_window} only)
     */
    record Rule(String name, List<String> aliases, String checkpointName, List<String> blocks, boolean continuous,
                Factory factory) {
    }

    /** The e-prop keys of the top-level network block and the optimizer (shared by eprop and eprop-exact). */
    private static final List<String> EPROP_BLOCKS = List.of("optimizer", "network.rec_model", "network.rec",
        "network.readout", "network.p_rec", "network.p_out", "network.w_in_std", "network.w_rec_std",
        "network.w_out_scale", "network.feedback", "network.feedback_scale", "network.input_flush_interval_ms");

    private static final List<String> BSSHSLM_BLOCKS = List.of("network.bsshslm");
    private static final List<String> SUPERSPIKE_BLOCKS = List.of("network.superspike");
    private static final List<String> EVENTPROP_BLOCKS = List.of("network.eventprop");

    static final List<Rule> RULES = List.of(
        new Rule("eprop", List.of("fast"), "fast", EPROP_BLOCKS, true,
            (s, net, n, in, name) -> new EpropModel(s, net, n, in, false, name)),
        new Rule("eprop-exact", List.of("nest"), "nest", EPROP_BLOCKS, true,
            (s, net, n, in, name) -> new EpropModel(s, net, n, in, true, name)),
        new Rule("eprop-time-driven", List.of("bsshslm"), "bsshslm", BSSHSLM_BLOCKS, false,
            (s, net, n, in, name) -> new BsshslmModel(s, net, n, in, name)),
        new Rule("superspike", List.of(), "superspike", SUPERSPIKE_BLOCKS, false,
            (s, net, n, in, name) -> new SuperSpikeModel(s, net, n, in)),
        new Rule("eventprop", List.of(), "eventprop", EVENTPROP_BLOCKS, false,
            (s, net, n, in, name) -> new EventPropModel(s, net, n, in)),
        readByRls("eprop-rls", EPROP_BLOCKS, true, (s, net, n, in, name) -> new EpropModel(s, net, n, in, false, name)),
        readByRls("eprop-time-driven-rls", BSSHSLM_BLOCKS, false,
            (s, net, n, in, name) -> new BsshslmModel(s, net, n, in, name)),
        readByRls("superspike-rls", SUPERSPIKE_BLOCKS, false, (s, net, n, in, name) -> new SuperSpikeModel(s, net, n, in)),
        readByRls("eventprop-rls", EVENTPROP_BLOCKS, false, (s, net, n, in, name) -> new EventPropModel(s, net, n, in)));

    /**
     * A rule's network, trained by that rule, its prediction read out by recursive least squares
     * ({@link RlsReadoutModel}): the rule's blocks plus {@code network.rls}; continuous time only where the rule
     * learns in it.
     */
    private static Rule readByRls(String name, List<String> ruleBlocks, boolean continuous, Factory rule) {
        List<String> blocks = java.util.stream.Stream.concat(ruleBlocks.stream(), java.util.stream.Stream.of("network.rls"))
            .toList();
        return new Rule(name, List.of(), name, blocks, continuous,
            (s, net, n, in, configured) -> new RlsReadoutModel(s, net, n, rule.build(s, net, n, in, configured), configured));
    }

    private RuleCatalogue() {
    }

    /** The rule of a name or alias; an unknown name is refused, naming the rules. */
    static Rule rule(String nameOrAlias) {
        for (Rule r : RULES) {
            if (r.name().equals(nameOrAlias) || r.aliases().contains(nameOrAlias)) {
                return r;
            }
        }
        throw new IllegalArgumentException("network.rule must be one of " + String.join(", ", names())
            + " (older names: fast, nest, bsshslm), got '" + nameOrAlias + "'");
    }

    static List<String> names() {
        return RULES.stream().map(Rule::name).toList();
    }

    /** The rules that learn in {@code time.mode=continuous}. */
    static List<String> continuousRules() {
        return RULES.stream().filter(Rule::continuous).map(Rule::name).toList();
    }

    /** Builds the model of {@code network.rule} into {@code net} (which must be empty). */
    static LearnerModel build(Settings s, Network net, int inputs, InputDrive input) {
        String configured = s.s("network.rule");
        return rule(configured).factory().build(s, net, inputs, input, configured);
    }

    /** The name the rule's checkpoints carry in their shape. */
    static String checkpointName(String nameOrAlias) {
        return rule(nameOrAlias).checkpointName();
    }

    /** The settings blocks of the other rules (minus any this rule shares): not part of this rule's checkpoint shape. */
    static List<String> foreignSettings(String nameOrAlias) {
        Rule mine = rule(nameOrAlias);
        Set<String> out = new LinkedHashSet<>();
        for (Rule r : RULES) {
            for (String b : r.blocks()) {
                if (!mine.blocks().contains(b)) {
                    out.add(b);
                }
            }
        }
        return new ArrayList<>(out);
    }
}
