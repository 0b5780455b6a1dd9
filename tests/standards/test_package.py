"""ecomodel/standards/__init__.py: importing the package and rating values loads numpy only.
"""

def test_import_is_light():
    import subprocess
    import sys

    code = ("import sys, ecomodel.standards as s; s.aqi({'PM2.5': 80}); s.water_class('TP', 0.1); "
            "print(','.join(m for m in ('pandas', 'xarray', 'scipy', 'numba', 'matplotlib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
