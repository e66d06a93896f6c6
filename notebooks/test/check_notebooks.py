"""Checks notebooks, executed or as committed.

    check_notebooks.py --results DIR EXECUTED.ipynb...   executed notebooks: no cell failed, and every cell
                                                         tagged `plot` shows a PNG image when the tables its
                                                         `needs-TABLE` tags name are in DIR (otherwise it
                                                         shows the note that they are absent)
    check_notebooks.py --clean NOTEBOOK.ipynb...         committed notebooks: no outputs, no execution counts

Exits 1 naming every notebook and cell that fails a check.
"""

import base64
import sys
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import iommusim_nb as nb  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _texts(cell):
    for out in cell.get("outputs", []):
        if "text" in out:
            yield out["text"]
        for value in out.get("data", {}).values():
            if isinstance(value, str):
                yield value


def _pngs(cell):
    for out in cell.get("outputs", []):
        data = out.get("data", {}).get("image/png")
        if data:
            yield base64.b64decode(data)


def check_executed(path, present):
    """Problems of one executed notebook; present is the set of tables found in the results."""
    problems = []
    notebook = nbformat.read(path, as_version=4)
    plot_cells = 0
    for i, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        where = f"{path.name} cell {i}"
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                problems.append(f"{where}: {out.get('ename')}: {out.get('evalue')}")
        tags = cell.get("metadata", {}).get("tags", [])
        if "plot" not in tags:
            continue
        plot_cells += 1
        needs = [t[len("needs-"):] for t in tags if t.startswith("needs-")]
        absent = [t for t in needs if t not in present]
        pngs = list(_pngs(cell))
        if absent:
            if not any(nb.ABSENT_MARKER in text for text in _texts(cell)):
                problems.append(f"{where}: tables {absent} are absent but the cell does not say so")
        elif not pngs:
            problems.append(f"{where}: a plot cell (tables {needs} present) shows no PNG image")
        elif not all(p.startswith(PNG_SIGNATURE) and len(p) > 1000 for p in pngs):
            problems.append(f"{where}: an image is not a PNG of a plot")
    if plot_cells == 0:
        problems.append(f"{path.name}: no cell is tagged 'plot'")
    return problems


def check_clean(path):
    problems = []
    notebook = nbformat.read(path, as_version=4)
    for i, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None):
            problems.append(f"{path.name} cell {i}: committed with outputs (clear them before committing)")
    return problems


def main(argv):
    if len(argv) >= 2 and argv[0] == "--clean":
        problems = [p for f in argv[1:] for p in check_clean(Path(f))]
        checked = "committed notebooks without outputs"
    elif len(argv) >= 3 and argv[0] == "--results":
        runs = nb.find_runs(Path(argv[1]))
        present = {t for tables in runs.values() for t in tables}
        problems = [p for f in argv[2:] for p in check_executed(Path(f), present)]
        checked = f"executed notebooks have their plots (tables present: {', '.join(sorted(present)) or 'none'})"
    else:
        sys.exit(__doc__)
    for p in problems:
        print("FAIL", p, file=sys.stderr)
    if problems:
        return 1
    print(f"ok: {len(argv) - (1 if argv[0] == '--clean' else 2)} {checked}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
