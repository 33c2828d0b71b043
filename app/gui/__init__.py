"""The PyQt6 desktop window.

Thread: the Qt GUI thread, except where a module says otherwise.
"""
