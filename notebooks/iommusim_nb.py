"""What the iommusim notebooks share: where the results are, SQL over their tables, plot style.

Results. ``IOMMUSIM_RESULTS`` names the results directory (default: ``results/`` at the repository
root, where the README's quick start writes). Every directory under it (itself included) that holds
a result table (``domain_stats/``, ``run_info/``, ...) is one *run*, named by its path relative to the
results directory; ``notebooks/run.sh`` writes one run per sample trace there. Each table is a view
with a leading ``run`` column over the table's Parquet files of every run, so a query sees all runs
at once: ``SELECT run, domain, translations FROM domain_stats``.

SQL. DuckDB runs the queries: the ``duckdb`` Python package when it can be imported, otherwise DuckDB's
JDBC driver through JPype (the jar in ``IOMMUSIM_NB_JARS``, default ``notebooks/target/lib``, which
``mvn -B -q -f notebooks/pom.xml dependency:copy-dependencies`` fills). The SQL is the same either way.
"""

import os
from pathlib import Path

RESULTS_ENV = "IOMMUSIM_RESULTS"
JARS_ENV = "IOMMUSIM_NB_JARS"
REPO = Path(__file__).resolve().parent.parent
DEFAULT_RESULTS = REPO / "results"
DEFAULT_JARS = REPO / "notebooks" / "target" / "lib"

# The command that writes each table: what a notebook says when the table is missing.
SIMULATE = "`bin/iommusim simulate --input TRACE --out DIR`"
PRODUCED_BY = {
    "run_info": SIMULATE,
    "domain_stats": SIMULATE,
    "device_stats": SIMULATE,
    "faults": SIMULATE,
    "latency_histogram": SIMULATE,
    "security": SIMULATE,
    "mrc": "`bin/iommusim simulate` or `bin/iommusim sweep` with `mrc.enabled=true` (miss-ratio curves)",
    "sweep_stats": "`bin/iommusim sweep --input TRACE --out DIR --grid iotlb.entries=16,64,256 "
                   "--grid iotlb.policy=lru,fifo` (a configuration sweep)",
}
TABLES = tuple(PRODUCED_BY)

# Text of an absent-table note; test/check_notebooks.py looks for it.
ABSENT_MARKER = "not in the results"


def results_dir():
    """The results directory: $IOMMUSIM_RESULTS, or results/ at the repository root."""
    return Path(os.environ.get(RESULTS_ENV) or DEFAULT_RESULTS).expanduser().resolve()


def _is_table(d):
    return d.is_dir() and any(d.glob("*.parquet"))


def find_runs(root):
    """{run name: {table: directory}} for every run under root (root itself included), sorted by name."""
    root = Path(root)
    runs = {}
    if not root.is_dir():
        return runs
    for here, dirs, _ in os.walk(root):
        here = Path(here)
        tables = {t: here / t for t in TABLES if _is_table(here / t)}
        if tables:
            name = root.name if here == root else here.relative_to(root).as_posix()
            runs[name] = tables
        dirs[:] = sorted(d for d in dirs if d not in TABLES)  # a table directory holds no runs
    return dict(sorted(runs.items()))


def _sql_str(s):
    return "'" + str(s).replace("'", "''") + "'"


class Results:
    """The runs under one results directory, their tables as DuckDB views, and a query function.

    A sweep run (one with `sweep_stats`) holds many configurations in one directory; with sweeps=False
    its tables stay out of the views, so that per-run figures do not sum configurations."""

    def __init__(self, root=None, sweeps=True):
        self.root = Path(root) if root else results_dir()
        found = find_runs(self.root)
        self.sweeps = [run for run, tables in found.items() if "sweep_stats" in tables]
        self.runs = found if sweeps else {r: t for r, t in found.items() if r not in self.sweeps}
        self._db = connect()
        self.tables = {}
        for t in TABLES:
            files = [(run, _sql_str(str(tables[t]) + "/*.parquet")) for run, tables in self.runs.items() if t in tables]
            parts = [f"SELECT {_sql_str(run)} AS run, * FROM read_parquet({glob})" for run, glob in files]
            if parts:
                self._db.execute(f"CREATE OR REPLACE VIEW {t} AS " + " UNION ALL BY NAME ".join(parts))
                self.tables[t] = [run for run, tables in self.runs.items() if t in tables]

    def has(self, *tables):
        return all(t in self.tables for t in tables)

    def sql(self, query):
        """The result of a query as a pandas DataFrame."""
        return self._db.query(query)

    def require(self, *tables):
        """True when every table is present; otherwise shows which are absent and which run writes them."""
        absent = [t for t in tables if t not in self.tables]
        if absent:
            _show_markdown("\n\n".join(
                f"**Table `{t}` is {ABSENT_MARKER}** (`{self.root}`). It is written by {PRODUCED_BY[t]}."
                for t in absent))
        return not absent

    def describe(self):
        """A Markdown summary of the results directory and its runs."""
        if not self.runs and not self.sweeps:
            return (f"**No runs found** under `{self.root}` (set `{RESULTS_ENV}` to a directory written by "
                    f"{SIMULATE}, or to a directory of such runs).")
        lines = [f"Results: `{self.root}` — {len(self.runs)} run(s)", "",
                 "| run | tables |", "|---|---|"]
        for run, tables in self.runs.items():
            lines.append(f"| `{run}` | {', '.join(tables)} |")
        left_out = [run for run in self.sweeps if run not in self.runs]
        if left_out:
            lines += ["", f"Sweeps, compared in `cache-sizing.ipynb`: {', '.join(f'`{r}`' for r in left_out)}"]
        return "\n".join(lines)


def _show_markdown(text):
    try:
        from IPython.display import Markdown, display
        display(Markdown(text))
    except ImportError:
        print(text)


# ---- DuckDB: the Python package, or the JDBC driver through JPype ----------------------------------

def connect():
    """A DuckDB connection: execute(statement) and query(sql) -> pandas DataFrame."""
    try:
        import duckdb
    except ImportError:
        return _JdbcDuckDb()
    return _PythonDuckDb(duckdb)


class _PythonDuckDb:
    def __init__(self, duckdb):
        self._con = duckdb.connect()

    def execute(self, statement):
        self._con.execute(statement)

    def query(self, query):
        return self._con.execute(query).df()


class _JdbcDuckDb:
    def __init__(self):
        import jpype
        import jpype.dbapi2 as dbapi2
        jars_dir = Path(os.environ.get(JARS_ENV) or DEFAULT_JARS)
        jars = sorted(str(j) for j in jars_dir.glob("duckdb_jdbc-*.jar"))
        if not jars:
            raise RuntimeError(
                f"DuckDB not found: the duckdb Python package is not installed and there is no duckdb_jdbc jar in "
                f"{jars_dir} (${JARS_ENV}). Run `mvn -B -q -f notebooks/pom.xml dependency:copy-dependencies` "
                f"in the repository, or `pip install duckdb`.")
        if not jpype.isJVMStarted():  # one JVM per process: a re-run cell reuses it
            # Debian's python3-jpype does not find its own support jar unless it is on the class path.
            support = [p for p in ["/usr/share/java/org.jpype.jar"] if Path(p).exists()]
            # Silences JDK 22+'s warning about DuckDB's System.load; JDK 17 accepts the flag as well.
            jpype.startJVM("--enable-native-access=ALL-UNNAMED", classpath=support + jars, convertStrings=True)
        self._java_big = (jpype.JClass("java.math.BigInteger"), jpype.JClass("java.math.BigDecimal"))
        self._con = dbapi2.connect("jdbc:duckdb:", driver="org.duckdb.DuckDBDriver")

    def execute(self, statement):
        cur = self._con.cursor()
        try:
            cur.execute(statement)
        finally:
            cur.close()

    def query(self, query):
        import pandas as pd
        cur = self._con.cursor()
        try:
            cur.execute(query)
            columns = [d[0] for d in cur.description]
            rows = [tuple(self._python(v) for v in row) for row in cur.fetchall()]
        finally:
            cur.close()
        return pd.DataFrame.from_records(rows, columns=columns)

    def _python(self, v):
        # DuckDB's SUM of BIGINT is a HUGEINT, which JDBC hands over as a BigInteger; DECIMAL as a BigDecimal
        big_integer, big_decimal = self._java_big
        if isinstance(v, big_integer):
            return int(str(v))
        if isinstance(v, big_decimal):
            return float(str(v))
        return v


# ---- numbers the notebooks derive from the tables -------------------------------------------------

def nearest_rank(values, counts, p):
    """Nearest-rank p-th percentile of a histogram (values ascending, with their counts), as the README
    defines it: the value at rank ceil(p * n / 100). None when empty."""
    import math
    n = sum(counts)
    if n == 0:
        return None
    rank = max(1, math.ceil(p * n / 100))
    seen = 0
    for v, c in zip(values, counts):
        seen += c
        if seen >= rank:
            return v
    return values[-1]


def smallest_reaching(entries, miss_ratios, target):
    """The smallest cache size whose miss ratio is at most target, or None when no size reaches it.
    A curve need not be monotone (set-associative LRU is not), so it is the first size in ascending
    order that reaches the target."""
    best = None
    for e, m in zip(entries, miss_ratios):
        if m is not None and m <= target and (best is None or e < best):
            best = e
    return best


# ---- plots ----------------------------------------------------------------------------------------

def plot_style():
    """One look for every notebook: readable fonts, light grids, a tight layout."""
    import matplotlib as mpl
    mpl.rcParams.update({
        "figure.dpi": 100, "savefig.dpi": 100, "figure.autolayout": True,
        "font.size": 11, "axes.titlesize": 13, "axes.titleweight": "bold", "axes.labelsize": 11,
        "legend.fontsize": 10, "legend.framealpha": 0.9,
        "axes.grid": True, "grid.alpha": 0.3, "axes.spines.top": False, "axes.spines.right": False,
    })


def fmt_ns(ns):
    """A latency for an axis or a table: 5 ns, 1.5 µs, 12 ms."""
    if ns is None:
        return "–"
    ns = float(ns)
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if abs(ns) >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.0f} ns"
