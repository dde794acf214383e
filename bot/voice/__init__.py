"""Voice notes: decoding (bot/voice/audio.py, AMR-NB in amr.py), offline recognition (recogniser.py) in a bounded
worker pool (listener.py, the `VoiceNotes` service channels call) and the read-back before anything is done with a
transcript (gate.py, a pipeline stage)."""
