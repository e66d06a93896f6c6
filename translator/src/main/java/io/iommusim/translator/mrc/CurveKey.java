package io.iommusim.translator.mrc;

import java.util.Comparator;

/**
 * One curve of table {@code mrc}: a scope and its ids. Ids that do not apply are -1: the domain and
 * sid of a unit curve, the sid of a domain curve, the domain of a device curve (a device may translate
 * in several domains). Ordered by unit, scope (unit, domain, device), domain, sid: the table's order.
 */
public record CurveKey(MrcScope scope, int unit, int domain, int sid) implements Comparable<CurveKey>,
    java.io.Serializable {
  private static final Comparator<CurveKey> ORDER = Comparator.comparingInt(CurveKey::unit)
      .thenComparingInt(k -> k.scope().ordinal())
      .thenComparingInt(CurveKey::domain)
      .thenComparingInt(CurveKey::sid);

  public static CurveKey ofUnit(int unit) {
    return new CurveKey(MrcScope.UNIT, unit, -1, -1);
  }

  public static CurveKey ofDomain(int unit, int domain) {
    return new CurveKey(MrcScope.DOMAIN, unit, domain, -1);
  }

  public static CurveKey ofDevice(int unit, int sid) {
    return new CurveKey(MrcScope.DEVICE, unit, -1, sid);
  }

  @Override
  public int compareTo(CurveKey o) {
    return ORDER.compare(this, o);
  }

  @Override
  public String toString() {
    switch (scope) {
      case UNIT:
        return "unit " + unit;
      case DOMAIN:
        return "domain " + domain + " of unit " + unit;
      default:
        return "device " + io.iommusim.trace.Sid.format(sid) + " of unit " + unit;
    }
  }
}
