package io.spikestream.network.checkpoint;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Layout of a checkpoint file: constants and offsets only (no code touching a file writes a literal offset).
 *
 * <pre>
 *  file
 *  +-----------------------------------------------------------------------------------------------+
 *  | header   0  magic          8 B  "SPKCKPT\n"                                                    |
 *  |          8  version        i32  {@link #VERSION}                                               |
 *  |         12  byteOrderMark  i32  0x01020304 in the writer's byte order                          |
 *  |         16  headerBytes    i32  bytes from 0 to the first section (shape text and padding)     |
 *  |         20  sectionCount   i32                                                                 |
 *  |         24  shapeHash      i64  FNV-1a of the shape text                                       |
 *  |         32  shapeBytes     i32  length of the UTF-8 shape text                                 |
 *  |         36  headerCrc      i32  CRC32C of bytes [0, 36) and of the shape text                  |
 *  |         40  shape text, UTF-8, zero-padded to a multiple of 8                                  |
 *  +-----------------------------------------------------------------------------------------------+
 *  | section  0  nameBytes      i32                                                                 |
 *  | (x N)    4  headCrc        i32  CRC32C of bodyBytes, bodyCrc and the name                      |
 *  |          8  bodyBytes      i64                                                                 |
 *  |         16  bodyCrc        i32  CRC32C of the body                                             |
 *  |         20  reserved       i32                                                                 |
 *  |         24  name, UTF-8, zero-padded to 8;  then the body, zero-padded to 8                    |
 *  +-----------------------------------------------------------------------------------------------+
 *  | trailer  0  endMagic       8 B  "SPKEND\n\0"                                                   |
 *  |          8  fileBytes      i64  total length of the file: a truncated file is detected        |
 *  +-----------------------------------------------------------------------------------------------+
 * </pre>
 *
 * Numbers are in the writer's native byte order (recorded by the byte-order mark; a reader on a machine of the
 * other order refuses the file rather than converting it). Every section and array starts on an 8-byte boundary,
 * so a mapped file can be read with plain element copies. Bodies are written by {@link StateWriter}: arrays carry
 * their element count, so a reader can tell "this network has another size" from "this file is damaged".
 *
 * <p>Version history: 1 = first format.
 */
public final class CheckpointFormat {

    private static final byte[] MAGIC = "SPKCKPT\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final byte[] END_MAGIC = "SPKEND\n\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    public static final int VERSION = 1;
    public static final int BYTE_ORDER_MARK = 0x01020304;

    public static final int MAGIC_OFFSET = 0;
    public static final int VERSION_OFFSET = 8;
    public static final int BYTE_ORDER_OFFSET = 12;
    public static final int HEADER_BYTES_OFFSET = 16;
    public static final int SECTION_COUNT_OFFSET = 20;
    public static final int SHAPE_HASH_OFFSET = 24;
    public static final int SHAPE_BYTES_OFFSET = 32;
    public static final int HEADER_CRC_OFFSET = 36;
    public static final int SHAPE_OFFSET = 40;

    public static final int SECTION_NAME_BYTES_OFFSET = 0;
    public static final int SECTION_HEAD_CRC_OFFSET = 4;
    public static final int SECTION_BODY_BYTES_OFFSET = 8;
    public static final int SECTION_BODY_CRC_OFFSET = 16;
    public static final int SECTION_NAME_OFFSET = 24;

    public static final int TRAILER_MAGIC_OFFSET = 0;
    public static final int TRAILER_FILE_BYTES_OFFSET = 8;
    public static final int TRAILER_BYTES = 16;

    /** Native order, unaligned access: a mapped file is page aligned, but a checkpoint may also sit in a byte[]. */
    static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED;
    static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
    static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED;

    private CheckpointFormat() {
    }

    /** Rounds up to the next multiple of 8. */
    public static long align8(long n) {
        return (n + 7) & ~7L;
    }

    public static long headerBytes(int shapeBytes) {
        return SHAPE_OFFSET + align8(shapeBytes);
    }

    public static long sectionHeadBytes(int nameBytes) {
        return SECTION_NAME_OFFSET + align8(nameBytes);
    }

    public static ByteOrder nativeOrder() {
        return ByteOrder.nativeOrder();
    }

    /** 64-bit FNV-1a, for a short printable identity of a shape text (the text itself is what is compared). */
    public static long fnv1a(byte[] data) {
        long h = 0xcbf29ce484222325L;
        for (byte b : data) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** The 8 magic bytes that open a checkpoint (written byte by byte: readable whatever the byte order). */
    public static byte[] magic() {
        return MAGIC.clone();
    }

    /** The 8 magic bytes that open the trailer. */
    public static byte[] endMagic() {
        return END_MAGIC.clone();
    }
}
