"""Writes a results run with synthetic `mrc` and `sweep_stats` tables, so that cache-sizing.ipynb can be
executed (and its plots checked) before simulate and sweep write these tables.

    cache_sizing_fixture.py SOURCE_RUN OUT_DIR

The tables have exactly the columns the README defines. The numbers are synthetic, not simulator output:
each domain (and device, and unit) of SOURCE_RUN's domain_stats (device_stats) keeps its IOTLB accesses,
and its fully associative LRU miss ratio at e entries is floor + (1 - floor) * exp(-e / k), with the floor
0.8 x the run's miss ratio and k = 8, 16 or 32; a set-associative cache of W ways misses (1 + 0.5 / W)
times as often (capped at every access). `sweep_stats` is domain_stats crossed with iotlb.entries
16, 64, 256 and iotlb.policy lru, fifo, random (fifo 1.08 and random 1.12 x the LRU miss ratio); its
setting columns are named and typed as sweep writes them (iotlb_entries bigint, iotlb_policy string),
and run_info gets the sweep's swept_keys row. Ids not applicable to a scope are null in some rows and -1 in others, as
either is allowed. SOURCE_RUN's run_info is copied so that the notebook finds the configured IOTLB size.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import iommusim_nb as nb  # noqa: E402

MAX_ENTRIES = 4096
SET_COUNTS = (1, 8, 16, 64)
ENTRIES = (16, 64, 256)
POLICIES = {"lru": 1.0, "fifo": 1.08, "random": 1.12}


def main(source, out):
    source, run = Path(source), Path(out) / "cache-sizing-fixture"
    db = nb.connect()

    def copy(table, select):
        (run / table).mkdir(parents=True, exist_ok=True)
        db.execute(f"COPY ({select}) TO '{run / table / 'part-00000.parquet'}' (FORMAT parquet)")

    def src(table):
        return f"read_parquet('{source / table}/*.parquet')"

    geometry = " UNION ALL ".join(
        f"SELECT {s} AS sets, w AS ways FROM range(1, {MAX_ENTRIES // s + 1}) t(w)" for s in SET_COUNTS)
    # one key stream per scope: (scope, unit, domain, sid, accesses, floor, k)
    streams = f"""
        SELECT 'domain' AS scope, unit, domain, CAST(NULL AS INTEGER) AS sid, iotlb_hits + iotlb_misses AS accesses,
               0.8 * iotlb_miss_ratio AS floor, 8 * pow(2, abs(domain) % 3) AS k
        FROM {src('domain_stats')} WHERE iotlb_hits + iotlb_misses > 0
        UNION ALL
        SELECT 'device', unit, CAST(NULL AS INTEGER), sid, iotlb_hits + iotlb_misses,
               0.8 * iotlb_miss_ratio, 8 * pow(2, sid % 3)
        FROM {src('device_stats')} WHERE iotlb_hits + iotlb_misses > 0
        UNION ALL
        SELECT 'unit', unit, -1, -1, sum(iotlb_hits + iotlb_misses),
               0.8 * sum(iotlb_misses) / sum(iotlb_hits + iotlb_misses), 32
        FROM {src('domain_stats')} GROUP BY unit HAVING sum(iotlb_hits + iotlb_misses) > 0"""
    curve = "least(1.0, (floor + (1 - floor) * exp(-(sets * ways) / k)) * CASE WHEN sets = 1 THEN 1 ELSE 1 + 0.5 / ways END)"
    copy("mrc", f"""
        WITH m AS (SELECT scope, unit, domain, sid, CAST(sets AS INTEGER) AS sets, CAST(ways AS INTEGER) AS ways,
                          CAST(sets * ways AS INTEGER) AS entries, CAST(accesses AS BIGINT) AS accesses,
                          CAST(round(accesses * {curve}) AS BIGINT) AS misses
                   FROM ({streams}) CROSS JOIN ({geometry}))
        SELECT 'fixture' AS config_id, *, CAST(misses AS DOUBLE) / accesses AS miss_ratio FROM m
        ORDER BY scope, unit, domain, sid, sets, ways""")

    grid = " UNION ALL ".join(f"SELECT '{e}' AS entries, '{p}' AS policy, {f} AS factor"
                              for e in ENTRIES for p, f in POLICIES.items())
    copy("sweep_stats", f"""
        WITH d AS (SELECT *, iotlb_hits + iotlb_misses AS accesses, 8 * pow(2, abs(domain) % 3) AS k,
                          0.8 * iotlb_miss_ratio AS floor
                   FROM {src('domain_stats')}),
        s AS (SELECT d.*, g.entries, g.policy,
                     CAST(round(accesses * least(1.0, factor * (floor + (1 - floor) * exp(-CAST(g.entries AS INTEGER) / k))))
                          AS BIGINT) AS misses
              FROM d CROSS JOIN ({grid}) g)
        SELECT * EXCLUDE (accesses, k, floor, entries, policy, misses, config_id)
                 REPLACE (CASE WHEN accesses = 0 THEN iotlb_hits ELSE accesses - misses END AS iotlb_hits,
                          CASE WHEN accesses = 0 THEN iotlb_misses ELSE misses END AS iotlb_misses,
                          CASE WHEN accesses = 0 THEN iotlb_misses ELSE misses END AS page_walks,
                          CASE WHEN accesses = 0 THEN NULL ELSE CAST(misses AS DOUBLE) / accesses END AS iotlb_miss_ratio),
               CAST(entries AS BIGINT) AS iotlb_entries, policy AS iotlb_policy,
               substr(md5(entries || policy), 1, 12) AS config_id
        FROM s ORDER BY config_id, unit, domain""")
    # the sweep's run_info names the swept keys; sweep_stats names their columns with "_" for "."
    copy("run_info", f"""SELECT * FROM {src('run_info')}
                         UNION ALL SELECT 'fixture', 'sweep', 'swept_keys', 'iotlb.entries,iotlb.policy'""")
    print(f"cache-sizing fixture: {run}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
