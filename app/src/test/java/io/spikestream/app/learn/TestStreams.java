package io.spikestream.app.learn;

import io.spikestream.learner.StreamLearner;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Stream calls for tests in other packages (a public view of {@link StreamScript}). */
public final class TestStreams {

    /** One learner call and the number of DVS events it carries (0 for a label). */
    public record Call(Consumer<StreamLearner> call, int events) {
    }

    private TestStreams() {
    }

    /** A stream of calls and the stream time after it. */
    public record Script(List<Call> calls, long endUs) {
    }

    /** {@code n} training samples starting at sample {@code first}, events in batches of {@code batch}. */
    public static List<Call> nmnist(int n, int batch, long gapUs, int first) throws Exception {
        return nmnist(n, batch, gapUs, first, 0).calls();
    }

    /** As above, starting at stream time {@code startUs} (to continue another script). */
    public static Script nmnist(int n, int batch, long gapUs, int first, long startUs) throws Exception {
        StreamScript s = StreamScript.nmnist(n, batch, gapUs, first, startUs);
        List<Call> out = new ArrayList<>();
        for (StreamScript.Item i : s.items) {
            out.add(new Call(i::apply, i instanceof StreamScript.Events e ? e.t().length : 0));
        }
        return new Script(out, s.endUs);
    }
}
