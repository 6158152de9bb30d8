package io.spikestream.ingest.format;

/** Width and height of a sensor's pixel array; valid coordinates are 0 <= x < width, 0 <= y < height. */
public record SensorGeometry(int width, int height) {

    public SensorGeometry {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("sensor geometry must be positive, got " + width + "x" + height);
        }
    }

    public boolean contains(int x, int y) {
        return x >= 0 && x < width && y >= 0 && y < height;
    }

    @Override
    public String toString() {
        return width + "x" + height;
    }
}
