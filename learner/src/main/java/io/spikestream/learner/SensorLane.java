package io.spikestream.learner;

import io.spikestream.network.checkpoint.StateWriter;

import java.util.Arrays;
import java.util.TreeMap;

/**
 * One sensor's side of a learner's stream: its own clock (the newest event time, the watermark behind it), its
 * events waiting to be placed on the network's step line, its labels, and its hot-pixel filter. A learner of its own
 * sensor has one lane; a shared network ({@code sensor.share_network}) one per sensor, because sensors' clocks are
 * unrelated. The time model ({@link PerWindowTime}, {@link ContinuousTime}) decides what the buffered events become;
 * the lane only keeps them, in arrival order, in two growing primitive arrays (no allocation per event once warm).
 *
 * <p>Not threadsafe: the learner's thread owns it.
 */
final class SensorLane {

    final String sensorId;
    final InputMapper mapper;

    /** Labelled windows of this sensor by start time ({@code per_window}). */
    final TreeMap<Long, PerWindowTime.Window> windows = new TreeMap<>();

    long[] bufT = new long[4096];
    int[] bufIn = new int[4096];
    int bufHead;
    int bufCount;

    /** Newest event time seen on this sensor's clock, microseconds ({@code Long.MIN_VALUE} before the first). */
    long maxEventUs = Long.MIN_VALUE;
    /** {@code per_window}: end of the last window simulated. */
    long processedUpToUs = Long.MIN_VALUE;
    /** {@code per_window}: time of the last event dropped as unlabelled. */
    long droppedUpToUs = Long.MIN_VALUE;

    SensorLane(String sensorId, InputMapper mapper) {
        this.sensorId = sensorId;
        this.mapper = mapper;
    }

    /** Heap bytes of the events this lane can hold (its buffers' capacity) and of its labelled windows. */
    long heapBytes() {
        return (long) bufT.length * (8 + 4) + (long) windows.size() * 128;
    }

    /** Events buffered and not yet placed. */
    int buffered() {
        return bufCount - bufHead;
    }

    void append(long tUs, int neuron) {
        if (bufCount == bufT.length) {
            compactOrGrow();
        }
        bufT[bufCount] = tUs;
        bufIn[bufCount++] = neuron;
    }

    void compactOrGrow() {
        if (bufHead > 0) {
            System.arraycopy(bufT, bufHead, bufT, 0, bufCount - bufHead);
            System.arraycopy(bufIn, bufHead, bufIn, 0, bufCount - bufHead);
            bufCount -= bufHead;
            bufHead = 0;
        }
        if (bufCount == bufT.length) {
            bufT = Arrays.copyOf(bufT, bufT.length * 2);
            bufIn = Arrays.copyOf(bufIn, bufIn.length * 2);
        }
    }

    /** Empties the buffer when everything in it was consumed (keeps the arrays). */
    void resetIfDrained() {
        if (bufHead == bufCount) {
            bufHead = bufCount = 0;
        }
    }

    void writeBuffer(StateWriter out) {
        out.putLongs(bufT, bufHead, bufCount - bufHead);
        out.putInts(bufIn, bufHead, bufCount - bufHead);
    }

    void readBuffer(long[] t, int[] n) {
        int cap = Math.max(4096, Integer.highestOneBit(Math.max(1, t.length)) << 1);
        bufT = Arrays.copyOf(t, cap);
        bufIn = Arrays.copyOf(n, cap);
        bufHead = 0;
        bufCount = t.length;
    }
}
