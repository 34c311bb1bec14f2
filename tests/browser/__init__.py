"""Real-browser tests: JupyterLab in Debian's Chromium, driven by Playwright (see conftest.py)."""
