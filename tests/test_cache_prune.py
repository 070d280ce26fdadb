"""rossim's disk cache stays bounded: past CACHE_MAX_BYTES the entries used least recently go,
an entry read is "used", and nothing but rossim's own entries is ever touched."""

import os

import numpy as np

from rossim import regions


def _entry(folder, kind, i, size, age_s):
    path = folder / f"{kind}-{i:040x}.npz"
    path.write_bytes(b"x" * size)
    t = 1_700_000_000 - age_s
    os.utime(path, (t, t))
    return path


def test_least_recently_used_entries_go_first_and_nothing_else_is_touched(tmp_path):
    old = _entry(tmp_path, "grid", 1, 400, age_s=300)
    mid = _entry(tmp_path, "region", 2, 400, age_s=200)
    new = _entry(tmp_path, "mappixels", 3, 400, age_s=100)
    mine = tmp_path / "notes.npz"  # a user's file that only looks like ours
    mine.write_bytes(b"y" * 5000)
    link = tmp_path / f"grid-{4:040x}.npz"
    link.symlink_to(mine)
    assert regions.prune_cache(tmp_path, max_bytes=900) == 400
    assert not old.exists() and mid.exists() and new.exists()
    assert mine.read_bytes() == b"y" * 5000 and link.is_symlink()
    assert regions.prune_cache(tmp_path, max_bytes=800) == 0  # within the limit: nothing goes
    assert regions.prune_cache(tmp_path, max_bytes=0) == 800 and mine.exists() and link.is_symlink()


def test_a_read_marks_an_entry_used_and_a_store_prunes(tmp_path, monkeypatch):
    monkeypatch.setenv(regions.CACHE_ENV, str(tmp_path))
    first = regions._cache_path("grid", "first")
    regions._cache_store(first, a=np.zeros(1000))
    second = regions._cache_path("grid", "second")
    regions._cache_store(second, a=np.zeros(1000))
    for p, age in ((first, 500), (second, 100)):
        os.utime(p, (1_700_000_000 - age,) * 2)
    assert regions._cache_load(first)["a"].shape == (1000,)  # read now: the most recent
    size = first.stat().st_size
    monkeypatch.setattr(regions, "CACHE_MAX_BYTES", 2 * size + 10)
    regions._cache_store(regions._cache_path("grid", "third"), a=np.zeros(1000))
    assert first.exists() and not second.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [first.name, regions._cache_path("grid", "third").name])
