package io.spikestream.plasticity.nest;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Recognises the weight-recorder rows NEST 3.10 writes for flush events (docs/nest-semantics.md): rows NEST
 * meant as nothing, carrying a stale receiver and weight, which no fixture records enough to reproduce.
 */
final class NestFlushArtifacts {

    private final FixtureCase fixture;

    NestFlushArtifacts(FixtureCase fixture) {
        this.fixture = fixture;
    }

    /**
     * Whether NEST's rows {@code rows} of one (stamp, sender) are what NEST 3.10 writes for a flush event: the
     * synapses of a flush event do not set the event's receiver and weight, yet NEST's connector still hands the
     * event to the weight recorder, which then writes the receiver and weight left in that (reused) event object
     * by an earlier spike delivered in the same step: one row per synapse of the sender, all with the same
     * stale receiver and weight. Which earlier spike that was depends on NEST's buffer layout and connection
     * order, which no fixture records, so such rows are recognised, not reproduced: they count as artifacts
     * when the sender sent a flush event at that stamp (its spike train, from NEST's spike recorders, and its
     * {@code flush_event_send_interval} say so) and the rows agree on receiver and weight.
     */
    boolean explains(CsvTable t, List<Integer> rows, long stamp, int sender) throws IOException {
        int cg = t.col("targets");
        int cw = t.col("weights");
        for (int r : rows) {
            if (t.num(r, cg) != t.num(rows.get(0), cg) || t.num(r, cw) != t.num(rows.get(0), cw)) {
                return false;
            }
        }
        double interval = Double.NaN;
        for (JsonNode n : fixture.nodes) {
            if (n.path("node_id").asInt() == sender) {
                interval = n.path("params").path("flush_event_send_interval").asDouble(Double.NaN);
            }
        }
        if (!(interval > 0) || Double.isInfinite(interval)) {
            return false;
        }
        long flushSteps = Math.round(interval / fixture.resolution);
        long[] spikes = recordedSpikeStamps(sender);
        if (spikes == null) {
            return false;
        }
        long last = Long.MIN_VALUE;
        for (long sp : spikes) {
            if (sp == stamp) {
                return false; // a spike, not a flush event
            }
            if (sp < stamp) {
                last = Math.max(last, sp);
            }
        }
        return last != Long.MIN_VALUE && (stamp - last) % flushSteps == 0;
    }

    /** The stamps at which NEST's spike recorders recorded {@code sender}, or null if none recorded it. */
    private long[] recordedSpikeStamps(int sender) throws IOException {
        for (JsonNode rec : fixture.recorders) {
            if (!rec.path("model").asText().equals("spike_recorder")) {
                continue;
            }
            Path f = fixture.dir.resolve(rec.path("file").asText("spike_recorder_" + rec.path("node_id").asInt() + ".csv"));
            if (!Files.exists(f) || !recorderSees(rec.path("node_id").asInt(), sender)) {
                continue;
            }
            CsvTable s = CsvTable.read(f);
            int ct = s.col("times");
            int cs = s.col("senders");
            List<Long> out = new ArrayList<>();
            for (int r = 0; r < s.size(); r++) {
                if ((int) s.num(r, cs) == sender) {
                    out.add(Math.round(s.num(r, ct) / fixture.resolution));
                }
            }
            return out.stream().mapToLong(Long::longValue).toArray();
        }
        return null;
    }

    private boolean recorderSees(int recorder, int sender) {
        CsvTable c = fixture.connections;
        int cs = c.col("source");
        int ct = c.col("target");
        for (int r = 0; r < c.size(); r++) {
            if ((int) c.num(r, cs) == sender && (int) c.num(r, ct) == recorder) {
                return true;
            }
        }
        return false;
    }

}
