package io.spikestream.app.learn;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** Manual tuning harness (not a test): java ... NmnistTuning key=value ... */
public final class NmnistTuning {
    public static void main(String[] args) throws Exception {
        List<String> overrides = new ArrayList<>(List.of(args));
        Settings s = Settings.load(null, overrides);
        Path data = Path.of("../shared/data/nmnist");
        List<NmnistSamples.Sample> train = new ArrayList<>(NmnistSamples.list(data.resolve("Train")));
        List<NmnistSamples.Sample> test = NmnistSamples.list(data.resolve("Test"));
        Collections.shuffle(train, new Random(1));
        int[] correct = new int[2];
        int[] seen = new int[2];
        long t0 = System.nanoTime();
        try (StreamLearner l = new StreamLearner(s, p -> {
            int k = p.learning() ? 0 : 1;
            seen[k]++;
            if (p.correct()) {
                correct[k]++;
            }
        })) {
            DirectFeed feed = new DirectFeed(0, 0);
            int i = 0;
            for (NmnistSamples.Sample x : train) {
                feed.feed(l, x);
                if (++i % 100 == 0) {
                    System.out.printf("train %d acc_cum=%.3f%n", i, correct[0] / (double) Math.max(1, seen[0]));
                }
            }
            l.flushWindows();
            l.setLearning(false);
            for (NmnistSamples.Sample x : test) {
                feed.feed(l, x);
            }
            l.finish();
            System.out.printf("train_acc=%.3f test_acc=%.3f (%d/%d) wall=%.1fs sim_steps=%d counters: in=%d mapped=%d unlabelled=%d%n",
                correct[0] / (double) seen[0], correct[1] / (double) seen[1], correct[1], seen[1], (System.nanoTime() - t0) / 1e9,
                l.network().currentStep(), l.counters().eventsIn, l.counters().eventsMapped, l.counters().eventsUnlabelled);
        }
    }
}
