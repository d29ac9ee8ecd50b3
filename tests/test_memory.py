"""Bounded memory on long calls: the stage notes, a diarization batch's working memory, and
nothing of a call kept alive by the libraries it made qc import."""

import os
import re
import subprocess
import sys

import pytest

from conftest import ROOT


def test_memory_notes_are_logged_only_when_asked(caplog):
    from qc.analysis.blocks import note_memory

    with caplog.at_level("INFO", logger="qc.memory"):
        note_memory("decode")
    assert caplog.records == []
    with caplog.at_level("DEBUG", logger="qc.memory"):
        note_memory("decode")
    [record] = caplog.records
    rss_mb, peak_mb = (float(x) for x in re.findall(r"(\d+) MB", record.getMessage()))
    assert record.getMessage().startswith("memory decode: rss") and 0 < rss_mb <= peak_mb


ONE_BATCH = """
import torch
from qc.analysis.blocks import return_freed_memory
return_freed_memory()
from qc.analysis.diarize import Diarizer, _import_pyannote
_import_pyannote()
from pyannote.audio import Model
diarizer = Diarizer()
o = diarizer.options
segmentation = Model.from_pretrained(str(diarizer._model_path(o.segmentation, "pytorch_model.bin"))).eval()
embedding = diarizer._embedding_model()
window, speaking = 10 * 16000, torch.zeros(1, 589)
speaking[:, :20] = 1  # a few active frames: the filterbanks of whole windows, little network work
with torch.inference_mode():
    segmentation(torch.zeros(1, 1, window)), embedding(torch.zeros(1, 1, window), speaking)
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # the peak starts again from here: loading the models peaked higher
    status = lambda: dict(line.split(":") for line in open("/proc/self/status"))
    before_kb = int(status()["VmRSS"].split()[0])
    segmentation(0.1 * torch.randn(o.segmentation_batch_size, 1, window))
    embedding(0.1 * torch.randn(o.embedding_batch_size, 1, window), speaking.repeat(o.embedding_batch_size, 1))
print((int(status()["VmHWM"].split()[0]) - before_kb) / 1024)
"""


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_batch_of_windows_needs_little_memory_beyond_the_models():
    """What diarization adds to its models is one batch of 10 s windows through each network: at
    32 windows 330 MB for segmentation and 245 MB for the CAM++ filterbanks, too much beside a long
    call's samples; the default batches stay well under that."""
    proc = subprocess.run([sys.executable, "-c", ONE_BATCH], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 0 < float(proc.stdout.split()[-1]) < 150


FIRST_CALL = """
import gc, sys, weakref
import numpy as np
from qc.analysis.diarize import _import_pyannote

def first_call():
    samples = np.zeros(1000, dtype=np.float32)
    _import_pyannote()  # as the first mono call loads the diarizer, deep inside its analysis
    return weakref.ref(samples)

ref = first_call()
gc.collect()
print("pyannote.audio" in sys.modules, ref() is None)
"""


@pytest.mark.slow
def test_importing_pyannote_keeps_nothing_of_the_call_that_needed_it():
    """pyannote.audio pulls in optuna, which keeps redis's ImportError with its traceback: imported on
    the call's own stack, the first mono call's samples (230 MB for 2 hours) lived until the end."""
    proc = subprocess.run([sys.executable, "-c", FIRST_CALL], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["True", "True"]


def test_an_import_apart_raises_what_the_import_raised():
    from qc.analysis.blocks import import_apart

    import_apart("json")
    with pytest.raises(ModuleNotFoundError, match="no_such_module_here"):
        import_apart("no_such_module_here")


ALLOCATOR = """
import resource, numpy as np
from qc.analysis.blocks import note_memory, return_freed_memory
return_freed_memory()
rss = lambda: int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize() // 2**20
faults = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_minflt
np.ones(2**17).sum()  # numpy warmed up
before = faults()
for _ in range(200):  # a decoder step's buffers: a megabyte, allocated and freed again and again
    np.ones(2**17).sum()
step_faults = faults() - before
kept = [np.ones(2**17) for _ in range(400)]  # 400 MB in 1 MB blocks, then every other one freed
del kept[::2]
full = rss()
note_memory("transcription")  # a stage's end
print(step_faults, full - rss())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator, /proc")
def test_the_allocator_reuses_small_buffers_and_hands_free_pages_back_at_a_stage_end():
    """Decoder-sized buffers (1 MB) stay in the heap and are reused: served from mmap (the
    threshold at 128 KiB) each was faulted in afresh, 256 page faults a step, and a third of a
    run's CPU went to the kernel. What the heap holds free is handed back when a stage ends."""
    proc = subprocess.run([sys.executable, "-c", ALLOCATOR], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    step_faults, released_mb = (int(x) for x in proc.stdout.split())
    assert step_faults < 200 * 256 / 10  # mostly reused, not mapped afresh each time
    assert released_mb > 150  # most of the 200 MB freed between kept blocks


def test_pinyin_matching_loads_no_phrase_dictionary():
    """The phrase dictionary is 44 MB in every scoring process; matching reads characters alone."""
    code = ("from qc.text import find_phrase\n"
            "assert find_phrase('您好，这里是克服中心', '客服中心', pinyin=True)\n"
            "import pypinyin.constants as c\n"
            "print(len(c.PHRASES_DICT))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                         env={k: v for k, v in os.environ.items() if not k.startswith("PYPINYIN")})
    assert out.stdout.strip() == "0"
