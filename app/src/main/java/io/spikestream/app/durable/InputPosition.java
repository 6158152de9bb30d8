package io.spikestream.app.durable;

/**
 * Where a model stands in one input partition, as its checkpoint records it.
 *
 * @param next  offset of the next record of this partition the model has not applied (its last applied record + 1):
 *              on recovery, records of this model below it are skipped, so none is applied twice
 * @param floor every record of this partition below it, of any model of the instance that wrote the checkpoint, was
 *              in a durable checkpoint when this one became durable: where the consumer may resume the partition;
 *              -1 when unknown (for instance after an import)
 */
public record InputPosition(String topic, int partition, long next, long floor) {

    public String partitionName() {
        return topic + "-" + partition;
    }

    @Override
    public String toString() {
        return partitionName() + "@" + next + (floor >= 0 ? " (floor " + floor + ")" : "");
    }
}
