"""The compatibility module ecomodel/scenario/adapters.py re-exports the backends' own objects."""


def test_adapters_reexport_the_same_objects():
    from ecomodel.scenario import adapters
    from ecomodel.scenario.backends import _shared, air, carbon, water

    assert adapters.AirBackend is air.AirBackend and adapters.WaterBackend is water.WaterBackend
    assert adapters.CarbonBackend is carbon.CarbonBackend
    assert adapters._RESPONSES is _shared._RESPONSES  # one per-process cache, not a copy
