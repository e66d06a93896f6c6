package io.iommusim.pipeline.validate;

import static io.iommusim.pipeline.validate.ObservedReasons.INTERRUPT;
import static io.iommusim.pipeline.validate.ObservedReasons.READ;
import static io.iommusim.pipeline.validate.ObservedReasons.UNKNOWN;
import static io.iommusim.pipeline.validate.ObservedReasons.WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.iommusim.pipeline.validate.ObservedReasons.Equivalent;
import io.iommusim.trace.Perm;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The vendor-code table of the README ("Fault validation"), entry by entry. */
class ObservedReasonsTest {
  private static List<Equivalent> eq(String vendor, int code, String access) {
    return ObservedReasons.equivalents(vendor, code, access);
  }

  private static Equivalent e(String access, int code) {
    return new Equivalent(access, code);
  }

  @Test
  void vtdLegacyCodesAreThemselvesWhenTheModelProducesThem() {
    assertEquals(List.of(e(WRITE, 0x05)), eq("vtd", 0x05, WRITE));
    assertEquals(List.of(e(WRITE, 0x05)), eq("vtd", 0x05, UNKNOWN));
    assertEquals(List.of(), eq("vtd", 0x05, READ)); // a read cannot lack write permission
    assertEquals(List.of(e(READ, 0x06)), eq("vtd", 0x06, READ));
    assertEquals(List.of(e(READ, 0x02), e(WRITE, 0x02)), eq("vtd", 0x02, UNKNOWN));
    assertEquals(List.of(e(WRITE, 0x01)), eq("vtd", 0x01, WRITE));
    assertEquals(List.of(e(READ, 0x04)), eq(null, 0x04, READ)); // no vendor: VT-d
    for (int never : new int[] {0x00, 0x03, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e}) {
      assertEquals(List.of(), eq("vtd", never, READ), Integer.toHexString(never));
    }
  }

  @Test
  void vtdScalableModeCodesMapOntoLegacyClasses() {
    assertEquals(List.of(e(READ, 0x01)), eq("vtd", 0x39, READ));
    for (int noContext : new int[] {0x41, 0x51, 0x59}) {
      assertEquals(List.of(e(WRITE, 0x02)), eq("vtd", noContext, WRITE));
    }
    for (int width : new int[] {0x74, 0x83, 0x84}) {
      assertEquals(List.of(e(READ, 0x04)), eq("vtd", width, READ));
    }
    assertEquals(List.of(e(READ, 0x06), e(WRITE, 0x05)), eq("vtd", 0x71, UNKNOWN));
    assertEquals(List.of(e(WRITE, 0x05)), eq("vtd", 0x79, WRITE));
    assertEquals(List.of(e(READ, 0x06)), eq("vtd", 0x86, READ));
    assertEquals(List.of(e(READ, 0x06)), eq("vtd", 0x76, READ));
    assertEquals(List.of(e(WRITE, 0x05)), eq("vtd", 0x85, WRITE));
    assertEquals(List.of(e(WRITE, 0x05)), eq("vtd", 0x77, WRITE));
    assertEquals(List.of(), eq("vtd", 0x80, READ));
    assertEquals(List.of(), eq("vtd", 0x5a, READ));
  }

  @Test
  void otherVendors() {
    assertEquals(List.of(e(READ, 0x06), e(WRITE, 0x05)), eq("amdvi", 0x2, UNKNOWN));
    assertEquals(List.of(e(WRITE, 0x05)), eq("amdvi", 0x2, WRITE));
    assertEquals(List.of(), eq("amdvi", 0x1, READ));
    assertEquals(List.of(e(READ, 0x06)), eq("smmuv3", 0x10, READ));
    assertEquals(List.of(e(WRITE, 0x05)), eq("smmuv3", 0x13, WRITE));
    assertEquals(List.of(e(READ, 0x04)), eq("smmuv3", 0x11, READ));
    assertEquals(List.of(e(READ, 0x01)), eq("smmuv3", 0x02, READ));
    assertEquals(List.of(e(READ, 0x02)), eq("smmuv3", 0x04, READ));
    assertEquals(List.of(), eq("smmuv3", 0x12, READ));
    assertEquals(List.of(e(READ, 0x06), e(WRITE, 0x05)), eq("smmuv2", 0x402, UNKNOWN)); // TF
    assertEquals(List.of(e(WRITE, 0x05)), eq("smmuv2", 0x8, WRITE)); // PF
    assertEquals(List.of(), eq("smmuv2", 0x4, READ)); // AFF only
  }

  @Test
  void interruptsAreVtdInterruptRemappingCodes() {
    assertEquals(INTERRUPT, ObservedReasons.access("vtd", 0x22, (byte) Perm.READ_WRITE));
    assertEquals(List.of(e(INTERRUPT, 0x26)), eq("vtd", 0x26, INTERRUPT));
    assertEquals(List.of(), eq("vtd", 0x23, INTERRUPT)); // the model cannot fail to read its table
    assertEquals(UNKNOWN, ObservedReasons.access("amdvi", 0x22, (byte) Perm.READ_WRITE));
    assertEquals(READ, ObservedReasons.access("vtd", 0x06, (byte) Perm.READ));
    assertEquals(WRITE, ObservedReasons.access("vtd", 0x06, (byte) Perm.WRITE));
    assertEquals(UNKNOWN, ObservedReasons.access("vtd", 0x06, (byte) Perm.NONE));
  }

  @Test
  void locationsArePagesOrIrteIndexes() {
    assertEquals(0x12345, ObservedReasons.location(READ, 0x06, 0x12345fffL, -1));
    assertEquals(7, ObservedReasons.location(INTERRUPT, 0x22, 0xfee000e0L, 7));
    assertEquals(-1, ObservedReasons.location(INTERRUPT, 0x25, 0xfee01000L, 3));
    assertEquals(-1, ObservedReasons.location(INTERRUPT, 0x20, 0xfef00000L, -1));
    assertEquals("0x05|0x06", ObservedReasons.equivalentText(eq("amdvi", 2, UNKNOWN)));
    assertEquals("none", ObservedReasons.equivalentText(List.of()));
  }
}
