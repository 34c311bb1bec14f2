"""lrlab's folders are its layers: no module imports from a layer below it (see lrlab/__init__.py)."""
import ast
from pathlib import Path

import pytest

import lrlab

PACKAGE = Path(lrlab.__file__).parent
#: layer -> rank; a module may import a rank at most its own (optim and problems are peers: both 1,
#: and neither may import the other)
RANK = {"_validate": 0, "_cache": 0, "tables": 0, "_moved": 0, "_lazy": 0, "optim": 1, "problems": 1, "train": 2, "studies": 3,
        "course": 4, "grading": 5, "cli": 6}


def layer_of(module: str) -> str:
    parts = module.split(".")
    assert parts[0] == "lrlab", module
    return parts[1] if len(parts) > 1 else "lrlab"


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) for every lrlab import in the file, inside functions too."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "lrlab"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "lrlab":
                continue
            if target == "lrlab":  # from lrlab import optim, tables, ...
                found += [(node.lineno, f"lrlab.{a.name}") for a in node.names]
            else:
                found.append((node.lineno, target))
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_every_module_belongs_to_a_layer():
    unknown = [str(p.relative_to(PACKAGE)) for p in MODULES if p.name != "__init__.py" or p.parent != PACKAGE
               if layer_of(module_name(p)) not in RANK]
    assert not unknown, f"modules outside every layer (add them to a subpackage or to RANK): {unknown}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_imports_only_its_own_layer_or_lower(path):
    mine = layer_of(module_name(path))
    if mine == "lrlab":  # the package's own __init__ imports nothing but _moved
        mine_rank = 0
    else:
        mine_rank = RANK[mine]
    wrong = []
    for line, target in imports_of(path):
        theirs = layer_of(target)
        if theirs in lrlab._moved.MOVED:
            wrong.append(f"line {line}: {target} is an old name (use lrlab.{lrlab._moved.MOVED[theirs]})")
        elif theirs not in RANK:
            wrong.append(f"line {line}: {target} is in no layer")
        elif RANK[theirs] > mine_rank or (RANK[theirs] == mine_rank and theirs != mine and mine_rank > 0):
            wrong.append(f"line {line}: {target} ({theirs}) is above or beside this module's layer ({mine})")
    assert not wrong, f"{path.relative_to(PACKAGE)}: " + "; ".join(wrong)


def test_the_checker_sees_an_import_from_a_layer_above(tmp_path):
    # the rule must be able to fail: a train module importing a study is refused
    fake = PACKAGE / "train" / "_layer_probe.py"
    fake.write_text("def f():\n    from ..studies import tuning\n    return tuning\n")
    try:
        with pytest.raises(AssertionError, match="above or beside"):
            test_module_imports_only_its_own_layer_or_lower(fake)
    finally:
        fake.unlink()
