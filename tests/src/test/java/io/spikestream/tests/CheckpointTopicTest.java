package io.spikestream.tests;

import io.spikestream.app.Main;
import io.spikestream.app.durable.CheckpointStore;
import io.spikestream.ingest.kafka.EmbeddedKafka;
import io.spikestream.ingest.kafka.KafkaEndpoint;
import io.spikestream.ingest.kafka.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checkpoints published to the compacted checkpoints topic ({@code learn --publish-checkpoints}) let another
 * instance take a model over ({@code checkpoint import --from-topic}): inline when small, by file URI when large; the
 * imported state is the published one, byte for byte.
 */
class CheckpointTopicTest {

    record Run(int rc, String out, String err) {
    }

    static Run main(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = System.out;
        PrintStream e = System.err;
        int rc;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            rc = Main.execute(args);
        } finally {
            System.setOut(o);
            System.setErr(e);
        }
        return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aModelPublishedByOneInstanceIsTakenOverByAnother(@TempDir Path dir) throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(); KafkaEndpoint endpoint = KafkaEndpoint.of(kafka)) {
            String events = "topic-events";
            String checkpoints = "topic-checkpoints";
            Topics.Spec compacted = Topics.standard(1).stream().filter(s -> s.name().equals(Topics.CHECKPOINTS)).findFirst()
                .orElseThrow().named(checkpoints);
            Topics.ensure(endpoint, List.of(new Topics.Spec(events, 1, Map.of()), compacted));
            Path store = dir.resolve("instance-a");
            for (int round = 0; round < 2; round++) {
                DurableStreams.replay(endpoint, events, "cam", round * 2, 2, 1024);
                List<String> args = new ArrayList<>(List.of("learn", "--bootstrap-servers", kafka.bootstrapServers(),
                    "--topic", events, "--group", "a", "--checkpoint-dir", store.toString(), "--until-end",
                    "--publish-checkpoints", "--checkpoints-topic", checkpoints, "--set", "network.n_rec=20"));
                if (round == 1) {
                    args.addAll(List.of("--publish-inline-limit", "1000")); // too small: published by file URI
                }
                Run learn = main(args.toArray(String[]::new));
                assertEquals(0, learn.rc(), learn.err());

                Path other = dir.resolve("instance-b-" + round);
                Run imp = main("checkpoint", "import", "--bootstrap-servers", kafka.bootstrapServers(), "--from-topic",
                    checkpoints, "--model", "cam", "--dir", other.toString(), "--payload-dir", store.toString());
                assertEquals(0, imp.rc(), imp.err());
                assertTrue(imp.out().startsWith("imported model=cam version=1 "), imp.out());
                DurableStreams.assertSameLearnedState(DurableStreams.learnedState(DurableStreams.newest(store, "cam")),
                    DurableStreams.learnedState(DurableStreams.newest(other, "cam")), "round " + round);
                try (var o = CheckpointStore.existing(other).openNewest("cam").orElseThrow()) {
                    assertTrue(o.positions().stream().allMatch(p -> p.floor() == -1), "floors dropped: " + o.positions());
                    assertTrue(o.positions().stream().anyMatch(p -> p.topic().equals(events) && p.next() > 0), o.positions().toString());
                }
            }
            Run missing = main("checkpoint", "import", "--bootstrap-servers", kafka.bootstrapServers(), "--from-topic",
                checkpoints, "--model", "nobody", "--dir", dir.resolve("c").toString());
            assertEquals(2, missing.rc());
            assertTrue(missing.err().contains("no checkpoint of model 'nobody'"), missing.err());
        }
    }
}
