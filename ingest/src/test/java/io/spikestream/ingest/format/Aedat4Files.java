package io.spikestream.ingest.format;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import com.google.flatbuffers.FlatBufferBuilder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.apache.commons.compress.compressors.lz4.BlockLZ4CompressorOutputStream;
import org.apache.commons.compress.compressors.lz4.FramedLZ4CompressorOutputStream;

/**
 * Test helper: writes AEDAT 4.0 recordings the way DV does (IOHeader, packets of size-prefixed flatbuffers, LZ4
 * frames with linked blocks or Zstd), with frame and IMU packets of other streams to skip and a data table at the end.
 */
final class Aedat4Files {

    enum Codec { NONE, LZ4, ZSTD, ZSTD_STREAMING }

    private Aedat4Files() {
    }

    static byte[] write(AedatFiles.Events e, int width, int height, Codec codec, int eventsPerPacket) {
        ByteArrayOutputStream packets = new ByteArrayOutputStream();
        for (int i = 0, k = 0; i < e.size(); i += eventsPerPacket, k++) {
            int n = Math.min(eventsPerPacket, e.size() - i);
            packet(packets, 1, compress(codec, opaque(200 + k % 50)));    // frames stream: skipped
            packet(packets, 0, compress(codec, eventPacket(e, i, n)));
            if (k % 2 == 0) {
                packet(packets, 2, compress(codec, opaque(30)));           // IMU stream: skipped
            }
        }
        byte[] header0 = ioHeader(codec, 0, width, height);
        long dataTable = Aedat4Layout.VERSION_LINE.length() + header0.length + packets.size();
        byte[] header = ioHeader(codec, dataTable, width, height);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(Aedat4Layout.VERSION_LINE.getBytes(StandardCharsets.ISO_8859_1));
        out.writeBytes(header);
        out.writeBytes(packets.toByteArray());
        out.writeBytes(opaque(64)); // stands for the FileDataTable, which readers do not need
        return out.toByteArray();
    }

    static int headerBytes(Codec codec, int width, int height) {
        return Aedat4Layout.VERSION_LINE.length() + ioHeader(codec, 0, width, height).length;
    }

    static byte[] ioHeader(Codec codec, long dataTable, int width, int height) {
        String xml = """
            <dv version="2.0">
                <node name="outInfo" path="/mainloop/Recorder/outInfo/">
                    <node name="0" path="/mainloop/Recorder/outInfo/0/">
                        <attr key="compression" type="string">%s</attr>
                        <attr key="typeIdentifier" type="string">EVTS</attr>
                        <node name="info" path="/mainloop/Recorder/outInfo/0/info/">
                            <attr key="sizeX" type="int">%d</attr>
                            <attr key="sizeY" type="int">%d</attr>
                        </node>
                    </node>
                    <node name="1" path="/mainloop/Recorder/outInfo/1/">
                        <attr key="typeIdentifier" type="string">FRME</attr>
                    </node>
                    <node name="2" path="/mainloop/Recorder/outInfo/2/">
                        <attr key="typeIdentifier" type="string">IMUS</attr>
                    </node>
                </node>
            </dv>
            """.formatted(codec, width, height);
        FlatBufferBuilder fbb = new FlatBufferBuilder(1024);
        fbb.forceDefaults(true); // fixed layout: the header is written twice, the second time with the table position
        int info = fbb.createString(xml);
        fbb.startTable(3);
        fbb.addLong(1, dataTable, -1L);
        fbb.addOffset(2, info, 0);
        fbb.addInt(0, switch (codec) {
            case NONE -> Aedat4Layout.NONE;
            case LZ4 -> Aedat4Layout.LZ4;
            case ZSTD, ZSTD_STREAMING -> Aedat4Layout.ZSTD;
        }, 0);
        int root = fbb.endTable();
        fbb.finishSizePrefixed(root, "IOHE");
        return fbb.sizedByteArray();
    }

    static byte[] eventPacket(AedatFiles.Events e, int from, int n) {
        FlatBufferBuilder fbb = new FlatBufferBuilder(n * 16 + 64);
        fbb.startVector(16, n, 8);
        for (int i = from + n - 1; i >= from; i--) {
            fbb.prep(8, 16);
            fbb.pad(3);
            fbb.putBoolean(e.p()[i] != 0);
            fbb.putShort((short) e.y()[i]);
            fbb.putShort((short) e.x()[i]);
            fbb.putLong(e.t()[i]);
        }
        int vector = fbb.endVector();
        fbb.startTable(1);
        fbb.addOffset(0, vector, 0);
        int root = fbb.endTable();
        fbb.finishSizePrefixed(root, "EVTS");
        return fbb.sizedByteArray();
    }

    static byte[] opaque(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 31 + 7);
        }
        return b;
    }

    static byte[] compress(Codec codec, byte[] raw) {
        try {
            return switch (codec) {
                case NONE -> raw;
                case ZSTD -> Zstd.compress(raw, 3);
                case ZSTD_STREAMING -> {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    try (ZstdOutputStreamNoFinalizer z = new ZstdOutputStreamNoFinalizer(out, 3)) {
                        z.write(raw);
                    }
                    yield out.toByteArray();
                }
                case LZ4 -> {
                    // 64 KiB linked blocks with a content checksum, as DV's LZ4F preferences produce
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    try (FramedLZ4CompressorOutputStream lz4 = new FramedLZ4CompressorOutputStream(out,
                        new FramedLZ4CompressorOutputStream.Parameters(
                            FramedLZ4CompressorOutputStream.BlockSize.K64, true, false, true,
                            BlockLZ4CompressorOutputStream.createParameterBuilder().tunedForSpeed().build()))) {
                        lz4.write(raw);
                    }
                    yield out.toByteArray();
                }
            };
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    static void packet(ByteArrayOutputStream out, int stream, byte[] data) {
        ByteBuffer h = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(stream).putInt(data.length);
        out.writeBytes(h.array());
        out.writeBytes(data);
    }
}
