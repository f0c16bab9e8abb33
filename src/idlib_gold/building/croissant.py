"""Croissant metadata (dataset/croissant.json): the dataset folder described for ML tools.

MLCommons Croissant is JSON-LD on top of schema.org/Dataset. This module writes one
description of the folder the build produces: every Parquet file as a FileObject with
its size and SHA-256, one FileSet per config (the files a loader reads), and one
RecordSet per config whose fields come from `features.features_for`, so the column
lists are never written twice. The split of a row is taken from its file name and
refers to a `splits` record set that gives each split its Croissant meaning.

Type mapping (Hugging Face feature → Croissant field):
- `Value` string/int/float/bool → `sc:Text` / `sc:Integer` / `sc:Float` / `sc:Boolean`;
- `ClassLabel` → `sc:Integer` (the stored index), whose description names the enumeration
  record set of its names (`dataType: sc:Enumeration`, inline `data` rows of `index` and
  `name`), so the names are data a loader reads, not only prose. The field does not
  `references` it: mlcroissant 1.1.1 joins only one reference per record set, and with a
  second one beside the split's, `records(..., filters={"<config>/split": ...})` fails;
- a struct (the `{start, end, text}` spans) → a field with one `subField` per key, each
  extracted from the column with a `jsonPath` transform;
- a `List` → the same field with `isArray: true` (Croissant 1.1).

mlcroissant 1.1.1 also applies a field's transforms twice when the field `references` another
record set (once for the join, once when it reads the fields), so the split regex also
accepts the split name it already extracted: with a regex that matched only the path,
every row logged a "Could not match" warning (706 for the real corpus).

The output depends only on the files' bytes and the code: keys are sorted, lists keep
the build's order, and nothing in it is a host name, an absolute path or the time of the build
(`datePublished` is the release day of the dataset version, `DATASET_DATE`).
"""

from __future__ import annotations

import hashlib
import json
import re

from .. import DATASET_DATE, DATASET_VERSION, vocabulary
from ..layout import CONFIGS
from ..text.ner import tag_names
from .card import CITATION, CONFIG_SUMMARY, PRETTY_NAME
from .features import ClassLabel, List, Value, features_for

__all__ = ["CONFORMS_TO", "CONTEXT", "render_croissant"]

CONFORMS_TO = "http://mlcommons.org/croissant/1.1"

#: The JSON-LD context of Croissant 1.1 (the specification's Appendix 1), with schema.org
#: as https://schema.org/ (what schema.org and Croissant 1.0 use) and the few terms the
#: reference implementation also expects (`name`/`description` language maps, `path`,
#: `repeated`, `replace`, `samplingRate`).
CONTEXT = {
    "@language": "en",
    "@vocab": "https://schema.org/",
    "annotation": "cr:annotation",
    "arrayShape": "cr:arrayShape",
    "citeAs": "cr:citeAs",
    "column": "cr:column",
    "conformsTo": "dct:conformsTo",
    "containedIn": "cr:containedIn",
    "cr": "http://mlcommons.org/croissant/",
    "data": {"@id": "cr:data", "@type": "@json"},
    "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/",
    "description": {"@container": "@language"},
    "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"},
    "excludes": "cr:excludes",
    "extract": "cr:extract",
    "field": "cr:field",
    "fileObject": "cr:fileObject",
    "fileProperty": "cr:fileProperty",
    "fileSet": "cr:fileSet",
    "format": "cr:format",
    "includes": "cr:includes",
    "isArray": "cr:isArray",
    "isLiveDataset": "cr:isLiveDataset",
    "jsonPath": "cr:jsonPath",
    "key": "cr:key",
    "md5": "cr:md5",
    "name": {"@container": "@language"},
    "parentField": "cr:parentField",
    "path": "cr:path",
    "rai": "http://mlcommons.org/croissant/RAI/",
    "readLines": "cr:readLines",
    "recordSet": "cr:recordSet",
    "references": "cr:references",
    "regex": "cr:regex",
    "repeated": "cr:repeated",
    "replace": "cr:replace",
    "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/",
    "sdVersion": "cr:sdVersion",
    "separator": "cr:separator",
    "source": "cr:source",
    "subField": "cr:subField",
    "transform": "cr:transform",
    "unArchive": "cr:unArchive",
    "value": "cr:value",
}

PARQUET = "application/x-parquet"
CC_BY_4 = "https://creativecommons.org/licenses/by/4.0/"
SPLITS = "splits"
#: Croissant's names for the usual splits; any other split is described by its name only.
SPLIT_URLS = {"train": "cr:TrainingSplit", "validation": "cr:ValidationSplit", "test": "cr:TestSplit"}
TEXTS_LICENSE = ("The annotations (everything but the article texts) are released under CC BY 4.0. The "
                 "article texts remain the copyright of their publishers and are included for research on "
                 "the annotations; they are not covered by CC BY 4.0.")
SPAN_DESCRIPTION = ("A span: Python string offsets (Unicode code points, end-exclusive) into the document "
                    "text, and the text they cover.")

_PARQUET_PATH = re.compile(r"^data/(?P<config>[a-z0-9_]+)/(?P<split>[a-z0-9_]+)\.parquet$")
_DTYPES = {"string": "sc:Text", "large_string": "sc:Text", "bool": "sc:Boolean",
           "float16": "sc:Float", "float32": "sc:Float", "float64": "sc:Float"}


def _data_files(files: dict[str, bytes]) -> dict[str, list[str]]:
    """config → its split names, from the Parquet paths present."""
    out: dict[str, list[str]] = {}
    for name in sorted(files):
        m = _PARQUET_PATH.match(name)
        if m:
            out.setdefault(m["config"], []).append(m["split"])
    return out


def _ordered(names, preferred) -> list[str]:
    """`names` in the order of `preferred`, then any others alphabetically."""
    names = set(names)
    return [n for n in preferred if n in names] + sorted(names - set(preferred))


def _card_header(files: dict[str, bytes]) -> dict:
    """The card's YAML front matter (language, task and tags), so the two descriptions agree."""
    import yaml

    text = files.get("README.md", b"").decode("utf-8")
    if not text.startswith("---\n"):
        return {}
    return yaml.safe_load(text[4:text.index("\n---\n", 4)]) or {}


def _file_object(name: str, data: bytes) -> dict:
    return {"@type": "cr:FileObject", "@id": name, "name": name, "contentUrl": name,
            "encodingFormat": PARQUET, "contentSize": f"{len(data)} B",
            "sha256": hashlib.sha256(data).hexdigest()}


def _file_set(config: str) -> dict:
    return {"@type": "cr:FileSet", "@id": f"parquet-{config}", "name": f"parquet-{config}",
            "description": f"The Parquet files of the {config} config, one per split.",
            "encodingFormat": PARQUET, "includes": f"data/{config}/*.parquet"}


def _enumerations() -> dict[tuple[str, ...], str]:
    """Label names → the id of the enumeration record set that lists them, one per vocabulary."""
    return {tuple(names): name for name, names in (
        ("entity_labels", vocabulary.entity_labels()), ("figure_labels", vocabulary.figure_labels()),
        ("figure_categories", vocabulary.figure_categories()), ("quote_types", vocabulary.quote_types()),
        ("kb_types", vocabulary.kb_types()), ("ner_tags", tag_names()))}


def _enumeration_id(feature) -> str:
    try:
        return _enumerations()[tuple(feature.names)]
    except KeyError:
        raise ValueError(f"no enumeration record set for the class label names {feature.names}") from None


def _enumeration_record_set(record_set: str, names: list[str]) -> dict:
    return _inline_record_set(
        record_set, "sc:Enumeration", "The names of a class label column, by the index stored in the Parquet files.",
        {"index": "sc:Integer", "name": "sc:Text"}, [{"index": i, "name": n} for i, n in enumerate(names)])


def _leaf(feature) -> tuple[str, str | None]:
    """Croissant data type and description of a scalar feature."""
    if isinstance(feature, ClassLabel):
        names = ", ".join(f"{i}={n}" for i, n in enumerate(feature.names))
        return "sc:Integer", (f"Class label stored as its index; the names are in the "
                              f"`{_enumeration_id(feature)}` record set: {names}.")
    if isinstance(feature, Value):
        dtype = feature.dtype
        if dtype in _DTYPES:
            return _DTYPES[dtype], None
        if re.fullmatch(r"u?int(8|16|32|64)", dtype):
            return "sc:Integer", None
        raise ValueError(f"no Croissant data type for the feature type {dtype}")
    raise ValueError(f"not a scalar feature: {feature!r}")


def _field(field_id: str, name: str, feature, source: dict, path: tuple[str, ...] = ()) -> dict:
    """The field of one column (or of one key of a struct column), recursively.

    `source` names the file set and column; `path` is the key path inside the column's
    values (inside each element when the column is a list), given as a jsonPath transform.
    """
    out: dict = {"@type": "cr:Field", "@id": field_id, "name": name}
    if isinstance(feature, List):
        out["isArray"] = True
        feature = feature.feature
    if isinstance(feature, dict):
        if set(feature) == {"start", "end", "text"}:
            out["description"] = SPAN_DESCRIPTION
        out["subField"] = [_field(f"{field_id}/{key}", key, sub, source, path + (key,))
                           for key, sub in feature.items()]
        return out
    out["dataType"], description = _leaf(feature)
    if description:
        out["description"] = description
    out["source"] = dict(source)
    if path:
        out["source"]["transform"] = {"jsonPath": ".".join(path)}
    return out


def _record_set(config: str, splits: list[str], summary: str | None) -> dict:

    file_set = {"@id": f"parquet-{config}"}
    alternatives = "|".join(re.escape(s) for s in splits)
    fields = [{
        "@type": "cr:Field", "@id": f"{config}/split", "name": "split", "dataType": "sc:Text",
        "description": f"The split of the row, from its file name; refers to the `{SPLITS}` record set.",
        "source": {"fileSet": file_set, "extract": {"fileProperty": "fullpath"},
                   "transform": {"regex": f"^(?:data/{re.escape(config)}/)?({alternatives})(?:\\.parquet)?$"}},
        "references": {"field": {"@id": f"{SPLITS}/name"}},
    }]
    features = features_for(config)
    for column, feature in features.items():
        fields.append(_field(f"{config}/{column}", column, feature,
                             {"fileSet": file_set, "extract": {"column": column}}))
    key = [{"@id": f"{config}/{c}"} for c in ("doc_id", "id") if c in features]
    out = {"@type": "cr:RecordSet", "@id": config, "name": config, "field": fields}
    if summary:
        out["description"] = f"{summary[:1].upper()}{summary[1:]}. Splits: {', '.join(splits)}."
    if key:
        out["key"] = key[0] if len(key) == 1 else key
    return out


def _splits_record_set(splits: list[str]) -> dict:
    return _inline_record_set(
        SPLITS, "cr:Split", "The data splits. Documents of one story are always in the same split.",
        {"name": "sc:Text", "url": ["cr:Split", "sc:URL"]}, [{"name": s, "url": SPLIT_URLS.get(s, s)} for s in splits])


def _inline_record_set(record_set: str, data_type: str, description: str, fields: dict, rows: list[dict]) -> dict:
    """A record set whose rows are written inline; its first field is the key."""
    return {
        "@type": "cr:RecordSet", "@id": record_set, "name": record_set, "dataType": data_type,
        "description": description,
        "key": {"@id": f"{record_set}/{next(iter(fields))}"},
        "field": [{"@type": "cr:Field", "@id": f"{record_set}/{name}", "name": name, "dataType": kind}
                  for name, kind in fields.items()],
        "data": [{f"{record_set}/{k}": v for k, v in row.items()} for row in rows],
    }


def render_croissant(files: dict[str, bytes]) -> str:
    """The JSON text of `croissant.json` for a dataset folder given as relative path → bytes."""

    data_files = _data_files(files)
    configs = _ordered(data_files, CONFIGS)
    all_splits = _ordered({s for splits in data_files.values() for s in splits}, vocabulary.splits())
    card = _card_header(files)
    keywords = list(dict.fromkeys(card.get("task_categories", []) + card.get("task_ids", [])
                                  + card.get("tags", [])))
    metadata = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": PRETTY_NAME,
        "description": (
            "Hand-annotated gold annotations of English news articles about the 2020 escalation around "
            "Idlib, Syria: named-entity mentions (OntoNotes 5 types) linked to a knowledge base, figures "
            "(numeric expressions with normalized values) and attributed quotations. The article texts are "
            "kept verbatim. Configs: " + "; ".join(
                f"{c} ({CONFIG_SUMMARY[c]})" if c in CONFIG_SUMMARY else c for c in configs) + "."),
        "license": [CC_BY_4, {"@type": "sc:CreativeWork", "name": "Article texts: copyright of their publishers",
                              "description": TEXTS_LICENSE}],
        "version": DATASET_VERSION,
        "datePublished": DATASET_DATE,
        "citeAs": CITATION % DATASET_VERSION,
        "keywords": keywords,
        "inLanguage": card.get("language", ["en"]),
        "distribution": [_file_object(f"data/{c}/{s}.parquet", files[f"data/{c}/{s}.parquet"])
                         for c in configs for s in _ordered(data_files[c], all_splits)]
                        + [_file_set(c) for c in configs],
        "recordSet": [_splits_record_set(all_splits)]
                     + [_enumeration_record_set(rs, list(names)) for names, rs in _enumerations().items()]
                     + [_record_set(c, _ordered(data_files[c], all_splits), CONFIG_SUMMARY.get(c))
                        for c in configs],
    }
    if not metadata["keywords"]:
        del metadata["keywords"]
    return json.dumps(metadata, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
