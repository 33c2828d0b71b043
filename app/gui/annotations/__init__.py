"""The File tab's annotations in the window: the table dock, open/save, the unsaved-changes prompt, autosave.

Thread: the Qt GUI thread.
"""
