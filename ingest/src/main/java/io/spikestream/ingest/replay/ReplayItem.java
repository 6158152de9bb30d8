package io.spikestream.ingest.replay;

import java.nio.file.Path;

/**
 * One recording to replay.
 *
 * @param file      the recording
 * @param sampleId  its path relative to the folder it was found in ({@code 7/00012.bin}), or its file name
 * @param labelName the name of the folder it sits in, null for files given directly or at a folder's top level
 * @param label     class index for {@code labelName} (see {@link ReplayPlan}), null when unlabelled
 */
public record ReplayItem(Path file, String sampleId, String labelName, Integer label) {

    public boolean labelled() {
        return labelName != null;
    }
}
