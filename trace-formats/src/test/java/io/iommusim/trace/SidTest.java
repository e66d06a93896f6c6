package io.iommusim.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SidTest {
  @Test
  void parsesEveryTextForm() {
    assertEquals(0x0301, Sid.parse("0000:03:00.1"));
    assertEquals(0x03FF, Sid.parse("03:1f.7"));
    assertEquals(0x03FF, Sid.parse("03:1F.7"));
    assertEquals(0x0301, Sid.parse("0x0301"));
    assertEquals(0x0301, Sid.parse("769"));
    assertEquals(0x10000, Sid.parse("0001:00:00.0"));
    assertEquals(0x7FFFFFFF, Sid.parse("7fff:ff:1f.7"));
    assertEquals(0, Sid.parse("0"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "00:20.0", "00:00.8", "100:00.0", "8000:00:00.0", "ffff:ff:1f.7", "0:0:0:0.0",
      "00:00", "00.0", "0x80000000", "4294967295", "-2", "00:1g.0", ":00.0", "00:.0", "00:00.",
      "0x\uff11", "00:0\uff11.0"})
  void rejectsBadText(String text) {
    assertEquals(-1, Sid.parse(text));
  }

  @Test
  void formatsShortFormWhenSegmentIsZero() {
    assertEquals("03:00.1", Sid.format(0x0301));
    assertEquals("03:1f.7", Sid.format(0x03FF));
    assertEquals("00:00.0", Sid.format(0));
    assertEquals("0001:00:00.0", Sid.format(0x10000));
    assertEquals("7fff:ff:1f.7", Sid.format(0x7FFFFFFF));
    assertEquals("", Sid.format(-1));
  }

  @Test
  void formatThenParseIsIdentity() {
    for (int sid : new int[] {0, 1, 0xFF, 0x100, 0x0301, 0xFFFF, 0x10000, 0x1021C, 0x7FFF0000, 0x7FFFFFFF}) {
      assertEquals(sid, Sid.parse(Sid.format(sid)));
    }
  }

  @Test
  void fieldsOfAnId() {
    int sid = Sid.of(1, 2, 3, 4); // 0x10000 | 0x200 | 3 << 3 | 4
    assertEquals(0x1021C, sid);
    assertEquals(1, Sid.segment(sid));
    assertEquals(2, Sid.bus(sid));
    assertEquals(0x1C, Sid.devfn(sid));
  }
}
