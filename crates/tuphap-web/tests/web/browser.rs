//! Pages in a real headless Chromium (written by the pages work).
