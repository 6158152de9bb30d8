package io.spikestream.learner;

import io.spikestream.network.InputPopulation;
import io.spikestream.network.Network;
import io.spikestream.network.Population;
import io.spikestream.network.Projection;

import java.util.Map;

/**
 * What a learning rule contributes to a {@link StreamLearner}: the network behind the input layer, how a window's
 * label becomes targets and learning, and how a prediction is read out (its state is checkpointed by its rule). The
 * learner keeps everything else (input mapping, stream time, window bookkeeping, scoring ranges, predictions,
 * counters), identical for every rule.
 *
 * <p>Window protocol ({@code per_window} time mode): window k occupies loop steps [base, base + steps) with
 * base = k * steps; its events reach the input population's drive at steps base + 1 + rel. Before simulating the
 * window the learner calls {@link #setLearning} (only when it changes) and {@link #startWindow}; after it,
 * {@link #windowSimulated}. Every step of a window's scoring range [{@link #scoreFrom}, {@link #scoreTo}) the
 * learner's step observer calls {@link #accumulate}; at its end {@link #predict}.
 *
 * <p>Continuous protocol ({@code continuous} time mode, rules that {@link #supportsContinuous}): the time model calls
 * {@link #superviseInterval} for each label interval just before its steps run, {@link #windowSimulated} after each
 * simulated stretch, and reads the evidence with {@link #accumulate} and {@link #predict} over its own ranges.
 *
 * <p>Implementations: {@link EpropModel} ({@code eprop}, {@code eprop-exact}), {@link BsshslmModel}
 * ({@code eprop-time-driven}), {@link SuperSpikeModel} ({@code superspike}), {@link EventPropModel}
 * ({@code eventprop}), each a {@link LayeredModel}; {@link RlsReadoutModel} wraps any of them ({@code eprop-rls},
 * {@code eprop-time-driven-rls}, {@code superspike-rls}, {@code eventprop-rls}); the {@link RuleCatalogue} picks one
 * by {@code network.rule}. Not threadsafe: the learner's thread calls every method (step observers run on it too,
 * between the engine's workers' steps). {@link #accumulate} runs every step of a scoring range: no allocation.
 */
interface LearnerModel {

    /** The value of {@code network.rule} this model was built for. */
    String rule();

    InputPopulation input();

    /** The hidden (recurrent) population. */
    Population hidden();

    /** The population the prediction is read from (one neuron per class). */
    Population output();

    /** The plastic projections by name, in creation order. */
    Map<String, Projection> projections();

    /** Learning on (the configured rate) or off for windows from now on; called only when it changes. */
    void setLearning(boolean on);

    /** Window starting at loop step {@code base} with class {@code label} (-1: none) is about to be simulated. */
    void startWindow(long base, int label, boolean learn);

    /** The window just started has been simulated up to loop step {@code now} (exclusive). */
    default void windowSimulated(long now) {
    }

    /** First loop step of the scoring range of the window starting at {@code base}. */
    long scoreFrom(long base);

    /** End (exclusive) of that scoring range. */
    long scoreTo(long base);

    /** Length of the evidence array {@link #accumulate} fills (at least the number of classes). */
    int evidenceSize();

    /**
     * Adds step t's evidence of a window labelled {@code label} into {@code sums} and returns the window's loss
     * accumulator {@code lossSum} with step t's terms added (in the model's own order of additions).
     */
    double accumulate(long t, int label, double[] sums, double lossSum);

    /**
     * Writes the class scores of a completed scoring range of {@code steps} steps into {@code scores} and returns
     * the predicted class.
     */
    int predict(double[] sums, long steps, double[] scores);

    /** The window's loss, from its loss accumulator and evidence. */
    double loss(double lossSum, double[] sums, long steps, int label);

    /** Whether the model learns in {@code time.mode=continuous} (label intervals on an unbroken step line). */
    default boolean supportsContinuous() {
        return false;
    }

    /**
     * {@code continuous}: a label interval covers loop steps [fromStep, toStep) of the input (its effect reaches the
     * readouts {@link ContinuousTime#READOUT_DELAY} steps later); learn from it or only set its target. Called in time
     * order, before the interval's steps run.
     */
    default void superviseInterval(long fromStep, long toStep, int label, boolean learn) {
        throw new UnsupportedOperationException(rule() + " has no continuous supervision");
    }

    /** Bytes of learning state the rule keeps per plastic synapse (off-heap columns besides target and weight). */
    long ruleStateBytes();
}
