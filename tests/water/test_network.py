"""RiverNetwork: construction, topological order and one test per validation rule."""

import numpy as np
import pandas as pd
import pytest

from ecomodel.errors import NetworkError
from ecomodel.water import RiverNetwork, read_network


def table(**cols):
    base = {"reach": ["A", "B", "C"], "downstream": ["C", "C", ""], "length": [1e3, 2e3, 3e3],
            "flow": [1.0, 2.0, 4.0], "velocity": [0.1, 0.2, 0.25]}
    base.update(cols)
    return pd.DataFrame(base)


def test_from_dataframe__order_lateral_flow_and_travel_time():
    net = RiverNetwork.from_dataframe(table())
    assert net.reaches.tolist() == ["A", "B", "C"]
    np.testing.assert_allclose(net.lateral_flow, [1.0, 2.0, 1.0])
    np.testing.assert_allclose(net.travel_time, np.array([1e3 / 0.1, 2e3 / 0.2, 3e3 / 0.25]) / 86400)
    assert net.outlets.tolist() == ["C"]
    assert (net.abstraction == 0).all()


def test_from_dataframe__unsorted_table_is_sorted_upstream_first():
    t = table().iloc[::-1].reset_index(drop=True)
    net = RiverNetwork.from_dataframe(t)
    pos = {r: i for i, r in enumerate(net.reaches)}
    assert pos["A"] < pos["C"] and pos["B"] < pos["C"]


def test_velocity_from_width_and_depth():
    t = table().drop(columns="velocity").assign(width=[10.0, 10.0, 20.0], depth=[1.0, 2.0, 2.0])
    net = RiverNetwork.from_dataframe(t)
    np.testing.assert_allclose(net.velocity, [0.1, 0.1, 0.1])


def test_split_and_abstraction_weights():
    t = pd.DataFrame({"reach": ["A", "A", "B", "C"], "downstream": ["B", "C", "", ""], "fraction": [0.25, 0.75, 1, 1],
                      "length": 1e3, "flow": [4.0, 4.0, 1.0, 2.0], "velocity": 0.1})
    net = RiverNetwork.from_dataframe(t, allow_disconnected=True)
    w = dict(zip(zip(net.reaches[net.edge_src], net.reaches[net.edge_dst]), net.edge_w))
    assert w[("A", "B")] == pytest.approx(0.25)
    assert w[("A", "C")] == pytest.approx(0.75 * 2.0 / 3.0)  # C keeps 2 of the 3 m3/s arriving
    assert net.abstraction[net.position("C")] == pytest.approx(1.0)
    assert net.lateral_flow[net.position("C")] == 0.0


def test_lakes_and_sections():
    t = table(lake=["", "", "L"], section=["", "S1", ""])
    lakes = pd.DataFrame({"lake": ["L"], "area": [2.0], "mean_depth": [3.0]})
    net = RiverNetwork.from_dataframe(t, lakes=lakes)
    i = net.position("C")
    assert net.is_lake[i]
    assert net.travel_time[i] == pytest.approx(2e6 * 3.0 / 4.0 / 86400)
    assert net.depth[i] == 3.0
    assert net.sections.loc["S1", "reach"] == "B"


def test_to_xarray_and_dataframe_round_trip():
    net = RiverNetwork.from_dataframe(table(section=["", "", "S"]))
    ds = net.to_xarray()
    assert ds["flow"].attrs["units"] == "m3/s" and ds["travel_time"].attrs["units"] == "d"
    assert list(ds["downstream"].values) == ["C", "C", ""]
    again = RiverNetwork.from_dataframe(net.to_dataframe())
    np.testing.assert_allclose(again.flow, net.flow)


def test_read_network_from_csv(tmp_path):
    p = tmp_path / "r.csv"
    table().to_csv(p, index=False)
    assert read_network(p).n_reaches == 3


def test_upstream_of():
    net = RiverNetwork.from_dataframe(table())
    assert sorted(net.upstream_of("C")) == ["A", "B", "C"]
    assert list(net.upstream_of("A")) == ["A"]


# ---------------------------------------------------------------- validation: one test per rule
def test_error__missing_column():
    with pytest.raises(NetworkError, match="column 'flow' is missing"):
        RiverNetwork.from_dataframe(table().drop(columns="flow"))


def test_error__unknown_downstream_names_reach_and_suggests():
    with pytest.raises(NetworkError, match=r"reach 'A': downstream 'CC' does not exist.*did you mean 'C'"):
        RiverNetwork.from_dataframe(table(downstream=["CC", "C", ""]))


def test_error__fractions_not_summing_to_one():
    t = pd.DataFrame({"reach": ["A", "A", "B", "C"], "downstream": ["B", "C", "", ""],
                      "fraction": [0.3, 0.6, 1.0, 1.0], "length": 1e3, "flow": 1.0, "velocity": 0.1})
    with pytest.raises(NetworkError, match="branches of reach 'A' sum to 0.9"):
        RiverNetwork.from_dataframe(t, allow_disconnected=True)


def test_error__split_without_fraction_column():
    t = pd.DataFrame({"reach": ["A", "A", "B", "C"], "downstream": ["B", "C", "", ""], "length": 1e3,
                      "flow": 1.0, "velocity": 0.1})
    with pytest.raises(NetworkError, match="splits into 2 branches but the table has no 'fraction'"):
        RiverNetwork.from_dataframe(t, allow_disconnected=True)


def test_error__fraction_out_of_range():
    t = pd.DataFrame({"reach": ["A", "A", "B", "C"], "downstream": ["B", "C", "", ""],
                      "fraction": [-0.5, 1.5, 1.0, 1.0], "length": 1e3, "flow": 1.0, "velocity": 0.1})
    with pytest.raises(NetworkError, match="fraction: -0.5 at reach 'A'"):
        RiverNetwork.from_dataframe(t, allow_disconnected=True)


@pytest.mark.parametrize("col,value,pattern", [
    ("length", -1.0, r"length: -1.0 at 'B'.*expected values > 0"),
    ("length", np.nan, r"length: nan at 'B'.*finite"),
    ("flow", -2.0, r"flow: -2.0 at 'B'"),
    ("flow", np.nan, r"flow: nan at 'B'"),
    ("flow", 0.0, r"flow: 0.0 at 'B'.*> 0"),
    ("velocity", -0.1, r"velocity: -0.1 at 'B'"),
])
def test_error__negative_or_nan_geometry(col, value, pattern):
    t = table()
    t.loc[1, col] = value
    with pytest.raises(NetworkError, match=pattern):
        RiverNetwork.from_dataframe(t)


def test_error__text_in_numeric_column():
    t = table().astype({"length": object})
    t.loc[0, "length"] = "long"
    with pytest.raises(NetworkError, match="length: 'long' at reach 'A' is not a number"):
        RiverNetwork.from_dataframe(t)


def test_error__cycle_names_reaches_in_cycle():
    t = pd.DataFrame({"reach": ["A", "B", "C", "D", "E"], "downstream": ["B", "C", "D", "B", ""],
                      "length": 1e3, "flow": 1.0, "velocity": 0.1})
    with pytest.raises(NetworkError) as exc:
        RiverNetwork.from_dataframe(t, allow_disconnected=True)
    msg = str(exc.value)
    assert "cycle" in msg
    assert all(f"'{r}'" in msg for r in ("B", "C", "D")) and "'A'" not in msg and "'E'" not in msg


def test_error__self_loop_is_a_cycle():
    with pytest.raises(NetworkError, match="reach 'A' drains into itself"):
        RiverNetwork.from_dataframe(table(downstream=["A", "C", ""]))


def test_error__duplicate_branch():
    t = pd.DataFrame({"reach": ["A", "A", "B"], "downstream": ["B", "B", ""], "fraction": [0.5, 0.5, 1.0],
                      "length": 1e3, "flow": 1.0, "velocity": 0.1})
    with pytest.raises(NetworkError, match="downstream 'B' is listed twice"):
        RiverNetwork.from_dataframe(t)


def test_error__outlet_row_on_split_reach():
    t = pd.DataFrame({"reach": ["A", "A", "B"], "downstream": ["B", "", ""], "fraction": [0.5, 0.5, 1.0],
                      "length": 1e3, "flow": 1.0, "velocity": 0.1})
    with pytest.raises(NetworkError, match="has several rows but one has no downstream"):
        RiverNetwork.from_dataframe(t)


def test_error__inconsistent_branch_attributes():
    t = pd.DataFrame({"reach": ["A", "A", "B", "C"], "downstream": ["B", "C", "", ""], "fraction": [0.5, 0.5, 1, 1],
                      "length": [1e3, 2e3, 1e3, 1e3], "flow": 1.0, "velocity": 0.1})
    with pytest.raises(NetworkError, match="length: reach 'A' has different values"):
        RiverNetwork.from_dataframe(t, allow_disconnected=True)


def test_error__disconnected_parts_are_named():
    t = pd.DataFrame({"reach": ["A", "B", "X", "Y", "Z"], "downstream": ["B", "", "Y", "Z", ""],
                      "length": 1e3, "flow": 1.0, "velocity": 0.1})
    with pytest.raises(NetworkError, match=r"falls apart into 2 unconnected parts; reaches \['A', 'B'\]"):
        RiverNetwork.from_dataframe(t)
    assert RiverNetwork.from_dataframe(t, allow_disconnected=True).n_reaches == 5


def test_error__section_on_unknown_reach():
    with pytest.raises(NetworkError, match="section 'S': reach 'Q' does not exist"):
        RiverNetwork.from_dataframe(table(), sections=pd.DataFrame({"section": ["S"], "reach": ["Q"]}))


def test_error__section_on_isolated_reach():
    t = pd.DataFrame({"reach": ["A", "B", "X"], "downstream": ["B", "", ""], "length": 1e3, "flow": 1.0,
                      "velocity": 0.1, "section": ["", "", "S"]})
    with pytest.raises(NetworkError, match="section 'S' is on reach 'X', which is disconnected"):
        RiverNetwork.from_dataframe(t, allow_disconnected=True)


def test_error__section_on_two_reaches():
    with pytest.raises(NetworkError, match="section 'S' is placed on several reaches"):
        RiverNetwork.from_dataframe(table(section=["S", "S", ""]))


def test_error__lake_missing_from_table():
    t = table(lake=["", "", "L"])
    with pytest.raises(NetworkError, match="reach 'C' is lake 'L' but no lake table"):
        RiverNetwork.from_dataframe(t)
    with pytest.raises(NetworkError, match="lake 'L' is not in the lake table"):
        RiverNetwork.from_dataframe(t, lakes=pd.DataFrame({"lake": ["M"], "area": [1.0], "mean_depth": [1.0]}))
    with pytest.raises(NetworkError, match="mean_depth: -1.0 at 'L'"):
        RiverNetwork.from_dataframe(t, lakes=pd.DataFrame({"lake": ["L"], "area": [1.0], "mean_depth": [-1.0]}))


def test_error__unknown_reach_lookup():
    net = RiverNetwork.from_dataframe(table())
    with pytest.raises(NetworkError, match="reach 'Z' does not exist"):
        net.position("Z")
    with pytest.raises(NetworkError, match="section 'nope' is not defined"):
        net.section_positions(["nope"])


def test_error__not_a_dataframe_and_empty():
    with pytest.raises(NetworkError, match="expected a pandas DataFrame"):
        RiverNetwork.from_dataframe({"reach": ["A"]})
    with pytest.raises(NetworkError, match="reach table is empty"):
        RiverNetwork.from_dataframe(table().iloc[:0])


def test_integer_ids_with_nan_outlets():
    t = pd.DataFrame({"reach": [1, 2, 3], "downstream": [3, 3, np.nan], "length": 1e3, "flow": [1.0, 1.0, 2.0],
                      "velocity": 0.1})
    net = RiverNetwork.from_dataframe(t)
    assert net.reaches.tolist() == [1, 2, 3] and net.down[2] == -1


def test_stage_discharge_coefficients_give_velocity_and_depth():
    t = table().drop(columns="velocity").assign(velocity_coef=0.1, velocity_exp=0.4, depth_coef=0.5, depth_exp=0.3)
    net = RiverNetwork.from_dataframe(t)
    np.testing.assert_allclose(net.velocity, 0.1 * net.flow ** 0.4)
    np.testing.assert_allclose(net.depth, 0.5 * net.flow ** 0.3)
    with pytest.raises(NetworkError, match="'velocity_coef' and 'velocity_exp' go together"):
        RiverNetwork.from_dataframe(table().drop(columns="velocity").assign(velocity_coef=0.1))
    with pytest.raises(NetworkError, match="velocity_coef: -0.1"):
        RiverNetwork.from_dataframe(table().drop(columns="velocity").assign(velocity_coef=-0.1, velocity_exp=0.4))


def test_with_flow__networks_with_outlets_and_splits():
    """with_flow used to fail (ValueError) on every network with an outlet row (the Wujin demo)."""
    from ecomodel.water import demo

    net = demo().network
    new = net.with_flow(net.flow * 1.1)
    np.testing.assert_allclose(new.flow, net.flow * 1.1)
    rv = ~net.is_lake
    np.testing.assert_allclose(new.velocity[rv], net.velocity[rv] * 1.1)   # cross-sections kept
    np.testing.assert_allclose(new.lateral_flow, net.lateral_flow * 1.1)
    assert new.sections.equals(net.sections)
