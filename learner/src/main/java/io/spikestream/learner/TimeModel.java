package io.spikestream.learner;

import io.spikestream.network.checkpoint.CheckpointException;
import io.spikestream.network.checkpoint.StateReader;
import io.spikestream.network.checkpoint.StateWriter;

/**
 * How a learner lays a sensor's stream time onto the network's loop steps, when it simulates, what it learns from and
 * when it predicts ({@code time.mode}):
 * <ul>
 *   <li>{@link PerWindowTime} ({@code per_window}): NEST's N-MNIST protocol; each labelled window is squeezed into
 *   {@code time.steps_per_window} steps and run once its label is known; events no label covers are dropped.</li>
 *   <li>{@link ContinuousTime} ({@code continuous}): every event at its own time, one step per
 *   {@code time.us_per_step}, simulated up to each sensor's watermark; predictions at a steady cadence, learning only
 *   where a label interval covers the steps.</li>
 * </ul>
 * The learner maps events to input neurons (counting what it drops) and hands the lane over; the time model does the
 * rest. Not threadsafe: the learner's thread calls it.
 */
interface TimeModel {

    /** The value of {@code time.mode}. */
    String mode();

    /** A label for [startUs, endUs) of the lane's stream time ({@code label} -1: none). */
    void onLabel(SensorLane lane, String sampleId, long startUs, long endUs, int label);

    /** Events were appended to the lane's buffer (its {@code maxEventUs} updated): advance as far as allowed. */
    void onEvents(SensorLane lane);

    /**
     * An event of the lane at stream time {@code tUs}, mapped to input neuron {@code neuron}: buffered, scheduled, or
     * counted and dropped (late, clock jump), as the model's policy says.
     */
    void accept(SensorLane lane, long tUs, int neuron);

    /** Step observer: called after every simulated loop step {@code t} (scores accumulate here; no allocation). */
    void onStep(long t);

    /** A phase boundary: run everything whose label is known, as if the stream had passed it. */
    void flush();

    /**
     * The sensor fell silent (wall-clock idleness, {@code time.idle_timeout_ms}): move it on so its last predictions
     * come out. Returns whether anything was done.
     */
    default boolean idle(SensorLane lane) {
        return false;
    }

    /** End of the stream: process everything pending and complete the last predictions. */
    void finish();

    /**
     * A lane is about to be dropped ({@code models.max_lanes}): run what it holds as at the end of the stream, so
     * nothing it buffered is silently lost (events no window covers are counted unlabelled).
     */
    default void retire(SensorLane lane) {
    }

    /** The model's side of the learner's checkpoint section (after the counters). */
    void writeState(StateWriter out);

    /** Reads what {@link #writeState} wrote; a failure leaves the learner as it was. */
    void readState(StateReader in) throws CheckpointException;
}
