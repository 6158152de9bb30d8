package io.spikestream.ingest.replay;

import io.spikestream.ingest.format.EventBatch;
import io.spikestream.ingest.format.EventFiles;
import io.spikestream.ingest.format.EventReader;
import io.spikestream.ingest.format.SensorGeometry;
import io.spikestream.schemas.DvsEventBatch;
import io.spikestream.schemas.EventBatchLayout;
import io.spikestream.schemas.LabelRecord;
import io.spikestream.schemas.SingleObjectCodec;
import io.spikestream.schemas.SpikestreamSchemas;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Publishes the recordings of a {@link ReplayPlan} as {@link DvsEventBatch} records, plus one {@link LabelRecord} per
 * labelled recording, all keyed by the replay's sensor id (so all land in one partition, in order).
 *
 * <p><b>Stream time.</b> Recordings are laid end to end on one time line: recording {@code k} is shifted by
 * {@code offset_k} ({@code streamOffsetUs} in each batch), with {@code offset_0 = 0} and
 * {@code offset_{k+1} = offset_k + lastTimestamp_k + 1 + gapUs}. A recording's own timestamps are kept exactly:
 * {@code recorded = streamTime - streamOffsetUs}. A labelled recording's label covers
 * {@code [offset_k, offset_k + lastTimestamp_k + 1)} and is published before its events, which needs one extra
 * decoding pass over the file to find its last timestamp (cheap next to publishing).
 *
 * <p><b>Batches</b> never span two recordings; they hold at most {@code batchEvents} events and, with
 * {@code batchUs > 0}, end before an event {@code batchUs} or more after their first one.
 *
 * <p><b>Bad recordings.</b> A decode error (corrupt or truncated file, event outside the geometry) ends that
 * recording: the failure is recorded with the file and byte offset, what was already published stays, and the
 * replay goes on with the next recording. A Kafka write failure stops the replay.
 *
 * <p>Not threadsafe; one replay at a time. The producer belongs to the caller.
 */
public final class Replayer {

    /** Opens a recording; {@link EventFiles#open(Path)} by default. */
    @FunctionalInterface
    public interface Opener {
        EventReader open(Path file) throws IOException;
    }

    private static final int READ_CAPACITY = 8192;

    private final Producer<String, byte[]> producer;
    private final ReplayOptions options;
    private final ReplayClock clock;
    private final ReplayProgress progress;
    private final Opener opener;
    private final ReplayPacer pacer;
    private final SingleObjectCodec<DvsEventBatch> batchCodec = SpikestreamSchemas.codec(DvsEventBatch.class);
    private final SingleObjectCodec<LabelRecord> labelCodec = SpikestreamSchemas.codec(LabelRecord.class);
    private final AtomicReference<Exception> sendError = new AtomicReference<>();

    // Output batch under construction (structure of arrays, reused).
    private final int[] x;
    private final int[] y;
    private final byte[] polarity;
    private final long[] t;
    private int size;
    private long firstIndexInFile;

    private long sequence;
    private long events;
    private long batches;
    private long labels;
    private long bytes;

    public Replayer(Producer<String, byte[]> producer, ReplayOptions options, ReplayClock clock,
                    ReplayProgress progress, Opener opener) {
        this.producer = producer;
        this.options = options;
        this.clock = clock;
        this.progress = progress;
        this.opener = opener;
        this.pacer = options.rateScale() > 0 ? ReplayPacer.atRate(clock, options.rateScale())
            : ReplayPacer.asFastAsPossible();
        int capacity = options.batchEvents();
        x = new int[capacity];
        y = new int[capacity];
        polarity = new byte[capacity];
        t = new long[capacity];
    }

    public Replayer(Producer<String, byte[]> producer, ReplayOptions options, ReplayClock clock,
                    ReplayProgress progress) {
        this(producer, options, clock, progress, EventFiles::open);
    }

    public ReplaySummary replay(ReplayPlan plan) throws InterruptedException {
        long start = clock.nanoTime();
        List<String> failures = new ArrayList<>();
        int done = 0;
        long offsetUs = 0;
        EventBatch read = new EventBatch(READ_CAPACITY);
        for (ReplayItem item : plan.items()) {
            long lastUs;
            try {
                lastUs = replayOne(item, offsetUs, read, done, plan.size());
                done++;
            } catch (IOException e) {
                failures.add(item.file() + ": " + e.getMessage());
                lastUs = e instanceof PartialReplay partial ? partial.lastUs : -1;
            }
            offsetUs += lastUs + 1 + options.gapUs();
            progress.update(done, plan.size(), events, bytes);
            checkSendError();
        }
        producer.flush();
        checkSendError();
        progress.finish();
        return new ReplaySummary(done, events, batches, labels, bytes, clock.nanoTime() - start, List.copyOf(failures));
    }

    /** Publishes one recording; returns its last timestamp (recording time), -1 if it has no event. */
    private long replayOne(ReplayItem item, long offsetUs, EventBatch read, int done, int total)
        throws IOException, InterruptedException {
        if (item.labelled()) {
            long last = lastTimestamp(item.file(), read);
            publishLabel(item, offsetUs, last);
        }
        long last = -1;
        long indexInFile = 0;
        try (EventReader reader = opener.open(item.file())) {
            SensorGeometry geometry = reader.geometry();
            size = 0;
            int n;
            while ((n = reader.read(read)) >= 0) {
                for (int i = 0; i < n; i++) {
                    long ts = read.timestampUs[i] + offsetUs;
                    if (size == x.length || size > 0 && options.batchUs() > 0 && ts - t[0] >= options.batchUs()) {
                        flush(item, geometry, offsetUs, done, total);
                    }
                    if (size == 0) {
                        firstIndexInFile = indexInFile;
                    }
                    x[size] = read.x[i];
                    y[size] = read.y[i];
                    polarity[size] = read.polarity[i];
                    t[size] = ts;
                    size++;
                    indexInFile++;
                    last = read.timestampUs[i];
                }
            }
            if (size > 0) {
                flush(item, geometry, offsetUs, done, total);
            }
        } catch (IOException e) {
            if (size > 0) {
                size = 0; // a batch is all or nothing: the events after the last flush are not published
            }
            throw new PartialReplay(e.getMessage(), Math.max(last, -1), e);
        }
        return last;
    }

    private long lastTimestamp(Path file, EventBatch read) throws IOException {
        long last = -1;
        try (EventReader reader = opener.open(file)) {
            int n;
            while ((n = reader.read(read)) >= 0) {
                if (n > 0) {
                    last = Math.max(last, read.timestampUs[n - 1]);
                }
            }
        }
        return last;
    }

    private void publishLabel(ReplayItem item, long offsetUs, long lastUs) {
        LabelRecord label = LabelRecord.newBuilder()
            .setSensorId(options.sensorId())
            .setSampleId(item.sampleId())
            .setWindowStartUs(offsetUs)
            .setWindowEndUs(offsetUs + lastUs + 1)
            .setLabel(item.label())
            .setLabelName(item.labelName())
            .setSourceFile(item.sampleId())
            .build();
        send(options.labelsTopic(), labelCodec.encode(label));
        labels++;
    }

    private void flush(ReplayItem item, SensorGeometry geometry, long offsetUs, int done, int total)
        throws InterruptedException {
        pacer.awaitStreamTime(t[size - 1]);
        DvsEventBatch batch = EventBatchLayout.pack(
            new EventBatchLayout.Header(options.sensorId(), geometry.width(), geometry.height(), sequence++, offsetUs,
                item.sampleId(), firstIndexInFile),
            x, y, polarity, t, 0, size);
        send(options.eventsTopic(), batchCodec.encode(batch));
        events += size;
        batches++;
        size = 0;
        progress.update(done, total, events, bytes);
        checkSendError();
    }

    private void send(String topic, byte[] value) {
        bytes += value.length;
        producer.send(new ProducerRecord<>(topic, options.sensorId(), value), (metadata, error) -> {
            if (error != null) {
                sendError.compareAndSet(null, error);
            }
        });
    }

    private void checkSendError() {
        Exception e = sendError.get();
        if (e != null) {
            throw new IllegalStateException("writing to Kafka failed: " + e, e);
        }
    }

    /** A recording that failed part way; carries how far its time line got. */
    private static final class PartialReplay extends IOException {
        final long lastUs;

        PartialReplay(String message, long lastUs, IOException cause) {
            super(message, cause);
            this.lastUs = lastUs;
        }
    }
}
