package io.spikestream.learner;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A learner's lanes by sensor id, in order of first sight (the order checkpoints and the end of the stream visit them):
 * one lane, id "", for a learner of its own sensor; one per sensor for a shared network ({@code sensor.share_network}),
 * bounded by {@code models.max_lanes}. Each lane maps through a copy of the sensor's input mapping with a hot-pixel
 * filter of its own, so a pixel of one sensor never silences another sensor's.
 *
 * <p>Not threadsafe: the learner's thread owns it.
 */
final class SensorLanes {

    private final Map<String, SensorLane> byId = new LinkedHashMap<>();
    private final InputMapper mapper;
    private final boolean shared;
    /** {@code models.max_lanes}: the most sensors' lanes a shared network keeps (see {@link #of}). */
    private final int maxLanes;
    private final StreamLearner.Counters counters;

    SensorLanes(InputMapper mapper, boolean shared, int maxLanes, StreamLearner.Counters counters) {
        if (maxLanes < 1) {
            throw new IllegalArgumentException("models.max_lanes must be positive, got " + maxLanes);
        }
        this.mapper = mapper;
        this.shared = shared;
        this.maxLanes = maxLanes;
        this.counters = counters;
        if (!shared) {
            byId.put("", new SensorLane("", mapper));
        }
    }

    /** A fresh lane of {@code sensorId}: the same mapping, its own hot-pixel filter. */
    SensorLane newLane(String sensorId) {
        return new SensorLane(sensorId, mapper.withOwnFilter());
    }

    /**
     * The lane events of {@code sensorId} go to, created on first sight in a shared network; when that would exceed
     * {@code models.max_lanes}, one lane is dropped first ({@link #retireOne}; the time model moves a lane that still
     * holds something past its newest event), counted in {@code lanesRetired}.
     */
    SensorLane of(String sensorId, TimeModel time) {
        if (!shared) {
            return byId.get("");
        }
        SensorLane lane = byId.get(sensorId);
        if (lane == null) {
            if (byId.size() >= maxLanes) {
                retireOne(time);
            }
            lane = newLane(sensorId);
            byId.put(sensorId, lane);
        }
        return lane;
    }

    /** The lane of {@code sensorId} if it has one (a learner of its own sensor: its one lane), else null. */
    SensorLane existing(String sensorId) {
        return shared ? byId.get(sensorId) : byId.get("");
    }

    /**
     * Keeps a shared network's lanes at {@code models.max_lanes} when a new sensor arrives: drops the first lane, in
     * order of first sight, that holds nothing (no buffered events, no open window: only its clocks and hot-pixel
     * filter go), or, when every lane holds something, the first one after the time model moved it past its newest event
     * (its windows run as at the end of the stream; events no window covers are counted unlabelled). The choice depends
     * only on what checkpoints keep (the lanes' order and contents), so a restarted learner drops the same lane as one
     * that never stopped. A sensor whose lane was dropped starts a new one if it comes back (its clock anchors afresh).
     */
    private void retireOne(TimeModel time) {
        SensorLane victim = null;
        for (SensorLane l : byId.values()) {
            if (l.buffered() == 0 && l.windows.isEmpty()) {
                victim = l;
                break;
            }
        }
        if (victim == null) {
            victim = byId.values().iterator().next();
            time.retire(victim);
        }
        byId.remove(victim.sensorId);
        counters.lanesRetired++;
    }

    /** A time model read its state: these are the lanes now. */
    void replaceWith(Map<String, SensorLane> read) {
        byId.clear();
        byId.putAll(read);
    }

    SensorLane get(String sensorId) {
        return byId.get(sensorId);
    }

    Collection<SensorLane> values() {
        return byId.values();
    }

    int size() {
        return byId.size();
    }

    Set<String> ids() {
        return Collections.unmodifiableSet(byId.keySet());
    }

    /** Heap bytes of the lanes' buffers and labelled windows (see {@link SensorLane#heapBytes}). */
    long heapBytes() {
        long b = 0;
        for (SensorLane lane : byId.values()) {
            b += lane.heapBytes();
        }
        return b;
    }

    /** Newest event time over the lanes, microseconds ({@code Long.MIN_VALUE} before the first). */
    long newestEventUs() {
        long t = Long.MIN_VALUE;
        for (SensorLane lane : byId.values()) {
            t = Math.max(t, lane.maxEventUs);
        }
        return t;
    }
}
