//! Page tests over HTTP (written by the pages work).
