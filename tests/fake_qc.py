"""`qc` with a fake recogniser, as a separate process: for tests of what happens between processes
(two runs at once, a signal mid-batch). Usage: python tests/fake_qc.py DELAY_S LOG qc-arguments...

Each transcription sleeps DELAY_S and appends the call's channel level to LOG, so a test can
count how often each recording was transcribed. A channel louder than $FAKE_QC_KILL_ABOVE kills
the process (SIGKILL), as a library crash or the out-of-memory killer would.
"""

import os
import signal
import sys
import time
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parent), str(Path(__file__).resolve().parent.parent)]

from test_pipeline import ScriptedTranscriber  # noqa: E402


def main() -> None:
    delay_s, log = float(sys.argv[1]), Path(sys.argv[2])

    class SlowWhisper(ScriptedTranscriber):
        def __init__(self, options=None, model_path=None, cpu_threads=0, num_workers=1):
            super().__init__()

        def transcribe(self, samples, language, **options):
            if float(abs(samples).max()) > float(os.environ.get("FAKE_QC_KILL_ABOVE", "inf")):
                os.kill(os.getpid(), signal.SIGKILL)
            time.sleep(delay_s)
            with open(log, "a") as fh:
                fh.write(f"{float(abs(samples).max()):.4f} {float(abs(samples).sum()):.1f}\n")
            return super().transcribe(samples, language)

    from qc.analysis import asr
    from qc.cli import cli

    asr.WhisperTranscriber = SlowWhisper
    cli(sys.argv[3:], prog_name="qc")


if __name__ == "__main__":
    main()
