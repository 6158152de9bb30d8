package io.spikestream.ingest.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class EventFilesTest {

    @Test
    void detectsEveryRealRecording() throws Exception {
        assertEquals(EventFormat.NMNIST_BIN, EventFiles.detect(SharedData.data("nmnist/Test/0/00004.bin")));
        assertEquals(EventFormat.EVT2, EventFiles.detect(SharedData.data("formats/evt2/evt2_sample.raw")));
        assertEquals(EventFormat.EVT3, EventFiles.detect(SharedData.data("formats/evt3/evt3_sample.raw")));
        assertEquals(EventFormat.DAT, EventFiles.detect(SharedData.data("formats/dat/sample_ncars.dat")));
        assertEquals(EventFormat.AEDAT4, EventFiles.detect(SharedData.data("formats/aedat4/sample.aedat4")));
        assertEquals(EventFormat.AEDAT2,
            EventFiles.detect(SharedData.data("formats/aedat2/davis346_header_only.aedat")));
    }

    @Test
    void detectsByHeaderBeforeExtension() throws Exception {
        assertEquals(EventFormat.AEDAT31, detect("#!AER-DAT3.1\r\n#!END-HEADER\r\n", "x.aedat"));
        assertEquals(EventFormat.AEDAT4, detect("#!AER-DAT4.0\r\n", "x.bin"));
        assertEquals(EventFormat.AEDAT2, detect("#!AER-DAT2.0\r\n", "x.dat"));
        assertEquals(EventFormat.AEDAT2, detect("# old jAER file\r\n", "x.aedat"));
        assertEquals(EventFormat.EVT3, detect("% date x\n% format EVT3;height=720;width=1280\n", "x.raw"));
        assertEquals(EventFormat.EVT2, detect("% evt 2.0\n", "x.dat"));
        assertEquals(EventFormat.DAT, detect("% Date 2020\n% Version 2\n", "x.DAT"));
        assertEquals(EventFormat.NMNIST_BIN, detect("\u0001\u0002\u0003\u0004\u0005", "dir.v2/00001.BIN"));
    }

    @Test
    void unknownContentIsADecodeExceptionAtOffsetZero() {
        DecodeException e = assertThrows(DecodeException.class, () -> detect("hello", "notes.txt"));
        assertEquals(0, e.offset());
        assertEquals("notes.txt", e.source());
        assertThrows(DecodeException.class, () -> detect("% Date 2020\n", "x.raw"));
        assertThrows(DecodeException.class, () -> detect("", "empty"));
    }

    private static EventFormat detect(String head, String name) throws DecodeException {
        byte[] b = head.getBytes(StandardCharsets.ISO_8859_1);
        return EventFiles.detect(b, b.length, name);
    }
}
