package io.spikestream.sinks.live;

import java.util.List;

/**
 * What the live view shows at one moment: immutable, built by {@link LiveState} on the learner thread at a bounded
 * rate and read by the page's server on its own threads.
 *
 * @param wallMillis      when it was taken (epoch ms)
 * @param eventsPerSecond events that entered the learner per wall-clock second, every sensor together
 * @param consumerLag     records the Kafka consumer has yet to read (NaN: unknown, e.g. not reading Kafka)
 * @param realtimeFactor  simulated seconds per wall-clock second (NaN: unknown)
 * @param sensorsNotShown sensors beyond {@link LiveState#MAX_SENSORS}, counted but not drawn
 */
public record LiveSnapshot(long wallMillis, double eventsPerSecond, double consumerLag, double realtimeFactor,
                           int sensorsNotShown, List<Sensor> sensors) {

    /**
     * One sensor's panel.
     *
     * @param image          {@code width * height} cells, row-major: {@code 0} no event in the last {@code frameUs} of
     *                       the sensor's stream time, {@code 1} the newest event was OFF, {@code 2} ON
     * @param binning        sensor pixels per cell side (large sensors are binned so a frame stays small)
     * @param streamUs       stream time of the sensor's newest event
     * @param predicted      the newest prediction's class (-1: none yet)
     * @param label          its label (-1: unlabelled)
     * @param scores         its class scores (the readouts' signal), empty before the first prediction
     * @param predictionUs   stream time at the end of the span it covers
     * @param kind           {@code window}, {@code tick} or {@code interval}
     * @param accuracy       fraction correct over the sensor's last scored windows/intervals (NaN: none yet)
     * @param loss           their mean loss (NaN: none or not computed)
     * @param raster         hidden-layer spikes of the sensor's network in its last completed window (may be null)
     */
    public record Sensor(String id, int width, int height, int binning, long frameUs, String image, long streamUs,
                         long events, double eventsPerSecond, int predicted, int label, double[] scores, long predictionUs,
                         String kind, boolean learning, long predictions, double accuracy, double loss, long scored,
                         Raster raster) {
    }

    /**
     * Spikes of a hidden population over a span of steps.
     *
     * @param neurons size of the population (rows of the raster)
     * @param steps   each spike's step, in {@code [fromStep, toStep)}
     * @param neuron  each spike's neuron, {@code [0, neurons)}
     */
    public record Raster(long fromStep, long toStep, int neurons, long[] steps, int[] neuron) {

        /** Most spikes a raster carries (a page update stays small; the first ones are kept). */
        public static final int MAX_SPIKES = 4096;

        public Raster {
            if (steps.length != neuron.length) {
                throw new IllegalArgumentException("raster: " + steps.length + " steps but " + neuron.length + " neurons");
            }
        }
    }
}
