"""qc: automated quality inspection of call-centre recordings.

The package is imported by cron every night and by ``qc --help``; it must stay light.
Heavy libraries (torch, faster-whisper, ctranslate2, opencc) are imported inside the
adapters that need them, never here.
"""

__version__ = "0.1.0"
