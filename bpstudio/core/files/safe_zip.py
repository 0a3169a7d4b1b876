"""The one reader for zip archives and NumPy ``.npz`` files: bounded, pickle-free, one error.

Projects (``.bpstudio``, a zip holding ``project.json`` and ``params.npz``) and ``.npz``
weight files are read only through this module, which

- checks each member's declared uncompressed size against the caller's limit before
  reading it, then counts the bytes actually inflated while reading (a zip bomb stops at the
  limit, it is never read whole into memory);
- refuses encrypted members and compression methods other than stored and deflate;
- reads every ``.npy`` member's header first and refuses dtypes that are not real numbers
  (strings, booleans, complex, object, structured), and shapes whose size differs from the
  data actually present (a header declaring terabytes in a file of a few hundred bytes);
- never unpickles (it does not call :func:`numpy.load` at all);
- maps every failure of :mod:`zipfile`, :mod:`zlib` and the ``.npy`` parser (``BadZipFile``,
  ``EOFError``, ``zlib.error``, ``NotImplementedError``, ``RuntimeError``, ``ValueError``,
  ``OSError``) to :class:`BPStudioError` naming the file and member.
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from collections.abc import Collection, Sequence
from typing import IO, Any

import numpy as np

from bpstudio.core.errors import BPStudioError

#: Default bound on one member's uncompressed size.
MAX_MEMBER_BYTES = 1 << 30
#: Default bound on the uncompressed size of all members read from one archive.
MAX_TOTAL_BYTES = 1 << 30
MAX_MEMBERS = 10_000
#: Room for a ``.npy`` member's header (magic, version, dict, padding).
NPY_HEADER_BYTES = 4096
_CHUNK = 1 << 20
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
#: Real-number dtypes an array member may hold.
_NUMBER_DTYPES = frozenset(
    np.dtype(t).str[1:] for t in ("f2", "f4", "f8", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8")
)
_ZIP_FAULTS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    zlib.error,
    NotImplementedError,
    RuntimeError,  # "File ... is encrypted, password required", and friends
    ValueError,  # e.g. negative seek on a damaged central directory
    OverflowError,
)

Source = str | os.PathLike[str] | IO[bytes]


def _damaged(where: str, exc: BaseException) -> BPStudioError:
    detail = " ".join(str(exc).split())[:120]
    return BPStudioError(
        f"{where}: the file is damaged or truncated ({detail or type(exc).__name__})"
    )


def read_members(
    source: Source,
    where: str,
    names: Sequence[str] | None = None,
    *,
    limits: dict[str, int] | None = None,
    max_member_bytes: int = MAX_MEMBER_BYTES,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    what: str = "archive",
    suffix: str = "",
) -> dict[str, bytes]:
    """The bytes of the members ``names`` (every member if None), each read with limits.

    ``limits`` maps member names to their own bound on the uncompressed size (default
    ``max_member_bytes``). Missing members raise :class:`BPStudioError`, and so do members
    whose names do not end with ``suffix``.
    """
    try:
        archive = zipfile.ZipFile(source)
    except FileNotFoundError:
        raise BPStudioError(f"{where}: no such file") from None
    except IsADirectoryError:
        raise BPStudioError(f"{where}: is a folder, not a file") from None
    except zipfile.BadZipFile:
        raise BPStudioError(
            f"{where}: not a readable {what} (damaged, truncated or another kind of file)"
        ) from None
    except _ZIP_FAULTS as exc:
        raise _damaged(where, exc) from None
    except OSError as exc:
        raise BPStudioError(f"{where}: cannot read the file ({exc.strerror or exc})") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise BPStudioError(f"{where}: {len(infos):,} members, more than {MAX_MEMBERS:,}")
        by_name = {info.filename: info for info in infos}
        if len(by_name) != len(infos):
            raise BPStudioError(f"{where}: a member name appears twice")
        for member in by_name:
            if not member.endswith(suffix):
                raise BPStudioError(
                    f"{where}: unexpected member {member[:60]!r}; expected names ending in {suffix}"
                )
        wanted = list(by_name) if names is None else list(names)
        total = 0
        out: dict[str, bytes] = {}
        for name in wanted:
            info = by_name.get(name)
            if info is None:
                raise BPStudioError(f"{where}: {name} is missing")
            limit = (limits or {}).get(name, max_member_bytes)
            total += info.file_size
            _check_member(info, where, limit)
            if total > max_total_bytes:
                raise BPStudioError(
                    f"{where}: the members would inflate to {total:,} bytes, more than the "
                    f"{max_total_bytes:,} allowed"
                )
            out[name] = _read_member(archive, info, where, limit)
    return out


def _check_member(info: zipfile.ZipInfo, where: str, limit: int) -> None:
    name = info.filename
    if info.flag_bits & 0x1:
        raise BPStudioError(
            f"{where}: {name} is encrypted; Backprop Studio reads no encrypted files"
        )
    if info.compress_type not in _METHODS:
        raise BPStudioError(
            f"{where}: {name} uses zip compression method {info.compress_type}; "
            "expected stored or deflate"
        )
    if info.file_size > limit:
        raise BPStudioError(
            f"{where}: {name} would inflate to {info.file_size:,} bytes, more than the "
            f"{limit:,} it can hold"
        )


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str, limit: int) -> bytes:
    """Inflate one member in chunks, stopping as soon as it exceeds its declared size."""
    expected = min(info.file_size, limit)
    buffer = bytearray()
    try:
        with archive.open(info) as stream:
            while True:
                chunk = stream.read(_CHUNK)
                if not chunk:
                    break
                buffer += chunk
                if len(buffer) > expected:
                    raise BPStudioError(
                        f"{where}: {info.filename} inflates past its declared size "
                        f"({info.file_size:,} bytes)"
                    )
    except BPStudioError:
        raise
    except _ZIP_FAULTS as exc:
        raise _damaged(f"{where}: {info.filename}", exc) from None
    except OSError as exc:
        raise BPStudioError(
            f"{where}: cannot read {info.filename} ({exc.strerror or exc})"
        ) from None
    if len(buffer) != info.file_size:
        raise BPStudioError(
            f"{where}: {info.filename} is truncated ({len(buffer):,} of {info.file_size:,} bytes)"
        )
    return bytes(buffer)


def parse_npy(data: bytes, where: str, *, allow_text: bool = False) -> np.ndarray[Any, Any]:
    """One ``.npy`` array from its bytes: header checked, size matched, never unpickled.

    Real-number dtypes only (signed and unsigned integers, float16/32/64); with
    ``allow_text`` a 0-d unicode string (JSON metadata) is accepted too. The array is
    returned in native byte order, writable.
    """
    fh = io.BytesIO(data)
    try:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(
                fh, max_header_size=NPY_HEADER_BYTES
            )
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(
                fh, max_header_size=NPY_HEADER_BYTES
            )
        else:
            raise BPStudioError(f"{where}: .npy format version {version} is not supported")
    except BPStudioError:
        raise
    except (ValueError, TypeError, SyntaxError, EOFError, OverflowError, MemoryError) as exc:
        raise BPStudioError(
            f"{where}: not a NumPy array ({' '.join(str(exc).split())[:100]})"
        ) from None
    dtype = np.dtype(dtype)
    text = allow_text and dtype.kind == "U" and shape == () and dtype.fields is None
    if not text and (dtype.fields is not None or dtype.str[1:] not in _NUMBER_DTYPES):
        raise BPStudioError(
            f"{where}: holds {_dtype_name(dtype)} values; expected real numbers "
            "(floats or integers)"
        )
    count = 1
    for n in shape:
        count *= int(n)
    nbytes = count * dtype.itemsize
    offset = fh.tell()
    present = len(data) - offset
    if nbytes != present:
        raise BPStudioError(
            f"{where}: the header declares shape {tuple(shape)} ({nbytes:,} bytes) but "
            f"{present:,} bytes of data follow; the file is damaged or truncated"
        )
    flat = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
    array = flat.reshape(shape, order="F" if fortran else "C")
    return np.array(array, dtype=dtype.newbyteorder("="), order="C")


def _dtype_name(dtype: np.dtype[Any]) -> str:
    kinds = {"U": "text", "S": "byte-string", "b": "boolean", "c": "complex", "O": "object"}
    if dtype.fields is not None:
        return "structured"
    return kinds.get(dtype.kind, str(dtype))


def read_npz(
    source: Source,
    where: str,
    *,
    text_keys: Collection[str] = (),
    max_total_bytes: int = MAX_TOTAL_BYTES,
    expected_bytes: dict[str, int] | None = None,
) -> dict[str, np.ndarray[Any, Any]]:
    """Every array of an ``.npz`` archive, by name (``W1``, not ``W1.npy``).

    ``text_keys`` may hold a 0-d string (e.g. ``metadata``); every other array must hold real
    numbers. ``expected_bytes`` bounds named arrays' data sizes (their header and padding
    come on top), ``max_total_bytes`` the whole archive.
    """
    limits = {f"{key}.npy": size + NPY_HEADER_BYTES for key, size in (expected_bytes or {}).items()}
    raw = read_members(
        source,
        where,
        limits=limits,
        max_member_bytes=max_total_bytes,
        max_total_bytes=max_total_bytes,
        what="NumPy .npz archive",
        suffix=".npy",
    )
    arrays: dict[str, np.ndarray[Any, Any]] = {}
    for member, data in raw.items():
        key = member[: -len(".npy")]
        arrays[key] = parse_npy(data, f"{where}: {key}", allow_text=key in text_keys)
    return arrays


def npz_limits(shapes: dict[str, tuple[int, ...]], itemsize: int = 8) -> dict[str, int]:
    """Data sizes of arrays of these shapes stored with up to ``itemsize`` bytes a value."""
    out: dict[str, int] = {}
    for name, shape in shapes.items():
        count = 1
        for n in shape:
            count *= n
        out[name] = count * itemsize
    return out
