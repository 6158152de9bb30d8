package io.spikestream.network;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.CheckpointReader;
import io.spikestream.network.checkpoint.CheckpointWriter;
import io.spikestream.network.checkpoint.Checkpointable;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static io.spikestream.network.Network.SECTION_PREFIX;

/**
 * The engine's part of a checkpoint: the shape a checkpoint must match, the sections written (clock, pending events,
 * populations, projections' weights, rules, drives) and their restore. Split out of {@link Network}, whose public
 * checkpoint methods delegate here.
 */
final class NetworkCheckpoint {

    private NetworkCheckpoint() {
    }

    /**
     * What a checkpoint of this network must match to be restored into it, one item per line: resolution, thread
     * count and seed, every population (model, size, parameters), every projection (endpoints, synapse model,
     * size and a checksum of its connectivity), every plasticity rule and checkpointed drive (their own shape).
     * Prepares the network.
     */
    static String shape(Network net) {
        net.prepare();
        final TimeGrid grid = net.grid();
        final int workers = net.workers();
        final long seed = net.seed();
        final Population[] pops = net.preparedPopulations();
        final List<Projection> projections = net.projections();
        final PlasticityRule[] ruleArray = net.preparedRules();
        StringBuilder b = new StringBuilder();
        b.append("network resolution_ms=").append(grid.resolutionMs()).append(" workers=").append(workers)
            .append(" seed=").append(seed).append('\n');
        for (Population p : pops) {
            b.append("population ").append(p.index()).append(' ').append(p.label()).append(' ')
                .append(p.model().nestName()).append(" n=").append(p.size()).append(" ring=").append(p.ringSlots())
                .append(" params=").append(p.params().asMap()).append('\n');
        }
        for (Projection p : projections) {
            b.append("projection ").append(p.index()).append(' ').append(p.source().index()).append("->")
                .append(p.target().index()).append(' ').append(p.model().name()).append(" receptor=").append(p.receptor())
                .append(" n=").append(p.size()).append(" nnz=[");
            for (int k = 0; k < p.parts(); k++) {
                b.append(k == 0 ? "" : ",").append(p.part(k).nnz);
            }
            b.append("] topology=").append(Long.toHexString(p.topologyChecksum())).append('\n');
        }
        for (int i = 0; i < ruleArray.length; i++) {
            b.append("rule ").append(i).append(' ').append(indent(checkpointable(ruleArray[i], "plasticity rule").checkpointShape()))
                .append('\n');
        }
        for (Population p : pops) {
            if (p.checkpointedDrive() instanceof Checkpointable c) {
                b.append("drive ").append(p.index()).append(' ').append(indent(c.checkpointShape())).append('\n');
            }
        }
        return b.toString();
    }

    private static String indent(String s) {
        return s.strip().replace("\n", "\n  ");
    }

    private static Checkpointable checkpointable(Object component, String what) {
        if (component instanceof Checkpointable c) {
            return c;
        }
        throw new IllegalStateException("the " + what + " " + component.getClass().getName()
            + " does not implement Checkpointable: this network cannot be checkpointed");
    }

    /**
     * Adds the engine's sections to a checkpoint: its shape, the clock and pending events, every population's state
     * and input ring, every projection's weights (straight from off-heap memory), every rule's and checkpointed
     * drive's own section. Call between simulate calls, on the thread that drives the network; the writer runs the
     * sections when it writes. Drives that do not implement {@link Checkpointable} are taken to be stateless;
     * recording devices (spike recorders, multimeters, weight recorders) are observers, not state, and are not saved.
     */
    static void addSections(Network net, CheckpointWriter w) {
        if (net.isClosed()) {
            throw new IllegalStateException("network is closed");
        }
        String shape = shape(net);
        final Population[] pops = net.preparedPopulations();
        final List<Projection> projections = net.projections();
        final PlasticityRule[] ruleArray = net.preparedRules();
        w.section(SECTION_PREFIX + "shape", out -> out.putString(shape));
        w.section(SECTION_PREFIX + "engine", out -> writeEngine(net, out));
        for (Population p : pops) {
            w.section(SECTION_PREFIX + "population/" + p.index(), p::writeState);
        }
        for (Projection p : projections) {
            w.section(SECTION_PREFIX + "projection/" + p.index(), out -> {
                for (int k = 0; k < p.parts(); k++) {
                    out.putSegment(weightsOf(p.part(k)));
                }
            });
        }
        for (int i = 0; i < ruleArray.length; i++) {
            w.section(SECTION_PREFIX + "rule/" + i, checkpointable(ruleArray[i], "plasticity rule"));
        }
        for (Population p : pops) {
            if (p.checkpointedDrive() instanceof Checkpointable c) {
                w.section(SECTION_PREFIX + "drive/" + p.index(), c);
            }
        }
    }

    private static MemorySegment weightsOf(Projection.Part part) {
        return part.weights.asSlice(0, part.nnz * SynapseLayout.WEIGHT.byteSize());
    }

    private static void writeEngine(Network net, StateWriter out) {
        final int workers = net.workers();
        final SpikeDelivery delivery = net.delivery();
        out.putLong(net.currentStep());
        long[] perWorker = new long[workers];
        for (int k = 0; k < workers; k++) {
            perWorker[k] = delivery.synapticEvents(k);
        }
        out.putLongs(perWorker);
        out.putLongs(delivery.spikeCounts());
        delivery.current().writeState(out);
    }

    /**
     * Restores this network, freshly built with the same shape, to the state of a checkpoint; simulating on then
     * gives bit-identical results to the run that wrote it. The shape is compared and every section checked for
     * presence before any state changes; should a later section still fail, the network is left half restored and
     * must be discarded.
     */
    static void restore(Network net, CheckpointReader r) throws CheckpointException {
        if (net.isClosed()) {
            throw new IllegalStateException("network is closed");
        }
        String shape = shape(net);
        final int workers = net.workers();
        final Population[] pops = net.preparedPopulations();
        final List<Projection> projections = net.projections();
        final PlasticityRule[] ruleArray = net.preparedRules();
        final SpikeDelivery delivery = net.delivery();
        String stored = r.section(SECTION_PREFIX + "shape").getString();
        CheckpointReader.compareShapes(r.origin(), stored, shape);
        List<String> needed = new ArrayList<>(List.of(SECTION_PREFIX + "engine"));
        for (Population p : pops) {
            needed.add(SECTION_PREFIX + "population/" + p.index());
            if (p.checkpointedDrive() instanceof Checkpointable) {
                needed.add(SECTION_PREFIX + "drive/" + p.index());
            }
        }
        for (Projection p : projections) {
            needed.add(SECTION_PREFIX + "projection/" + p.index());
        }
        for (int i = 0; i < ruleArray.length; i++) {
            needed.add(SECTION_PREFIX + "rule/" + i);
        }
        for (String name : needed) {
            if (!r.has(name)) {
                throw new CheckpointException(CheckpointException.Kind.MISSING_SECTION, r.origin() + ": no section '" + name + "'");
            }
        }
        StateReader engine = r.section(SECTION_PREFIX + "engine");
        long restoredStep = engine.getLong();
        long[] perWorker = new long[workers];
        engine.readLongs(perWorker, "synaptic events per worker");
        engine.readLongs(delivery.spikeCounts(), "spike counts");
        delivery.current().readState(engine, pops.length);
        engine.expectEnd();
        for (Population p : pops) {
            p.readState(r.section(SECTION_PREFIX + "population/" + p.index()));
        }
        for (Projection p : projections) {
            StateReader in = r.section(SECTION_PREFIX + "projection/" + p.index());
            for (int k = 0; k < p.parts(); k++) {
                in.readSegment(weightsOf(p.part(k)), "weights of part " + k);
            }
            in.expectEnd();
        }
        for (int i = 0; i < ruleArray.length; i++) {
            StateReader in = r.section(SECTION_PREFIX + "rule/" + i);
            checkpointable(ruleArray[i], "plasticity rule").readState(in);
            in.expectEnd();
        }
        for (Population p : pops) {
            if (p.checkpointedDrive() instanceof Checkpointable c) {
                StateReader in = r.section(SECTION_PREFIX + "drive/" + p.index());
                c.readState(in);
                in.expectEnd();
            }
        }
        for (int k = 0; k < workers; k++) {
            delivery.setSynapticEvents(k, perWorker[k]);
        }
        net.setCurrentStep(restoredStep);
    }
}
