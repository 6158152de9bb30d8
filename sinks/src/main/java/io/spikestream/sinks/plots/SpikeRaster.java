package io.spikestream.sinks.plots;

import java.util.List;
import java.util.Objects;

/**
 * The spikes of one window, for {@link RunPlots#spikeRaster}: spike {@code i < count} is neuron
 * {@code neurons[i]} at {@code timesUs[i]} (stream time, microseconds). Neurons are coloured by the population
 * whose id range holds them; spikes of neurons outside every population are drawn as "other".
 *
 * @param windowStartUs start of the plotted window (the x axis starts here, at 0 ms)
 * @param windowEndUs   end of the plotted window
 * @param timesUs       spike times; only the first {@code count} are read
 * @param neurons       neuron ids, parallel to {@code timesUs}
 * @param count         number of spikes
 * @param populations   named, disjoint id ranges, e.g. input {@code [0, 1156)}, recurrent {@code [1156, 1306)}
 */
public record SpikeRaster(long windowStartUs, long windowEndUs, long[] timesUs, int[] neurons, int count,
                          List<Population> populations) {

    public SpikeRaster {
        Objects.requireNonNull(timesUs, "timesUs");
        Objects.requireNonNull(neurons, "neurons");
        if (count < 0 || count > timesUs.length || count > neurons.length) {
            throw new IllegalArgumentException("count " + count + " but " + timesUs.length + " times and "
                + neurons.length + " neuron ids");
        }
        if (windowEndUs < windowStartUs) {
            throw new IllegalArgumentException("window [" + windowStartUs + ", " + windowEndUs + ") ends before it starts");
        }
        populations = List.copyOf(populations);
    }

    /** A named range of neuron ids {@code [first, end)}. */
    public record Population(String name, int first, int end) {
        public Population {
            Objects.requireNonNull(name, "name");
            if (end < first) {
                throw new IllegalArgumentException("population " + name + " [" + first + ", " + end + ") is reversed");
            }
        }

        boolean contains(int neuron) {
            return neuron >= first && neuron < end;
        }
    }

    /** One past the largest neuron id of any population (the raster's height in neurons). */
    int neuronCount() {
        int max = 0;
        for (Population p : populations) {
            max = Math.max(max, p.end());
        }
        for (int i = 0; i < count; i++) {
            max = Math.max(max, neurons[i] + 1);
        }
        return max;
    }
}
