"""Audio output (Qt-free): the file playback engine (:mod:`.playback`, :mod:`.research_playback`) and the
signal generator's stream (:mod:`.generator_stream`)."""
