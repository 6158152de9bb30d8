package io.spikestream.app;

import io.spikestream.app.tail.RecordJson;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./spikestream tail TOPIC [--from-beginning] [--max N] [--timeout-s S]}: prints the records of any spikestream
 * topic as one JSON object per line on stdout (format: {@link RecordJson}), so people and scripts see what flows
 * without writing an Avro consumer. It reads every partition without joining a consumer group (it commits nothing and
 * moves no one's partitions), from the end (only new records) or with {@code --from-beginning} from the oldest
 * retained record. It stops after {@code --max} records, after {@code --timeout-s} seconds without a new record, or on
 * Ctrl-C; then stderr says {@code tail: records=N}. A missing topic prints {@code tail: <why>} and exits with 2.
 */
@Command(name = "tail", mixinStandardHelpOptions = true,
    description = "Print the records of a spikestream topic as JSON, one object per line (events: one line per batch).")
public final class TailCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Parameters(index = "0", paramLabel = "TOPIC", description = "Topic to read, e.g. " + Topics.PREDICTIONS + ".")
    String topic;

    @Option(names = "--from-beginning", description = "Start at the oldest retained record (default: only new records).")
    boolean fromBeginning;

    @Option(names = "--max", defaultValue = "0", paramLabel = "N", description = "Stop after N records (default: no limit).")
    long max;

    @Option(names = "--timeout-s", defaultValue = "0", paramLabel = "S",
        description = "Stop once no record arrived for S seconds (default: wait until Ctrl-C).")
    double timeoutS;

    @Override
    public Integer call() throws Exception {
        if (max < 0 || timeoutS < 0) {
            System.err.println("tail: --max and --timeout-s must not be negative");
            return 2;
        }
        try (KafkaEndpoint endpoint = kafka.open(System.err)) {
            if (endpoint.isEmbedded()) {
                // a fresh broker holds no topic; create the standard ones so that tail waits for records
                kafka.ensureTopics(endpoint, System.err, topic);
            }
            return tail(endpoint, System.out);
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("tail: " + e.getMessage());
            return 2;
        }
    }

    private int tail(KafkaEndpoint endpoint, PrintStream out) {
        Map<String, Object> config = endpoint.baseConfig();
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "spikestream-tail");
        // the events and checkpoints topics allow 8 MiB records
        config.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 9 << 20);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        RecordJson json = new RecordJson();
        long printed = 0;
        CountDownLatch done = new CountDownLatch(1);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
            Thread stopper = new Thread(() -> {
                consumer.wakeup();
                try {
                    done.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "tail-stop");
            Runtime.getRuntime().addShutdownHook(stopper);
            try {
                List<TopicPartition> partitions = partitions(consumer, endpoint);
                consumer.assign(partitions);
                if (fromBeginning) {
                    consumer.seekToBeginning(partitions);
                } else {
                    consumer.seekToEnd(partitions);
                }
                for (TopicPartition tp : partitions) {
                    consumer.position(tp); // resolve the start now: records written from here on are shown
                }
                System.err.println("tail: reading " + topic + " (" + partitions.size() + " partitions) from the "
                    + (fromBeginning ? "beginning" : "end"));
                long idleLimitNs = (long) (timeoutS * 1e9);
                long lastRecord = System.nanoTime();
                while (max == 0 || printed < max) {
                    var records = consumer.poll(Duration.ofMillis(200));
                    for (ConsumerRecord<String, byte[]> r : records) {
                        out.println(json.line(new RecordJson.Origin(r.topic(), r.partition(), r.offset(), r.timestamp(),
                            r.key()), r.value()));
                        printed++;
                        lastRecord = System.nanoTime();
                        if (max > 0 && printed >= max) {
                            break;
                        }
                    }
                    out.flush();
                    if (idleLimitNs > 0 && System.nanoTime() - lastRecord >= idleLimitNs) {
                        break;
                    }
                }
            } catch (WakeupException e) {
                // Ctrl-C
            } finally {
                out.flush();
                System.err.println("tail: records=" + printed);
                done.countDown();
                try {
                    Runtime.getRuntime().removeShutdownHook(stopper);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs now and waits for done
                }
            }
        }
        return 0;
    }

    private List<TopicPartition> partitions(KafkaConsumer<String, byte[]> consumer, KafkaEndpoint endpoint) {
        Map<String, List<PartitionInfo>> topics = consumer.listTopics(Duration.ofSeconds(30));
        List<PartitionInfo> infos = topics.get(topic);
        if (infos == null || infos.isEmpty()) {
            TreeSet<String> known = new TreeSet<>(topics.keySet());
            known.removeIf(t -> t.startsWith("__"));
            throw new IllegalArgumentException("topic '" + topic + "' does not exist on " + endpoint
                + " (topics: " + known + ")");
        }
        List<TopicPartition> out = new ArrayList<>();
        for (PartitionInfo i : infos) {
            out.add(new TopicPartition(topic, i.partition()));
        }
        out.sort(java.util.Comparator.comparingInt(TopicPartition::partition));
        return out;
    }
}
