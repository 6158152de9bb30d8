package io.spikestream.ingest.replay;

/** Told about a replay's progress; called from the replaying thread only. */
public interface ReplayProgress {

    /** After each published batch; {@code filesDone} counts finished recordings. */
    void update(int filesDone, int filesTotal, long events, long bytes);

    /** Once, at the end. */
    void finish();

    ReplayProgress NONE = new ReplayProgress() {
        @Override
        public void update(int filesDone, int filesTotal, long events, long bytes) {
        }

        @Override
        public void finish() {
        }
    };
}
