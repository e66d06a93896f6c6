package io.iommusim.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NumbersTest {
  @Test
  void parsesDecimalAndHex() {
    assertEquals(0, Numbers.parseLongOrMin("0"));
    assertEquals(0, Numbers.parseLongOrMin("-0"));
    assertEquals(42, Numbers.parseLongOrMin("42"));
    assertEquals(-42, Numbers.parseLongOrMin("-42"));
    assertEquals(Long.MAX_VALUE, Numbers.parseLongOrMin("9223372036854775807"));
    assertEquals(171, Numbers.parseLongOrMin("0XaB"));
    assertEquals(-16, Numbers.parseLongOrMin("-0x10"));
    assertEquals(-1L, Numbers.parseLongOrMin("0xFFFFFFFFFFFFFFFF"));
    assertEquals(0x7FFFFFFFFFFFFFFFL, Numbers.parseLongOrMin("0x7fffffffffffffff"));
    assertEquals(1, Numbers.parseLongOrMin("0x00000000000000001")); // 17 digits, 16 of them leading zeros
    assertEquals(0, Numbers.parseLongOrMin("0x0000000000000000000"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "-", "+1", "0x", "-0x", "1a", "0x1g", " 1", "1 ",
      "9223372036854775808", "21000000000000000000", "99999999999999999999",
      "0x1FFFFFFFFFFFFFFFF", "-0xFFFFFFFFFFFFFFFF", "\u0663", "0x\uff11"})
  void notANumber(String text) {
    assertEquals(Long.MIN_VALUE, Numbers.parseLongOrMin(text));
  }
}
