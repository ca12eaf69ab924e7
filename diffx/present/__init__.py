"""Presenters: terminal tables, strict JSON, Graphviz pictures and plots. They format results;
they compute nothing."""
