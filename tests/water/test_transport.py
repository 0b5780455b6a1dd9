"""The compatibility module ecomodel/water/transport.py re-exports the solvers' own objects."""


def test_transport_reexports_steadystate_routing_and_inputs():
    from ecomodel.water import _inputs, routing, steadystate, transport

    assert transport.steady is steadystate.steady and transport.loss_rate is steadystate.loss_rate
    assert transport.route is routing.route and transport.RouteOptions is routing.RouteOptions
    assert transport.DailyLoads is _inputs.DailyLoads
