package io.spikestream.plasticity.superspike;

import io.spikestream.network.SpikeRecorder;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The paper's qualitative results (Zenke & Ganguli 2018; spec §A.6) at test size, h = 0.1 ms, every random choice
 * seeded: a single neuron learns a target spike train, and a hidden layer solves a spiking XOR that no network
 * without hidden units can, faster and more reliably with symmetric than with random feedback.
 */
class SuperSpikeLearningTest {

    @Test
    void aSingleNeuronLearnsFivePreciselyTimedSpikes() {
        try (SuperSpikeTasks.SingleNeuron s = new SuperSpikeTasks.SingleNeuron(3, SuperSpikeConfig.defaults().withEta(2.0))) {
            SpikeRecorder last = s.net.recordSpikes(s.out, 299 * 500.0, 300 * 500.0);
            double[] d = s.train(300);
            // at first the five target spikes are missing, each costing 1 / (2 (τ_r + τ_d)) = 1/60
            assertTrue(d[0] >= 5.0 / 60.0 - 1e-3, "start: the five target spikes are missing: " + d[0]);
            double end = SuperSpikeTasks.mean(d, 280, 300);
            System.out.printf("SuperSpike single neuron: van Rossum distance %.4f -> %.6f%n", d[0], end);
            assertTrue(end < 0.02 * d[0], "the van Rossum distance falls to near zero: " + end);
            assertEquals(5, last.count(), "five output spikes in the last trial");
            int[] target = {500, 1500, 2500, 3500, 4500};
            for (int i = 0; i < 5; i++) {
                long step = (last.stamp(i) - 1) % SuperSpikeTasks.SingleNeuron.PERIOD;
                assertTrue(Math.abs(step - target[i]) <= 10, "spike " + i + " at step " + step + ", target " + target[i]);
            }
        }
    }

    private static final int TRIALS = 1000;

    /** Final accuracy (last 200 trials) and accuracy in trials 400-600 of one XOR run. */
    private static double[] xor(long seed, int hidden, SuperSpikeConfig.Feedback feedback) {
        SuperSpikeConfig cfg = SuperSpikeConfig.defaults().withEta(2.0).withUpdateInterval(100.0).withFeedback(feedback, seed);
        try (SuperSpikeTasks.Xor x = new SuperSpikeTasks.Xor(seed, hidden, cfg, TRIALS)) {
            x.net.simulateSteps((long) TRIALS * SuperSpikeTasks.Xor.TRIAL);
            return new double[] {x.accuracy(TRIALS - 200, TRIALS), x.accuracy(400, 600)};
        }
    }

    @Test
    void aHiddenLayerSolvesSpikingXorAndSymmetricFeedbackBeatsRandomFeedback() {
        double noHidden = xor(1, 0, SuperSpikeConfig.Feedback.SYMMETRIC)[0];
        double[] symFinal = new double[3];
        double[] rndFinal = new double[3];
        double symMid = 0;
        double rndMid = 0;
        for (int s = 0; s < 3; s++) {
            double[] a = xor(s + 1, 8, SuperSpikeConfig.Feedback.SYMMETRIC);
            double[] b = xor(s + 1, 8, SuperSpikeConfig.Feedback.RANDOM);
            symFinal[s] = a[0];
            rndFinal[s] = b[0];
            symMid += a[1] / 3;
            rndMid += b[1] / 3;
        }
        double sym = SuperSpikeTasks.mean(symFinal, 0, 3);
        double rnd = SuperSpikeTasks.mean(rndFinal, 0, 3);
        System.out.printf("SuperSpike XOR accuracy: no hidden %.2f; 8 hidden symmetric %s (mean %.2f, trials 400-600 %.2f), "
            + "random %s (mean %.2f, trials 400-600 %.2f)%n", noHidden, java.util.Arrays.toString(symFinal), sym, symMid,
            java.util.Arrays.toString(rndFinal), rnd, rndMid);
        assertTrue(noHidden <= 0.75, "without hidden units XOR is out of reach: " + noHidden);
        assertTrue(sym >= 0.9, "with 8 hidden units and symmetric feedback XOR is solved: " + sym);
        assertTrue(sym > rnd, "symmetric feedback beats random feedback at the end: " + sym + " vs " + rnd);
        assertTrue(symMid > rndMid, "and on the way: " + symMid + " vs " + rndMid);
    }
}
