"""The model file: a zip of JSON and ``.npy``/``.keras`` members, no pickle.

An estimator is written as a tree. Every Python object is walked through
its ``__getstate__`` (or ``__dict__``) down to values the format knows:
``None``, bools, numbers, strings, bytes, lists, tuples, dicts, sets,
numpy arrays and scalars, numpy random generators, pandas frames, series and
indexes, and objects of *allowed* classes, named by import path. The tree is
``state.json``; every array is a ``.npy`` member (read back as raw data
with numpy's header parser, which is ``numpy.load(allow_pickle=False)``
without its per-array cost; object arrays are refused); every Keras network a ``.keras`` member (read back
with ``safe_mode=True``). ``manifest.json`` names the format and vsaug
versions, the estimator's class and parameters, and every class the file
uses, so :func:`read_model` refuses an unknown class by name before it
builds anything.

Classes are allowed when they are vsaug's own, scikit-learn's or
imbalanced-learn's estimators or the scikit-learn internals that fitted
estimators hold (losses, links, tree predictors), or named in ``trusted``.
Rebuilding an allowed object sets its state (``__setstate__`` or
``__dict__``); no ``__reduce__`` of any class is ever called on load.

Classes that need another treatment register a :class:`Reducer` in
:data:`REDUCERS` (the Keras classifiers store their network as ``.keras``;
scikit-learn's Cython losses are rebuilt from their constructor arguments).
"""

from __future__ import annotations

import functools
import importlib
import io
import json
import math
import os
import tempfile
import zipfile
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["FORMAT", "FORMAT_VERSION", "ModelFileError", "UntrustedTypesError", "Reducer",
           "REDUCERS", "write_model", "read_manifest", "read_model"]

FORMAT = "vsaug-model"
FORMAT_VERSION = 2  # version 1 was the joblib (pickle) file
_MANIFEST, _STATE = "manifest.json", "state.json"
_BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
_ALLOWED_PACKAGES = ("vsaug", "sklearn", "imblearn")


class ModelFileError(ValueError):
    """A model file that is damaged, not a vsaug model, or holds unsafe content."""


class UntrustedTypesError(ModelFileError):
    """A model file names classes that are not allowed; ``types`` lists them."""

    def __init__(self, message, types):
        super().__init__(message)
        self.types = list(types)


def _path_of(obj):
    return f"{obj.__module__}.{obj.__qualname__}"


# ---------------------------------------------------------------- allow-list
def _allowed_bases():
    from sklearn._loss.link import BaseLink, Interval
    from sklearn._loss.loss import BaseLoss
    from sklearn.base import BaseEstimator
    from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor

    return (BaseEstimator, BaseLoss, BaseLink, Interval, TreePredictor)


def _import_path(path):
    """The class or function at ``module.QualName``, importing only its module."""
    parts = path.split(".")
    for split in range(len(parts) - 1, 0, -1):  # qualnames may be nested
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attr in parts[split:]:
            obj = getattr(obj, attr, None)
        if obj is not None:
            return obj
    raise ModelFileError(f"the class {path} named in the model file does not exist here")


def _is_allowed(path, trusted):
    """Whether ``path`` may be rebuilt (checked before its module is imported)."""
    if path in trusted:
        return True
    if path.split(".", 1)[0] not in _ALLOWED_PACKAGES:
        return False
    obj = _import_path(path)
    if not isinstance(obj, type):
        return False
    if path.startswith("vsaug."):
        return True
    if path.startswith("sklearn._loss._loss.Cy"):
        return True
    return issubclass(obj, _allowed_bases())


def check_types(paths, trusted=()):
    """Raise :class:`UntrustedTypesError` naming every path not allowed."""
    trusted = set(trusted or ())
    bad = sorted(p for p in set(paths) if not _is_allowed(p, trusted))
    if bad:
        raise UntrustedTypesError(
            f"the model file uses {len(bad)} class(es) or function(s) vsaug does not trust: "
            f"{', '.join(bad)}; if you trust the file and its author, pass "
            f"trusted={bad!r}", bad)


# ---------------------------------------------------------------- reducers
@dataclass
class Reducer:
    """How the format stores objects of one class family.

    Parameters
    ----------
    applies : callable
        ``applies(cls) -> bool``.
    state : callable
        ``state(obj, writer) -> value`` to encode in place of ``obj.__getstate__()``.
    build : callable
        ``build(cls, state, reader) -> obj`` from the decoded state.
    """

    applies: object
    state: object
    build: object


def _keras_applies(cls):
    return any(_path_of(c) == "vsaug._training.KerasLightCurveClassifier" for c in cls.__mro__)


def _keras_state(obj, writer):
    state = dict(obj.__getstate__())
    data = state.pop("_model_bytes", None)
    if data is not None:
        state["_keras_member"] = writer.blob(data, ".keras")
    return state


def _keras_build(cls, state, reader):
    state = dict(state)
    member = state.pop("_keras_member", None)
    obj = cls.__new__(cls)
    obj.__setstate__(state)
    if member is not None:
        obj.model_ = load_keras(reader.blob(member))
    return obj


def load_keras(data):
    """A Keras model from the bytes of a ``.keras`` archive, with ``safe_mode=True``."""
    import keras

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        with open(path, "wb") as f:
            f.write(data)
        return keras.saving.load_model(path, safe_mode=True)


def _cy_loss_state(obj, writer):
    # Cython losses reduce to (cls, args) or to a __pyx_unpickle call whose
    # third argument holds the same constructor arguments.
    func, args = obj.__reduce_ex__(4)[:2]
    return list(args if func is type(obj) else (args[2] or ()))


REDUCERS = [
    Reducer(_keras_applies, _keras_state, _keras_build),
    Reducer(lambda cls: _path_of(cls).startswith("sklearn._loss._loss.Cy"),
            _cy_loss_state, lambda cls, state, reader: cls(*state)),
]


def _reducer(cls):
    return next((r for r in REDUCERS if r.applies(cls)), None)


# ---------------------------------------------------------------- writing
class _Writer:
    """Encodes a tree into JSON nodes, collecting array and blob members."""

    def __init__(self):
        self.members, self.classes, self._memo, self._keep = {}, set(), {}, []

    def blob(self, data, suffix):
        name = f"m{len(self.members)}{suffix}"
        self.members[name] = bytes(data)
        return name

    def array(self, arr):
        buf = io.BytesIO()
        # a Fortran-ordered array stays so (LogisticRegression's coef_ is one):
        # BLAS rounds differently for the other order, and the loaded model's
        # probabilities would differ from the saved one's in the last bit
        if not arr.flags.f_contiguous:
            arr = np.ascontiguousarray(arr)
        np.save(buf, arr, allow_pickle=False)
        return self.blob(buf.getvalue(), ".npy")

    def encode(self, obj):
        if obj is None or type(obj) in (bool, str, int):
            return obj
        if type(obj) is float:
            return obj if math.isfinite(obj) else {"$": "float", "v": repr(obj)}
        key = id(obj)
        if key in self._memo:
            return {"$": "ref", "id": self._memo[key]}
        self._memo[key] = len(self._memo)
        self._keep.append(obj)  # ids stay unique while the walk runs
        node = self._encode_new(obj)
        node["id"] = self._memo[key]
        return node

    def _encode_new(self, obj):
        enc = self.encode
        if isinstance(obj, (bytes, bytearray)):
            return {"$": "bytes", "m": self.blob(obj, ".bin")}
        if isinstance(obj, np.ndarray):
            return self._encode_array(obj)
        if isinstance(obj, np.generic) and obj.dtype.kind in "biuf":
            value = obj.item()
            value = value if not isinstance(value, float) or math.isfinite(value) else repr(value)
            return {"$": "npscalar", "dtype": obj.dtype.str, "v": value}
        if isinstance(obj, np.generic):
            return {"$": "npscalar", "m": self.array(np.asarray(obj))}
        if isinstance(obj, np.dtype):
            return {"$": "dtype", "m": self.array(np.zeros(0, dtype=obj))}
        if isinstance(obj, type) and issubclass(obj, np.generic):
            return {"$": "nptype", "dtype": np.dtype(obj).str}
        if type(obj) in (list, tuple, set, frozenset):
            return {"$": type(obj).__name__, "v": [enc(v) for v in obj]}
        if type(obj) in (dict, OrderedDict):
            return {"$": type(obj).__name__, "v": [[enc(k), enc(v)] for k, v in obj.items()]}
        if isinstance(obj, np.random.Generator):
            bitgen = type(obj.bit_generator).__name__
            return {"$": "generator", "bit": bitgen, "state": enc(obj.bit_generator.state)}
        if isinstance(obj, np.random.RandomState):
            return {"$": "randomstate", "state": enc(obj.get_state(legacy=False))}
        if isinstance(obj, pd.DataFrame):
            return self._encode_frame(obj)
        if isinstance(obj, pd.Series):
            return {"$": "series", "name": enc(obj.name), "index": self._encode_index(obj.index),
                    "values": self._encode_column(obj)}
        if isinstance(obj, pd.Index):
            return self._encode_index(obj)
        if isinstance(obj, type) or callable(obj) and hasattr(obj, "__qualname__"):
            self.classes.add(_path_of(obj))
            return {"$": "global", "path": _path_of(obj)}
        return self._encode_object(obj)

    def _encode_array(self, arr):
        if arr.dtype.hasobject:
            if arr.dtype != object:
                raise ModelFileError(f"cannot store an array of dtype {arr.dtype}")
            return {"$": "objarray", "shape": list(arr.shape),
                    "v": [self.encode(v) for v in arr.ravel().tolist()]}
        return {"$": "ndarray", "m": self.array(arr)}

    def _encode_column(self, values):
        dtype = values.dtype
        if isinstance(dtype, np.dtype):
            return self.encode(values.to_numpy())
        if isinstance(dtype, pd.CategoricalDtype):
            return {"$": "categorical", "codes": self.encode(values.cat.codes.to_numpy()),
                    "categories": self.encode(dtype.categories.to_numpy()),
                    "ordered": bool(dtype.ordered)}
        return {"$": "extension", "dtype": str(dtype),
                "v": self.encode(values.astype(object).to_numpy())}

    def _encode_index(self, index):
        if isinstance(index, pd.MultiIndex):
            raise ModelFileError("cannot store a pandas MultiIndex in a model file")
        if isinstance(index, pd.RangeIndex):
            return {"$": "rangeindex", "r": [index.start, index.stop, index.step],
                    "name": self.encode(index.name)}
        return {"$": "index", "name": self.encode(index.name),
                "values": self._encode_column(pd.Series(index))}

    def _encode_frame(self, frame):
        return {"$": "frame", "index": self._encode_index(frame.index),
                "columns": self._encode_index(frame.columns),
                "data": [self._encode_column(frame.iloc[:, j]) for j in range(frame.shape[1])]}

    def _encode_object(self, obj):
        cls = type(obj)
        path = _path_of(cls)
        self.classes.add(path)
        reducer = _reducer(cls)
        if reducer is not None:
            return {"$": "object", "class": path, "reducer": True,
                    "state": self.encode(reducer.state(obj, self))}
        state = obj.__getstate__() if hasattr(obj, "__getstate__") else obj.__dict__
        if state is None:
            state = {}
        if isinstance(state, tuple) and len(state) == 2 and state[0] is None:
            state = state[1]  # (None, slot dict): classes with __slots__ only
        if not isinstance(state, dict):
            raise ModelFileError(
                f"cannot store a {path}: its state is a {type(state).__name__}, not a dict; "
                "register a vsaug._model_format.Reducer for it")
        return {"$": "object", "class": path, "state": self.encode(state)}


def write_model(estimator, path, manifest):
    """Write ``estimator`` to the zip ``path`` (not atomically: the caller renames)."""
    writer = _Writer()
    tree = writer.encode(estimator)
    manifest = dict(manifest, format=FORMAT, format_version=FORMAT_VERSION,
                    classes=sorted(writer.classes))
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=3) as zf:
        zf.writestr(_MANIFEST, json.dumps(manifest, indent=1))
        zf.writestr(_STATE, json.dumps(tree))
        for name, data in writer.members.items():
            # .npy and .keras members compress little; storing them loads faster
            kind = zipfile.ZIP_DEFLATED if name.endswith(".npy") else zipfile.ZIP_STORED
            zf.writestr(name, data, compress_type=kind)


# ---------------------------------------------------------------- reading
#: Bytes before the header of a .npy file, by format version: magic (6),
#: version (2) and the header length (2 or 4 bytes, little-endian).
_NPY_PREFIX = {(1, 0): 10, (2, 0): 12, (3, 0): 12}


@functools.lru_cache(maxsize=4096)
def _npy_header(prefix_and_header):
    """(dtype, shape, fortran_order) of a .npy header, parsed by numpy once per distinct header.

    A model holds thousands of small arrays (one per gradient-boosting tree)
    whose headers repeat; numpy parses each with ``literal_eval``, which was
    most of the load time.
    """
    fp = io.BytesIO(prefix_and_header)
    version = np.lib.format.read_magic(fp)
    reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
        np.lib.format.read_array_header_2_0
    shape, fortran_order, dtype = reader(fp)
    return dtype, shape, fortran_order


def _read_npy(data):
    """The array in the .npy bytes ``data``, never unpickling (object arrays are refused).

    Examples
    --------
    >>> buf = io.BytesIO()
    >>> np.save(buf, np.arange(6.0).reshape(2, 3))
    >>> _read_npy(buf.getvalue())[1].tolist()
    [3.0, 4.0, 5.0]
    """
    version = (data[6], data[7]) if len(data) >= 8 and data[:6] == b"\x93NUMPY" else None
    if version not in _NPY_PREFIX:
        raise ValueError("not a .npy file of a known version")
    start = _NPY_PREFIX[version]
    size = int.from_bytes(data[8:start], "little")
    dtype, shape, fortran_order = _npy_header(bytes(data[:start + size]))
    if dtype.hasobject:
        raise ValueError("Object arrays cannot be loaded when allow_pickle=False")
    count = math.prod(shape)
    flat = np.frombuffer(data, dtype=dtype, count=count, offset=start + size)
    # a copy: writable, and free of the member's bytes
    return flat.reshape(shape, order="F" if fortran_order else "C").copy(
        order="F" if fortran_order else "C")


class _Reader:
    """Decodes JSON nodes back into objects, reading members from the zip."""

    def __init__(self, zf, name):
        self.zf, self.name, self._memo = zf, name, {}

    def blob(self, member):
        try:
            return self.zf.read(member)
        except KeyError:
            raise ModelFileError(f"{self.name} lacks its member {member}: the file is damaged") from None

    def array(self, member):
        try:
            return _read_npy(self.blob(member))
        except ValueError as exc:
            raise ModelFileError(
                f"{self.name}: member {member} is not a plain numpy array ({exc}); "
                "the file is damaged or unsafe and was not loaded") from None

    def decode(self, node):
        if not isinstance(node, dict):
            if isinstance(node, list):
                raise ModelFileError(f"{self.name}: unexpected JSON list in state.json")
            return node
        kind = node.get("$")
        if kind == "float":
            return float(node["v"])
        if kind == "ref":
            return self._memo[node["id"]]
        handler = getattr(self, f"_d_{kind}", None)
        if handler is None:
            raise ModelFileError(f"{self.name}: unknown node kind {kind!r} in state.json")
        return self._remember(node, handler(node))

    def _remember(self, node, value):
        if "id" in node:  # nodes written inside a frame or series carry no id
            self._memo[node["id"]] = value
        return value

    def _d_bytes(self, node):
        return self.blob(node["m"])

    def _d_ndarray(self, node):
        return self.array(node["m"])

    def _d_npscalar(self, node):
        if "m" in node:
            return self.array(node["m"])[()]
        value = node["v"]
        return _simple_dtype(node["dtype"], self.name).type(
            float(value) if isinstance(value, str) else value)

    def _d_dtype(self, node):
        return self.array(node["m"]).dtype

    def _d_nptype(self, node):
        return _simple_dtype(node["dtype"], self.name).type

    def _d_objarray(self, node):
        out = np.empty(len(node["v"]), dtype=object)
        self._remember(node, out)
        out[:] = [self.decode(v) for v in node["v"]] if node["v"] else []
        return out.reshape(node["shape"])

    def _d_list(self, node):
        out = self._remember(node, [])
        out.extend(self.decode(v) for v in node["v"])
        return out

    def _d_tuple(self, node):
        return tuple(self.decode(v) for v in node["v"])

    def _d_set(self, node):
        return {self.decode(v) for v in node["v"]}

    def _d_frozenset(self, node):
        return frozenset(self.decode(v) for v in node["v"])

    def _d_dict(self, node, factory=dict):
        out = self._remember(node, factory())
        for k, v in node["v"]:
            out[self.decode(k)] = self.decode(v)
        return out

    def _d_OrderedDict(self, node):
        return self._d_dict(node, OrderedDict)

    def _d_generator(self, node):
        if node["bit"] not in _BIT_GENERATORS:
            raise ModelFileError(f"{self.name}: unknown bit generator {node['bit']!r}")
        bitgen = getattr(np.random, node["bit"])()
        bitgen.state = self.decode(node["state"])
        return np.random.Generator(bitgen)

    def _d_randomstate(self, node):
        rs = np.random.RandomState()
        rs.set_state(self.decode(node["state"]))
        return rs

    def _column(self, node):
        if isinstance(node, dict) and node.get("$") == "categorical":
            return pd.Categorical.from_codes(self.decode(node["codes"]),
                                             self.decode(node["categories"]),
                                             ordered=node["ordered"])
        if isinstance(node, dict) and node.get("$") == "extension":
            return pd.array(self.decode(node["v"]), dtype=pd.api.types.pandas_dtype(node["dtype"]))
        return self.decode(node)

    def _d_rangeindex(self, node):
        return pd.RangeIndex(*node["r"], name=self.decode(node["name"]))

    def _d_index(self, node):
        return pd.Index(self._column(node["values"]), name=self.decode(node["name"]))

    def _d_series(self, node):
        return pd.Series(self._column(node["values"]), index=self.decode(node["index"]),
                         name=self.decode(node["name"]))

    def _d_frame(self, node):
        columns = self.decode(node["columns"])
        data = {j: self._column(c) for j, c in enumerate(node["data"])}
        frame = pd.DataFrame(data, index=self.decode(node["index"]))
        frame.columns = columns
        return frame

    def _d_global(self, node):
        return _import_path(node["path"])  # allowed: checked against the manifest first

    def _d_object(self, node):
        cls = _import_path(node["class"])
        if node.get("reducer"):
            reducer = _reducer(cls)
            if reducer is None:
                raise ModelFileError(f"{self.name}: no reducer for {node['class']} here")
            return reducer.build(cls, self.decode(node["state"]), self)
        obj = self._remember(node, cls.__new__(cls))
        state = self.decode(node["state"])
        if hasattr(obj, "__setstate__"):
            obj.__setstate__(state)
        else:
            obj.__dict__.update(state)
        return obj


def _simple_dtype(text, name):
    dtype = np.dtype(str(text))
    if dtype.hasobject:
        raise ModelFileError(f"{name}: object dtype in state.json; the file is unsafe")
    return dtype


def _open(path):
    # zipfile checks each member's CRC as it is read: an altered member fails then.
    try:
        zf = zipfile.ZipFile(path)
        return zf
    except zipfile.BadZipFile as exc:
        raise ModelFileError(f"{path} is damaged ({exc}); save the model again") from None


def read_manifest(path):
    """The manifest of the model file ``path`` (dict)."""
    with _open(path) as zf:
        return _manifest(zf, path)


def _manifest(zf, path):
    try:
        manifest = json.loads(zf.read(_MANIFEST))
    except (KeyError, ValueError):
        raise ModelFileError(f"{path} has no readable {_MANIFEST}: not a vsaug model file") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ModelFileError(f"{path} is not a vsaug model file (write one with vsaug.save)")
    return manifest


def read_model(path, trusted=()):
    """Check the manifest's classes, then rebuild the estimator; returns (obj, manifest)."""
    with _open(path) as zf:
        manifest = _manifest(zf, path)
        if manifest.get("format_version", 0) > FORMAT_VERSION:
            raise ModelFileError(
                f"{path} has format version {manifest['format_version']}; this vsaug reads "
                f"up to {FORMAT_VERSION}: upgrade vsaug")
        check_types(manifest.get("classes", []), trusted)
        try:
            tree = json.loads(zf.read(_STATE))
        except (KeyError, ValueError):
            raise ModelFileError(f"{path} has no readable {_STATE}: the file is damaged") from None
        reader = _Reader(zf, path)
        _check_tree_classes(tree, set(manifest.get("classes", [])), path)
        return reader.decode(tree), manifest


def _check_tree_classes(tree, listed, path):
    """Every class the tree names must be one the manifest listed (and so was checked)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            name = node.get("class") or (node.get("path") if node.get("$") == "global" else None)
            if name is not None and name not in listed:
                raise ModelFileError(
                    f"{path}: state.json names {name}, which its manifest does not list; "
                    "the file is damaged or unsafe and was not loaded")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
