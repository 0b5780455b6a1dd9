"""Carbon: energy-based CO2 inventory, projections, LMDI decomposition and air co-benefits."""
