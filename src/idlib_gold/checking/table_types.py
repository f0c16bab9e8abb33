"""What a dataset folder's card declares: the split files of each config and the type of every column.

The pandera models coerce columns (Arrow int32 offsets, int64 labels), so on their own they
would take a `start` column of strings or floats, or a `label` of strings, for the declared
int32 and ClassLabel. `load_dataset` reads the card's `dataset_info` features, so a table whose
columns differ from them is broken for every user even where the values look right. This
module reads the card's YAML header and compares each table's Arrow schema with it; `tables.py`
turns the differences into findings.

The header is read here rather than by `datasets.Features`, because importing `datasets` on top of
polars, pandera and pyarrow took 3.0 s instead of 2.1 s (medians of three whole-process runs on a
shared 2-core machine): about 0.9 s more for `validate --parquet`, which the benchmark times at
1.9 s on the real corpus. The card's feature syntax used here is four forms (dtype, class_label,
list, struct); a built card is compared with `datasets`' own reading in `tests/test_tables.py`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Declared", "declared", "differences"]

_SCALARS = {"string": "string", "large_string": "string", "int32": "int32", "int64": "int64",
            "float64": "double", "float32": "float", "bool": "bool"}


class Declared:
    """The configs of a card: config → {split: path in the folder}, config → {column: type},
    config → its `download_size` (the bytes of its files), where the card gives one, and config →
    {split: `num_examples`}, the rows `load_dataset` expects of each split (it refuses a folder whose
    files hold another number)."""

    def __init__(self, files: dict[str, dict[str, str]], columns: dict[str, dict[str, Any]],
                 download_sizes: dict[str, int] | None = None,
                 examples: dict[str, dict[str, Any]] | None = None, repeated: list[str] | None = None) -> None:
        self.files, self.columns, self.download_sizes = files, columns, download_sizes or {}
        self.examples = examples or {}
        #: What the card names twice (a config, or a split of one), which `load_dataset` refuses.
        self.repeated = repeated or []


def declared(header: Any) -> Declared | None:
    """The declarations in a card's parsed YAML header, or None when it declares no configs."""
    if not isinstance(header, dict) or not isinstance(header.get("configs"), list):
        return None
    files: dict[str, dict[str, str]] = {}
    repeated: list[str] = []
    for config in header["configs"]:
        if isinstance(config, dict) and isinstance(config.get("config_name"), str):
            entries = config.get("data_files") if isinstance(config.get("data_files"), list) else []
            named = [(e["split"], e["path"]) for e in entries if isinstance(e, dict)
                     and isinstance(e.get("split"), str) and isinstance(e.get("path"), str)]
            repeated += _twice(f"configs: the config {config['config_name']}", [config["config_name"]], files)
            repeated += _twice(f"configs: the data_files of {config['config_name']}, the split",
                               [split for split, _ in named])
            files[config["config_name"]] = dict(named)
    info = header.get("dataset_info")
    columns: dict[str, dict[str, Any]] = {}
    sizes: dict[str, int] = {}
    examples: dict[str, dict[str, Any]] = {}
    for config in info if isinstance(info, list) else []:
        if isinstance(config, dict) and isinstance(config.get("features"), list):
            columns[str(config.get("config_name"))] = {f["name"]: _type(f) for f in config["features"]
                                                       if isinstance(f, dict) and isinstance(f.get("name"), str)}
        if isinstance(config, dict) and type(config.get("download_size")) is int:
            sizes[str(config.get("config_name"))] = config["download_size"]
        if isinstance(config, dict) and isinstance(config.get("splits"), list):
            listed = [s for s in config["splits"] if isinstance(s, dict)]
            repeated += _twice(f"dataset_info: the config {config.get('config_name')}", [config.get("config_name")],
                               examples)
            repeated += _twice(f"dataset_info: the splits of {config.get('config_name')}, the split",
                               [str(s.get("name")) for s in listed])
            examples[str(config.get("config_name"))] = {str(s.get("name")): s.get("num_examples") for s in listed}
    return Declared(files, columns, sizes, examples, repeated) if files else None


def _twice(what: str, names: list, known=()) -> list[str]:
    """"<what> <name> is named twice" for each name listed twice, or already in `known`."""
    seen, out = set(known), []
    for name in names:
        if name in seen:
            out.append(f"{what} {name} is named twice")
        seen.add(name)
    return out


def _type(spec: Any) -> Any:
    """A feature as a comparable value: "int32", "string", ("list", inner), {"field": type, …}."""
    if not isinstance(spec, dict):
        return _scalar(spec)
    if "dtype" in spec:
        return _scalar(spec["dtype"])
    if "list" in spec:
        inner = spec["list"]
        return ("list", _struct(inner) if isinstance(inner, list) else _scalar(inner))
    if "struct" in spec:
        return _struct(spec["struct"])
    return "?"


def _struct(fields: Any) -> dict:
    return {f["name"]: _type(f) for f in fields if isinstance(f, dict) and isinstance(f.get("name"), str)} \
        if isinstance(fields, list) else {}


def _scalar(dtype: Any) -> str:
    if isinstance(dtype, dict) and "class_label" in dtype:
        return "int64"  # how `datasets` stores a ClassLabel
    return _SCALARS.get(dtype, str(dtype)) if isinstance(dtype, str) else "?"


def _actual(arrow_type) -> Any:
    import pyarrow as pa

    if pa.types.is_struct(arrow_type):  # a record naming a field twice is refused before (tables._unheld)
        return {arrow_type.field(i).name: _actual(arrow_type.field(i).type) for i in range(arrow_type.num_fields)}
    if pa.types.is_list(arrow_type) or pa.types.is_large_list(arrow_type):
        return ("list", _actual(arrow_type.value_type))
    name = str(arrow_type)
    return _SCALARS.get(name, name)


def _fits(actual: Any, kind: Any) -> bool:
    """Whether an Arrow type is the declared one; `null` (a column or list of missing values) fits any."""
    if actual == "null":
        return True
    if isinstance(kind, tuple):
        return isinstance(actual, tuple) and _fits(actual[1], kind[1])
    if isinstance(kind, dict):
        return isinstance(actual, dict) and actual.keys() == kind.keys() and all(_fits(actual[k], kind[k]) for k in kind)
    return actual == kind


def _shown(kind: Any) -> str:
    if isinstance(kind, tuple):
        return f"list<{_shown(kind[1])}>"
    if isinstance(kind, dict):
        return "struct<" + ", ".join(f"{k}: {_shown(v)}" for k, v in kind.items()) + ">"
    return {"double": "float64", "float": "float32"}.get(kind, kind)


def differences(schema, expected: dict[str, Any]) -> list[str]:
    """How a table's Arrow schema differs from the declared columns, one sentence each.

    A column whose Arrow type is `null` (every value missing) fits any declared type."""
    out = []
    names = set(schema.names)
    for name, kind in expected.items():
        if name not in names:
            out.append(f"column {name} is missing (the card declares {_shown(kind)})")
            continue
        arrow_type = schema.field(name).type
        if not _fits(_actual(arrow_type), kind):
            out.append(f"column {name} is {_shown(_actual(arrow_type))}; the card declares {_shown(kind)}")
    out += [f"column {name} is not declared in the card" for name in schema.names if name not in expected]
    return out
