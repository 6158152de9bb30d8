package io.spikestream.app;

import io.spikestream.ingest.kafka.EmbeddedKafka;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.Topics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./spikestream broker [--port N]}: runs the embedded single-node KRaft broker in the foreground, with the
 * standard topics, until Ctrl-C; prints {@code broker bootstrap=127.0.0.1:PORT} once it accepts clients. Other
 * commands then use it with {@code --bootstrap-servers}. Its storage is a temporary folder deleted on exit.
 */
@Command(name = "broker", mixinStandardHelpOptions = true,
    description = "Run the embedded Kafka broker in the foreground until Ctrl-C.")
public final class BrokerCommand implements Callable<Integer> {

    @Option(names = "--port", defaultValue = "0", description = "Client port on 127.0.0.1 (default: any free port).")
    int port;

    @Option(names = "--partitions", defaultValue = "" + Topics.DEFAULT_PARTITIONS,
        description = "Partitions of the data topics (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Override
    public Integer call() throws InterruptedException {
        EmbeddedKafka broker = EmbeddedKafka.start(port);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "broker-stop"));
        Topics.ensure(KafkaEndpoint.of(broker), Topics.standard(partitions));
        System.out.println("broker bootstrap=" + broker.bootstrapServers());
        System.out.flush();
        stopped.await();
        return 0;
    }
}
