package io.spikestream.ingest.format;

import com.google.flatbuffers.Table;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The flatbuffer tables of AEDAT 4.0 that the decoder reads, as the flatbuffers compiler would generate them from
 * dv-processing's schemas (the project does not run {@code flatc}; these accessors are the generated code's shape on
 * the official {@link Table} runtime):
 *
 * <pre>
 *   file_identifier "IOHE"  table IOHeader { compression: CompressionType (int32) = NONE;
 *                                           dataTablePosition: int64 = -1; infoNode: string; }
 *   file_identifier "EVTS"  table EventPacket { elements: [Event]; }
 *                           struct Event { timestamp: int64; x: int16; y: int16; polarity: bool; }  // 16 bytes
 * </pre>
 *
 * Both are written size-prefixed: {@code int32 size}, then the buffer (root offset, identifier, ...).
 * Accessors throw {@link IndexOutOfBoundsException} or {@link IllegalArgumentException} on offsets that leave the
 * buffer; the decoder turns those into {@link DecodeException}s.
 */
final class Aedat4Layout {

    static final String VERSION_LINE = "#!AER-DAT4.0\r\n";
    static final int NONE = 0;
    static final int LZ4 = 1;
    static final int LZ4_HIGH = 2;
    static final int ZSTD = 3;
    static final int ZSTD_HIGH = 4;
    static final int EVENT_BYTES = 16;
    static final int EVENT_TIMESTAMP = 0;
    static final int EVENT_X = 8;
    static final int EVENT_Y = 10;
    static final int EVENT_POLARITY = 12;
    /** {@code int32 streamId, int32 size} before every packet. */
    static final int PACKET_HEADER_BYTES = 8;

    private Aedat4Layout() {
    }

    /** Positions {@code bb} on a size-prefixed buffer's root: little-endian, root offset after the size. */
    static int rootOf(ByteBuffer bb, int sizePrefixAt) {
        bb.order(ByteOrder.LITTLE_ENDIAN);
        int root = sizePrefixAt + 4;
        return root + bb.getInt(root);
    }

    /** IOHeader accessor. */
    static final class IoHeader extends Table {
        static IoHeader of(ByteBuffer bb, int sizePrefixAt) {
            IoHeader h = new IoHeader();
            h.__reset(rootOf(bb, sizePrefixAt), bb);
            return h;
        }

        int compression() {
            int o = __offset(4);
            return o != 0 ? bb.getInt(o + bb_pos) : NONE;
        }

        long dataTablePosition() {
            int o = __offset(6);
            return o != 0 ? bb.getLong(o + bb_pos) : -1L;
        }

        String infoNode() {
            int o = __offset(8);
            return o != 0 ? __string(o + bb_pos) : null;
        }
    }

    /** EventPacket accessor: where the struct vector starts and how many events it holds. */
    static final class EventPacket extends Table {
        static EventPacket of(ByteBuffer bb, int sizePrefixAt) {
            EventPacket p = new EventPacket();
            p.__reset(rootOf(bb, sizePrefixAt), bb);
            return p;
        }

        /** Byte index of the first event struct, or -1 when the packet has no elements vector. */
        int elementsStart() {
            int o = __offset(4);
            return o != 0 ? __vector(o) : -1;
        }

        int elementsLength() {
            int o = __offset(4);
            return o != 0 ? __vector_len(o) : 0;
        }
    }
}
