"""The CSV cache behind load_examples: one parse per file content and options."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from bpstudio.core.data import csv_data
from bpstudio.core.data.datasets import xor
from bpstudio.core.data.source import (
    CSV_CACHE,
    DatasetCache,
    DataSource,
    file_sha256,
    load_examples,
    read_csv_examples,
)
from bpstudio.core.errors import BPStudioError


@pytest.fixture(autouse=True)
def _empty_cache():
    CSV_CACHE.clear()
    yield
    CSV_CACHE.clear()


@pytest.fixture
def count_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    reads: list[Path] = []
    original = csv_data.read_csv

    def counting(path, **kwargs):
        reads.append(Path(path))
        return original(path, **kwargs)

    monkeypatch.setattr(csv_data, "read_csv", counting)
    return reads


def _write(path: Path, rows: int = 20, label: bool = True) -> Path:
    rng = np.random.default_rng(0)
    lines = ["a,b,label" if label else "a,b,y"]
    for i in range(rows):
        a, b = rng.normal(size=2)
        lines.append(f"{a:.6f},{b:.6f},{'cat' if i % 2 else 'dog'}" if label else f"{a},{b},{i}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _source(path: Path, **changes) -> DataSource:
    return DataSource("csv", path=str(path), label_column="label", **changes)


def test_second_load_is_served_from_the_cache(tmp_path: Path, count_reads) -> None:
    path = _write(tmp_path / "pets.csv")
    first = load_examples(_source(path, sha256=file_sha256(path)))
    second = load_examples(_source(path, sha256=file_sha256(path), validation_fraction=0.3))
    assert second is first  # the same immutable Dataset, parsed once
    assert len(count_reads) == 1
    assert first.class_names == ("cat", "dog")
    assert CSV_CACHE.hits == 1


def test_other_options_or_content_parse_again(tmp_path: Path, count_reads) -> None:
    numbers = _write(tmp_path / "numbers.csv", label=False)
    load_examples(DataSource("csv", path=str(numbers), target_columns=("y",)))
    load_examples(DataSource("csv", path=str(numbers), target_columns=("b",)))
    assert len(count_reads) == 2  # different targets: a different key
    path = _write(tmp_path / "pets.csv")
    load_examples(_source(path))
    count_reads.clear()
    _write(tmp_path / "pets.csv", rows=30)  # new content, same name
    data = load_examples(_source(path))
    assert data.n_examples == 30
    assert len(count_reads) == 1


def test_relative_and_absolute_paths_share_an_entry(tmp_path: Path, count_reads) -> None:
    path = _write(tmp_path / "pets.csv")
    load_examples(_source(path))
    load_examples(DataSource("csv", path="pets.csv", label_column="label"), base_dir=tmp_path)
    assert len(count_reads) == 1


def test_only_the_two_most_recent_entries_are_kept() -> None:
    cache = DatasetCache(max_entries=2)
    keys = [(f"/data/{i}.csv", "0" * 64, None, None, (), "label") for i in range(3)]
    data = xor(10)
    cache.put(keys[0], data)
    cache.put(keys[1], data)
    assert cache.get(keys[0]) is data  # now the most recent
    cache.put(keys[2], data)
    assert len(cache) == 2
    assert keys[1] not in cache
    assert keys[0] in cache
    assert keys[2] in cache
    with pytest.raises(BPStudioError):
        DatasetCache(0)


def test_the_cache_is_thread_safe() -> None:
    cache = DatasetCache(max_entries=2)
    data = xor(10)
    errors: list[BaseException] = []

    def hammer(t: int) -> None:
        try:
            for i in range(500):
                key = (f"{t}-{i % 5}", "", None, None, (), None)
                cache.put(key, data)
                cache.get(key)
                assert len(cache) <= 2
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(t,)) for t in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(cache) == 2


def test_progress_is_reported_and_a_raising_callback_cancels(tmp_path: Path) -> None:
    path = _write(tmp_path / "pets.csv")
    seen: list[float] = []
    read_csv_examples(_source(path), progress=seen.append)
    assert seen[-1] == 1.0
    CSV_CACHE.clear()

    class Stop(BPStudioError):
        pass

    def stop(fraction: float) -> None:
        if fraction > 0.01:
            raise Stop("cancelled")

    with pytest.raises(Stop):
        read_csv_examples(_source(path), progress=stop)
    assert len(CSV_CACHE) == 0  # nothing half-read is kept


def test_moved_or_changed_files_explain_themselves(tmp_path: Path) -> None:
    path = _write(tmp_path / "pets.csv")
    source = _source(path, sha256=file_sha256(path))
    path.write_text(path.read_text(encoding="utf-8") + "0.1,0.2,dog\n", encoding="utf-8")
    with pytest.raises(BPStudioError, match="has changed since it was imported"):
        load_examples(source)
    path.unlink()
    with pytest.raises(BPStudioError, match="was not found; put it back or import the data again"):
        load_examples(source)


def test_format_overrides_round_trip_and_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "semi.csv"
    path.write_text("1;2;0\n3;4;1\n5;6;0\n", encoding="utf-8")
    source = DataSource("csv", path=str(path), delimiter=";", has_header=False)
    data = load_examples(source)
    assert data.n_examples == 3
    assert DataSource.from_dict(source.to_dict()) == source
    with pytest.raises(BPStudioError, match="delimiter"):
        DataSource("csv", path=str(path), delimiter="|")
