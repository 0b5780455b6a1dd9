"""ecomodel/_cache.py: the results cache (round trip, key with the installed code, off or unwritable).
"""


def test_results_cache_round_trip_and_key(tmp_path, monkeypatch):
    from ecomodel import _cache

    monkeypatch.setenv("ECOMODEL_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("ECOMODEL_CACHE", raising=False)
    calls = []

    def compute():
        calls.append(1)
        return {"value": [1.5, 2.5]}

    assert _cache.load_or_compute("probe", ("a", 1), compute) == {"value": [1.5, 2.5]}
    assert _cache.load_or_compute("probe", ("a", 1), compute) == {"value": [1.5, 2.5]}
    assert len(calls) == 1, "the second call reads the entry"
    _cache.load_or_compute("probe", ("a", 2), compute)
    assert len(calls) == 2, "another key is another entry"
    entries = sorted((tmp_path / "results").glob("probe-*.pkl"))
    assert len(entries) == 2 and not list((tmp_path / "results").glob(".*.tmp"))
    entries[0].write_bytes(b"not a pickle")  # a corrupt entry is recomputed and replaced
    _cache.load_or_compute("probe", ("a", 1), compute)
    _cache.load_or_compute("probe", ("a", 2), compute)
    assert len(calls) == 3


def test_results_cache_key_includes_the_installed_code(tmp_path, monkeypatch):
    from ecomodel import _cache

    monkeypatch.setenv("ECOMODEL_CACHE_DIR", str(tmp_path))
    first = _cache._entry("probe", ("a", 1))
    monkeypatch.setattr(_cache, "fingerprint", lambda: "another version")
    assert _cache._entry("probe", ("a", 1)) != first


def test_results_cache_off_or_unwritable_recomputes(tmp_path, monkeypatch):
    from ecomodel import _cache

    calls = []
    monkeypatch.setenv("ECOMODEL_CACHE", "0")
    monkeypatch.setenv("ECOMODEL_CACHE_DIR", str(tmp_path))
    for _ in range(2):
        _cache.load_or_compute("probe", (), lambda: calls.append(1))
    assert len(calls) == 2 and not (tmp_path / "results").exists()
    monkeypatch.delenv("ECOMODEL_CACHE")
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("ECOMODEL_CACHE_DIR", str(tmp_path / "file" / "sub"))
    assert "not writable" in _cache.problem()
    _cache.load_or_compute("probe", (), lambda: calls.append(1))
    assert len(calls) == 3
