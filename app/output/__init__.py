"""Audio output: the Qt-free playback engine (:mod:`specscope.app.output.playback`)."""
