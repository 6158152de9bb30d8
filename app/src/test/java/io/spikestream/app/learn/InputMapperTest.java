package io.spikestream.app.learn;

import io.spikestream.learner.InputMapper;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InputMapperTest {

    @Test
    void nestIndexingBlocklistAndRenumbering() {
        // 3x2 sensor, 12 pixel indices; block 0 and 7 (ON pixel x=1,y=0)
        InputMapper m = new InputMapper(3, 2, 1, new int[] {0, 7}, 0);
        assertEquals(10, m.inputs());
        assertEquals(InputMapper.DROPPED, m.map(0, 0, 0, 0));
        assertEquals(0, m.map(1, 0, 0, 0));          // pixel 1 -> first active
        assertEquals(4, m.map(2, 1, 0, 0));          // pixel 5: survivors 1..4 come before it
        assertEquals(InputMapper.DROPPED, m.map(1, 0, 1, 0)); // 6 + 0*3 + 1 = 7 blocked
        assertEquals(6, m.map(2, 0, 1, 0));          // pixel 8 -> after 7 dropped, 8 is the 7th survivor (index 6)
    }

    @Test
    void poolingMergesBlocksPerPolarity() {
        InputMapper m = new InputMapper(4, 4, 2, new int[0], 0);
        assertEquals(8, m.inputs());
        assertEquals(m.map(0, 0, 0, 0), m.map(1, 1, 0, 0));
        assertEquals(m.map(2, 2, 1, 0), m.map(3, 3, 1, 0));
        assertTrue(m.map(0, 0, 0, 0) != m.map(0, 0, 1, 0));
        assertEquals(7, m.map(3, 3, 1, 0));
    }

    @Test
    void hotPixelFilterAndGeometry() {
        InputMapper m = new InputMapper(2, 2, 1, new int[0], 1000);
        int a = m.map(1, 1, 0, 5_000);
        assertTrue(a >= 0);
        assertEquals(InputMapper.DROPPED, m.map(1, 1, 0, 5_500));   // within 1 ms of the last event of that pixel
        assertEquals(a, m.map(1, 1, 0, 6_000));
        assertFalse(m.inside(2, 0));
        assertFalse(m.inside(0, -1));
        assertThrows(IllegalArgumentException.class, () -> new InputMapper(2, 2, 1, new int[] {8}, 0));
    }
}
