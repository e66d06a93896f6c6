"""Tests of the notebooks' helper module and of the notebook checker (run by notebooks/run.sh)."""

import os
import sys
import tempfile
import unittest
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import check_notebooks  # noqa: E402
import iommusim_nb as nb  # noqa: E402


def touch_table(run_dir, table):
    (run_dir / table).mkdir(parents=True, exist_ok=True)
    (run_dir / table / "part-00000.parquet").write_bytes(b"")


class NearestRankTest(unittest.TestCase):
    # quickstart.csv, domain 1 (sample-traces/README.md): latencies 5 x5, 257 x4, 1507 x1
    values, counts = [5, 257, 1507], [5, 4, 1]

    def test_percentiles_of_the_quickstart_domain(self):
        self.assertEqual(nb.nearest_rank(self.values, self.counts, 50), 5)    # rank ceil(5.0) = 5
        self.assertEqual(nb.nearest_rank(self.values, self.counts, 90), 257)  # rank 9
        self.assertEqual(nb.nearest_rank(self.values, self.counts, 99), 1507)  # rank ceil(9.9) = 10
        self.assertEqual(nb.nearest_rank(self.values, self.counts, 100), 1507)

    def test_rank_boundary_and_empty(self):
        # two values, 10 and 80 (nic-lazy-vs-strict.csv's exposures): p50 is rank 1, p51 rank 2
        self.assertEqual(nb.nearest_rank([10, 80], [1, 1], 50), 10)
        self.assertEqual(nb.nearest_rank([10, 80], [1, 1], 51), 80)
        self.assertEqual(nb.nearest_rank([10], [1], 0), 10)
        self.assertIsNone(nb.nearest_rank([], [], 50))


class SmallestReachingTest(unittest.TestCase):
    def test_first_size_at_or_below_the_target(self):
        entries, ratios = [1, 2, 4, 8], [0.9, 0.5, 0.2, 0.2]
        self.assertEqual(nb.smallest_reaching(entries, ratios, 0.5), 2)  # equal counts as reached
        self.assertEqual(nb.smallest_reaching(entries, ratios, 0.3), 4)
        self.assertIsNone(nb.smallest_reaching(entries, ratios, 0.1))

    def test_a_curve_that_is_not_monotone(self):
        # set-associative LRU can miss more with more entries: the smallest size still wins
        self.assertEqual(nb.smallest_reaching([8, 16, 24, 32], [0.4, 0.1, 0.3, 0.05], 0.1), 16)


class FindRunsTest(unittest.TestCase):
    def test_results_of_one_run(self):
        with tempfile.TemporaryDirectory() as tmp:
            run = Path(tmp) / "quickstart"
            touch_table(run, "domain_stats")
            touch_table(run, "faults")
            (run / "run_info").mkdir()  # no Parquet file: not a table
            self.assertEqual(nb.find_runs(run), {"quickstart": {"domain_stats": run / "domain_stats",
                                                                "faults": run / "faults"}})

    def test_a_directory_of_runs_nested_and_sorted(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            touch_table(root / "b", "security")
            touch_table(root / "a" / "lazy", "mrc")
            touch_table(root / "a" / "strict", "mrc")
            (root / "_traces").mkdir()
            (root / "_traces" / "t.csv").write_text("ts_ns,kind\n")
            runs = nb.find_runs(root)
            self.assertEqual(list(runs), ["a/lazy", "a/strict", "b"])
            self.assertEqual(runs["b"], {"security": root / "b" / "security"})

    def test_a_missing_directory_has_no_runs(self):
        self.assertEqual(nb.find_runs(Path("/nonexistent/iommusim-results")), {})


class ResultsDirTest(unittest.TestCase):
    def test_the_environment_variable_or_results_at_the_repository_root(self):
        saved = os.environ.pop(nb.RESULTS_ENV, None)
        try:
            self.assertEqual(nb.results_dir(), Path(__file__).resolve().parent.parent.parent / "results")
            os.environ[nb.RESULTS_ENV] = "/data/runs/../results"
            self.assertEqual(nb.results_dir(), Path("/data/results"))
        finally:
            os.environ.pop(nb.RESULTS_ENV, None)
            if saved is not None:
                os.environ[nb.RESULTS_ENV] = saved


class ResultsTest(unittest.TestCase):
    """Views over the runs' Parquet files, through DuckDB (the Python package or JDBC via JPype)."""

    def test_a_view_spans_every_run_and_names_it(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            db = nb.connect()
            for run, select in (("lazy", "SELECT 1 AS domain, 3000000000 AS stale_hits, 7 AS extra"),
                                ("strict", "SELECT 1 AS domain, 2000000000 AS stale_hits")):
                (root / run / "security").mkdir(parents=True)
                db.execute(f"COPY ({select}) TO '{root / run / 'security' / 'part-0.parquet'}' (FORMAT parquet)")
            results = nb.Results(root)
            self.assertEqual(results.tables, {"security": ["lazy", "strict"]})
            self.assertTrue(results.has("security"))
            self.assertFalse(results.has("security", "mrc"))
            # the sum exceeds 2^32 and is a HUGEINT in DuckDB; columns missing in a run are null
            df = results.sql("SELECT sum(stale_hits) AS s, count(extra) AS e, string_agg(run, ',' ORDER BY run) AS r "
                             "FROM security")
            self.assertEqual(df.iloc[0].tolist(), [5000000000, 1, "lazy,strict"])
            self.assertIsInstance(df.iloc[0]["s"].item(), int)


    def test_sweeps_can_be_left_out(self):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            db = nb.connect()
            for run, table in (("one", "faults"), ("sweep", "faults"), ("sweep", "sweep_stats")):
                (root / run / table).mkdir(parents=True)
                db.execute(f"COPY (SELECT 1 AS x) TO '{root / run / table / 'part-0.parquet'}' (FORMAT parquet)")
            self.assertEqual(nb.Results(root).tables, {"faults": ["one", "sweep"], "sweep_stats": ["sweep"]})
            per_run = nb.Results(root, sweeps=False)
            self.assertEqual(per_run.tables, {"faults": ["one"]})
            self.assertEqual(per_run.sweeps, ["sweep"])
            self.assertIn("`sweep`", per_run.describe())


class FormatTest(unittest.TestCase):
    def test_latencies(self):
        self.assertEqual(nb.fmt_ns(5), "5 ns")
        self.assertEqual(nb.fmt_ns(1500), "1.5 µs")
        self.assertEqual(nb.fmt_ns(10_000_000), "10 ms")
        self.assertEqual(nb.fmt_ns(None), "–")


class CheckNotebooksTest(unittest.TestCase):
    """The checker fails a notebook whose plot cell lost its image, and accepts an absent-table note."""

    PNG = __import__("base64").b64encode(check_notebooks.PNG_SIGNATURE + b"\0" * 2000).decode()

    def check(self, outputs, present):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "n.ipynb"
            cell = new_code_cell("plot()", metadata={"tags": ["plot", "needs-mrc"]}, outputs=outputs)
            nbformat.write(new_notebook(cells=[cell]), path)
            return check_notebooks.check_executed(path, present)

    def test_a_plot_cell_with_its_image_passes(self):
        image = new_output("display_data", data={"image/png": self.PNG, "text/plain": "<Figure>"})
        self.assertEqual(self.check([image], {"mrc"}), [])

    def test_a_plot_cell_without_an_image_fails(self):
        self.assertEqual(len(self.check([], {"mrc"})), 1)

    def test_an_absent_table_needs_the_note_not_the_image(self):
        note = new_output("display_data", data={"text/markdown": f"**Table `mrc` is {nb.ABSENT_MARKER}**"})
        self.assertEqual(self.check([note], {"domain_stats"}), [])
        self.assertEqual(len(self.check([], {"domain_stats"})), 1)

    def test_an_error_output_fails(self):
        error = new_output("error", ename="KeyError", evalue="'x'", traceback=[])
        self.assertIn("KeyError", self.check([error], set())[0])


if __name__ == "__main__":
    unittest.main()
