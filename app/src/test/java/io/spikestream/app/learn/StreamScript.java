package io.spikestream.app.learn;

import io.spikestream.learner.StreamLearner;

import io.spikestream.ingest.format.EventBatch;
import io.spikestream.ingest.format.EventFiles;
import io.spikestream.ingest.format.EventReader;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A labelled N-MNIST stream as a list of learner calls (labels and small event batches), on DirectFeed's stream-time
 * line: so a test can stop a learner between any two calls, also in the middle of a sample.
 */
final class StreamScript {

    sealed interface Item {
        void apply(StreamLearner l);
    }

    record Label(String sensor, String id, long startUs, long endUs, int label) implements Item {
        @Override
        public void apply(StreamLearner l) {
            l.onLabel(sensor, id, startUs, endUs, label);
        }
    }

    record Events(String sensor, int[] x, int[] y, byte[] p, long[] t) implements Item {
        @Override
        public void apply(StreamLearner l) {
            l.onEvents(sensor, x, y, p, t, t.length);
        }
    }

    /** The same calls, made for sensor {@code sensor} (for a shared network). */
    StreamScript forSensor(String sensor) {
        StreamScript s = new StreamScript();
        for (Item i : items) {
            s.items.add(switch (i) {
                case Label l -> new Label(sensor, l.id(), l.startUs(), l.endUs(), l.label());
                case Events e -> new Events(sensor, e.x(), e.y(), e.p(), e.t());
            });
        }
        s.endUs = endUs;
        return s;
    }

    /** The calls of {@code a} and {@code b} alternating one by one (then the rest of the longer), as two partitions. */
    static StreamScript interleave(StreamScript a, StreamScript b) {
        StreamScript s = new StreamScript();
        for (int i = 0; i < Math.max(a.items.size(), b.items.size()); i++) {
            if (i < a.items.size()) {
                s.items.add(a.items.get(i));
            }
            if (i < b.items.size()) {
                s.items.add(b.items.get(i));
            }
        }
        s.endUs = Math.max(a.endUs, b.endUs);
        return s;
    }

    final List<Item> items = new ArrayList<>();
    /** Stream time after the last sample (where a continuation starts). */
    long endUs;

    /** {@code n} training samples (every 7th), events in batches of {@code batch}, {@code gapUs} between samples. */
    static StreamScript nmnist(int n, int batch, long gapUs) throws IOException {
        return nmnist(n, batch, gapUs, 0);
    }

    static StreamScript nmnist(int n, int batch, long gapUs, int first) throws IOException {
        return nmnist(n, batch, gapUs, first, 0);
    }

    static StreamScript nmnist(int n, int batch, long gapUs, int first, long startUs) throws IOException {
        StreamScript s = new StreamScript();
        List<NmnistSamples.Sample> all = NmnistSamples.list(Path.of("..", "data", "nmnist", "Train"));
        long offset = startUs;
        EventBatch b = new EventBatch(8192);
        for (int k = 0; k < n; k++) {
            NmnistSamples.Sample sample = all.get((first + k) * 7 % all.size());
            int[] x = new int[0];
            int[] y = new int[0];
            byte[] p = new byte[0];
            long[] t = new long[0];
            try (EventReader r = EventFiles.open(sample.file())) {
                int c;
                while ((c = r.read(b)) >= 0) {
                    int m = x.length;
                    x = Arrays.copyOf(x, m + c);
                    y = Arrays.copyOf(y, m + c);
                    p = Arrays.copyOf(p, m + c);
                    t = Arrays.copyOf(t, m + c);
                    System.arraycopy(b.x, 0, x, m, c);
                    System.arraycopy(b.y, 0, y, m, c);
                    System.arraycopy(b.polarity, 0, p, m, c);
                    for (int i = 0; i < c; i++) {
                        t[m + i] = b.timestampUs[i] + offset;
                    }
                }
            }
            long last = t.length == 0 ? 0 : t[t.length - 1] - offset;
            s.items.add(new Label("", sample.id(), offset, offset + last + 1, sample.label()));
            for (int i = 0; i < t.length; i += batch) {
                int e = Math.min(t.length, i + batch);
                s.items.add(new Events("", Arrays.copyOfRange(x, i, e), Arrays.copyOfRange(y, i, e),
                    Arrays.copyOfRange(p, i, e), Arrays.copyOfRange(t, i, e)));
            }
            offset += last + 1 + gapUs;
        }
        s.endUs = offset;
        return s;
    }
}
