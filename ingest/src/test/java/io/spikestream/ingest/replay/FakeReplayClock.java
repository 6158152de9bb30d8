package io.spikestream.ingest.replay;

import java.util.ArrayList;
import java.util.List;

/** A clock that moves only when asked to sleep (or advanced by hand), recording every sleep. */
final class FakeReplayClock implements ReplayClock {

    long now = 1_000_000_000L;
    final List<Long> sleeps = new ArrayList<>();

    @Override
    public long nanoTime() {
        return now;
    }

    @Override
    public void sleepNanos(long nanos) {
        sleeps.add(nanos);
        now += nanos;
    }

    long totalSlept() {
        return sleeps.stream().mapToLong(Long::longValue).sum();
    }
}
