package io.iommusim.translator.ir;

import static io.iommusim.translator.ir.IrBits.remappable;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** MSI address/data decoding; every expected value derived by hand from the §1.4 address table. */
class MsiAddressTest {
  @Test
  void interruptWindowBounds() {
    assertFalse(MsiAddress.isInterruptWindow(0xFEDF_FFFFL), "one below the window");
    assertTrue(MsiAddress.isInterruptWindow(0xFEE0_0000L), "first byte");
    assertTrue(MsiAddress.isInterruptWindow(0xFEEF_FFFFL), "last byte");
    assertFalse(MsiAddress.isInterruptWindow(0xFEF0_0000L), "one past the window");
    assertFalse(MsiAddress.isInterruptWindow(0x1_FEE0_0000L), "same low 32 bits, above 4 GiB");
    assertFalse(MsiAddress.isInterruptWindow(-1L), "2^64 - 1 (unsigned) is not in the window");
  }

  @Test
  void handleFromBits19To5() {
    // handle 0x1234: 0x1234 << 5 = 0x24680; + bit 4 (0x10) + 0xFEE00000 = 0xFEE24690.
    long a = 0xFEE2_4690L;
    assertEquals(a, remappable(0x1234, false), "the test helper agrees with the hand value");
    assertTrue(MsiAddress.isRemappable(a));
    assertFalse(MsiAddress.shv(a));
    assertEquals(0x1234, MsiAddress.handle(a));
  }

  @Test
  void handleBit15FromAddressBit2() {
    // bit 4 (0x10) + bit 2 (0x04): handle[14:0] = 0, handle[15] = 1 -> 0x8000.
    assertEquals(0x8000, MsiAddress.handle(0xFEE0_0014L));
    // bits 19:5 all ones = 0xFFFE0, + 0x10 + 0x04 -> 0xFEEFFFF4: handle 0xFFFF.
    assertEquals(0xFFFF, MsiAddress.handle(0xFEEF_FFF4L));
    // Without bit 2 the same address gives 0x7FFF.
    assertEquals(0x7FFF, MsiAddress.handle(0xFEEF_FFF0L));
    // Bits 1:0 are don't-care.
    assertEquals(0x7FFF, MsiAddress.handle(0xFEEF_FFF3L));
  }

  @Test
  void compatibilityFormatIsBit4Clear() {
    assertFalse(MsiAddress.isRemappable(0xFEE0_1000L));
    assertTrue(MsiAddress.isRemappable(0xFEE0_0010L));
  }

  @Test
  void subhandleArithmetic() {
    // handle 0x100, SHV = 1: 0x100 << 5 = 0x2000; + 0x10 + 0x08 -> 0xFEE02018.
    long a = 0xFEE0_2018L;
    assertEquals(a, remappable(0x100, true));
    assertTrue(MsiAddress.shv(a));
    assertEquals(5, MsiAddress.subhandle(0x0005));
    assertEquals(0x105, MsiAddress.index(a, 0x0005), "0x100 + 5");
    // SHV = 0: the data is not part of the index.
    assertEquals(0x100, MsiAddress.index(remappable(0x100, false), 0x0005));
    // handle 0x8000 (via bit 2) + subhandle 0xFFFF = 0x17FFF = 98303: no 16-bit wrap-around.
    assertEquals(0x17FFF, MsiAddress.index(remappable(0x8000, true), 0xFFFF));
    // The largest index: 0xFFFF + 0xFFFF = 0x1FFFE.
    assertEquals(0x1FFFE, MsiAddress.index(0xFEEF_FFFCL, 0xFFFF));
  }

  @Test
  void reservedFieldsOfTheRequest() {
    assertFalse(MsiAddress.addressReserved(0xFEE0_0010L));
    assertTrue(MsiAddress.addressReserved(0x1_FEE0_0010L), "bits 63:32 not 0");
    assertTrue(MsiAddress.addressReserved(0xFED0_0010L), "bits 31:20 = 0xFED");
    assertTrue(MsiAddress.addressReserved(0x0000_0010L), "bits 31:20 = 0");
    long shv = remappable(0, true);
    assertFalse(MsiAddress.dataReserved(shv, 0xFFFF), "data[31:16] = 0");
    assertTrue(MsiAddress.dataReserved(shv, 0x1_0000), "data bit 16");
    assertTrue(MsiAddress.dataReserved(shv, 0x8000_0000L), "data bit 31");
    assertFalse(MsiAddress.dataReserved(remappable(0, false), 0xFFFF_0000L), "SHV = 0: data not checked");
  }
}
