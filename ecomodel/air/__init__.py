"""Air quality: multi-box PM2.5 model, meteorology, emissions, response surface, indicators."""
