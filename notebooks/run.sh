#!/usr/bin/env bash
# Executes every notebook headless and checks it: the helper's tests, results from the bundled sample
# traces (notebooks/sample-results.sh), each notebook executed with nbconvert (the command fails if any
# cell fails), an HTML copy of each, and a check that every plot cell shows its image.
#   notebooks/run.sh                   sample results under build/notebooks/results
#   notebooks/run.sh --results DIR     your own results (one run's --out directory or a directory of runs)
#   notebooks/run.sh --out DIR         build directory (default build/notebooks)
# Writes OUT/executed/*.ipynb and OUT/html/*.html. With the sample results it also executes
# cache-sizing.ipynb on synthetic mrc/sweep_stats tables (OUT/fixture/), so its plots are checked
# before simulate and sweep write those tables, and every notebook on no results at all (OUT/empty/).
# Needs Jupyter (nbconvert, ipykernel), pandas and matplotlib, and DuckDB: the duckdb Python package,
# or python3-jpype plus the JDBC jar, which this script fetches with Maven (notebooks/pom.xml).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$here/build/notebooks"
results=""
while [ $# -gt 0 ]; do
  case "$1" in
    --results) results="$(cd "$2" && pwd)"; shift 2 ;;
    --out) mkdir -p "$2"; out="$(cd "$2" && pwd)"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "usage: $0 [--results DIR] [--out DIR]" >&2; exit 2 ;;
  esac
done
notebooks=()
for name in overview latency cache-sizing security; do notebooks+=("$here/notebooks/$name.ipynb"); done

# Debian's Jupyter runs on /usr/bin/python3; a python3 earlier on PATH (pyenv) may have no Jupyter
python=/usr/bin/python3
[ -x "$python" ] && "$python" -c 'import nbconvert' 2>/dev/null || python=python3
"$python" -c 'import nbconvert, nbclient, ipykernel, pandas, matplotlib' 2>/dev/null || {
  echo "notebooks: $python lacks Jupyter, pandas or matplotlib; on Debian:" >&2
  echo "  apt-get install jupyter-nbconvert python3-ipykernel python3-nbclient python3-pandas python3-matplotlib python3-jpype" >&2
  exit 1
}
if ! "$python" -c 'import duckdb' 2>/dev/null && ! ls "${IOMMUSIM_NB_JARS:-$here/notebooks/target/lib}"/duckdb_jdbc-*.jar >/dev/null 2>&1; then
  echo "== notebooks: fetching DuckDB's JDBC driver (notebooks/pom.xml)" >&2
  mvn -B -q -f "$here/notebooks/pom.xml" dependency:copy-dependencies
fi

step() { echo "== notebooks: $*" >&2; }
started=$SECONDS
step "tests of the helper module and the checker"
"$python" -m unittest discover -s "$here/notebooks/test"
"$python" "$here/notebooks/test/check_notebooks.py" --clean "${notebooks[@]}"

if [ -z "$results" ]; then
  results="$out/results"
  step "results from the sample traces -> $results"
  t=$SECONDS
  "$here/notebooks/sample-results.sh" "$results"
  step "results took $((SECONDS - t)) s"
fi

export IOMMUSIM_RESULTS="$results"
export PYDEVD_DISABLE_FILE_VALIDATION=1                       # no "frozen modules" debugger warnings
export MPLBACKEND=module://matplotlib_inline.backend_inline   # figures inline whatever the environment says

# execute DIR NOTEBOOK...: run every cell into DIR/executed (nbconvert fails on a failing cell)
execute() {
  local dir="$1"
  shift
  rm -rf "$dir/executed" "$dir/html"
  "$python" -m nbconvert --to notebook --execute --ExecutePreprocessor.timeout=600 \
    --output-dir "$dir/executed" "$@"
}
# html DIR: an HTML copy of every executed notebook, images embedded, in DIR/html
html() {
  "$python" -m nbconvert --to html --output-dir "$1/html" "$1"/executed/*.ipynb
}

step "executing ${#notebooks[@]} notebooks on $results"
t=$SECONDS
execute "$out" "${notebooks[@]}"
html "$out"
step "executing took $((SECONDS - t)) s"
"$python" "$here/notebooks/test/check_notebooks.py" --results "$results" "$out"/executed/*.ipynb

if [ "$results" = "$out/results" ]; then
  step "cache-sizing.ipynb on synthetic mrc and sweep_stats tables"
  rm -rf "$out/fixture"
  "$python" "$here/notebooks/test/cache_sizing_fixture.py" "$results/nic-ring-lazy-reuse" "$out/fixture/results" # a sample run
  IOMMUSIM_RESULTS="$out/fixture/results" execute "$out/fixture" "$here/notebooks/cache-sizing.ipynb"
  html "$out/fixture"
  "$python" "$here/notebooks/test/check_notebooks.py" --results "$out/fixture/results" "$out"/fixture/executed/*.ipynb

  step "every notebook on an empty results directory: each plot cell names the run that writes its tables"
  rm -rf "$out/empty"
  mkdir -p "$out/empty/results"
  IOMMUSIM_RESULTS="$out/empty/results" execute "$out/empty" "${notebooks[@]}"
  "$python" "$here/notebooks/test/check_notebooks.py" --results "$out/empty/results" "$out"/empty/executed/*.ipynb
fi
step "done in $((SECONDS - started)) s: $out/executed, $out/html"
