package io.iommusim.translator.ir;

import static io.iommusim.translator.ir.IrBits.hi;
import static io.iommusim.translator.ir.IrBits.lo;
import static io.iommusim.translator.ir.IrBits.rid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** IRTE field decoding, reserved bits and source validation, by hand from the §1.4 IRTE table. */
class IrteTest {
  @Test
  void fieldsOfTheRemappedFormat() {
    // P=1 (0x1), FPD=1 (0x2), DM=1 (0x4), TM=1 (0x10), DLM=0b101 (bits 7:5 -> 0xA0), avail 0xF (0xF00),
    // vector 0x41 (0x41_0000), destination 0x0000_0300 (bits 63:32).
    long lo = 0x0000_0300_0041_0FB7L;
    // check the hand sum: 0x1 + 0x2 + 0x4 + 0x10 + 0xA0 + 0xF00 = 0xFB7
    assertTrue(Irte.present(lo));
    assertTrue(Irte.fpd(lo));
    assertEquals(1, Irte.dm(lo));
    assertEquals(0, Irte.rh(lo));
    assertEquals(1, Irte.tm(lo));
    assertEquals(5, Irte.dlm(lo));
    assertEquals(0x41, Irte.vector(lo));
    assertEquals(0x300, Irte.destination(lo));
    assertFalse(Irte.posted(lo));
    assertFalse(Irte.hasReservedBits(lo, 0), "available bits 11:8 are not reserved");
    // RH alone: bit 3.
    assertEquals(1, Irte.rh(0x8));
    // hi: SID 0xBEEF (bits 15:0), SQ 2 (bits 17:16 -> 0x2_0000), SVT 1 (bits 19:18 -> 0x4_0000).
    long hi = 0x6_BEEFL;
    assertEquals(hi, hi(0xBEEF, 2, 1));
    assertEquals(0xBEEF, Irte.sid(hi));
    assertEquals(2, Irte.sq(hi));
    assertEquals(1, Irte.svt(hi));
  }

  @ParameterizedTest(name = "remapped format, bit {0} is reserved")
  @CsvSource({"12", "13", "14", "24", "31", "84", "100", "127"})
  void reservedBitsOfTheRemappedFormat(int bit) {
    long lo = lo();
    long hi = 0;
    if (bit < 64) {
      lo |= 1L << bit;
    } else {
      hi |= 1L << (bit - 64);
    }
    assertTrue(Irte.hasReservedBits(lo, hi));
  }

  @ParameterizedTest(name = "remapped format, bit {0} is not reserved")
  @CsvSource({"0", "1", "2", "3", "4", "7", "8", "11", "16", "23", "32", "63", "64", "79", "80", "83"})
  void definedBitsOfTheRemappedFormat(int bit) {
    long lo = bit < 64 ? 1L << bit : 0;
    long hi = bit < 64 ? 0 : 1L << (bit - 64);
    assertFalse(Irte.hasReservedBits(lo, hi));
  }

  @Test
  void postedFormatHasItsOwnReservedBits() {
    long posted = lo() | 1L << 15;
    // The posted-descriptor address in bits 127:96 (hi bits 63:32) is not reserved in the posted format,
    // although bits 127:84 are in the remapped format.
    long pdaHigh = 0x0000_0001_0000_0000L;
    assertFalse(Irte.hasReservedBits(posted, pdaHigh));
    assertTrue(Irte.hasReservedBits(lo(), pdaHigh), "same hi word, remapped format");
    assertTrue(Irte.hasReservedBits(posted | 1L << 2, 0), "posted: bit 2 (DM in remapped) is reserved");
    assertTrue(Irte.hasReservedBits(posted | 1L << 30, 0), "posted: 37:24 reserved");
    assertTrue(Irte.hasReservedBits(posted, 1L << 20), "posted: bit 84 reserved");
    assertFalse(Irte.hasReservedBits(posted | 1L << 14 | 1L << 40, 0), "urgent (14) and PDA low (63:38)");
  }

  /**
   * SVT = 1. The IRTE SID is 03:03.0 = 0x0318 (0000 0011 0001 1000). Each requester differs from it in
   * exactly the bits named; SQ masks are 0xFFFF / 0xFFFB (ignore bit 2) / 0xFFF9 (ignore 2:1) /
   * 0xFFF8 (ignore 2:0).
   */
  @ParameterizedTest(name = "SQ={0} requester 0x{1} -> {2}")
  @CsvSource({
      "0, 0318, true",   // identical
      "0, 0319, false",  // bit 0
      "0, 031C, false",  // bit 2: not ignored with SQ 0
      "1, 031C, true",   // bit 2 ignored (03:03.4)
      "1, 031A, false",  // bit 1
      "1, 0319, false",  // bit 0
      "2, 031A, true",   // bit 1
      "2, 031E, true",   // bits 2 and 1 (03:03.6)
      "2, 0319, false",  // bit 0 still compared
      "2, 031B, false",  // bits 1 and 0
      "3, 031F, true",   // bits 2:0 (03:03.7)
      "3, 0319, true",   // bit 0
      "3, 0310, false",  // bit 3 = 03:02.0: another device
      "3, 0418, false",  // bus 4
      "0, 10318, true",  // segment bits above 15 are not compared
  })
  void svt1ComparesUnderTheSqMask(int sq, String requesterHex, boolean valid) {
    int requester = Integer.parseInt(requesterHex, 16);
    assertEquals(0x0318, rid(3, 3, 0), "hand value of the SID");
    assertEquals(valid, Irte.sourceValid(hi(0x0318, sq, 1), requester));
  }

  /** SVT = 2, SID = (start bus 4 << 8) | end bus 6 = 0x0406 (Linux set_irte_verify_bus). */
  @ParameterizedTest(name = "bus range 4..6, requester 0x{0} -> {1}")
  @CsvSource({
      "03FF, false", // bus 3, just below
      "0400, true",  // bus 4, start
      "05A3, true",  // bus 5, any devfn
      "06FF, true",  // bus 6, end
      "0700, false", // bus 7, just above
  })
  void svt2ChecksTheBusRange(String requesterHex, boolean valid) {
    assertEquals(valid, Irte.sourceValid(hi(0x0406, 0, 2), Integer.parseInt(requesterHex, 16)));
  }

  @Test
  void svt2StartBusIsTheHighByte() {
    // QEMU's reading of 0x0604 would be min 4, max 6 and admit bus 5; Linux's (start 6, end 4) admits none.
    assertFalse(Irte.sourceValid(hi(0x0604, 0, 2), 0x0500));
    assertFalse(Irte.sourceValid(hi(0x0604, 0, 2), 0x0600));
    // A single-bus range: start = end = 2.
    assertTrue(Irte.sourceValid(hi(0x0202, 0, 2), 0x0210));
    // SQ is ignored with SVT = 2.
    assertTrue(Irte.sourceValid(hi(0x0406, 3, 2), 0x0500));
  }

  @Test
  void svt0AcceptsAnyoneAndSvt3NoOne() {
    assertTrue(Irte.sourceValid(hi(0x0318, 0, 0), 0xFFFF));
    assertFalse(Irte.sourceValid(hi(0x0318, 0, 3), 0x0318), "SVT 3 fails even for the exact SID");
  }
}
