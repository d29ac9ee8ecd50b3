import shutil
import subprocess

import numpy as np
import pytest

from qc.analysis.audio import decode_audio
from qc.errors import AudioError

from helpers import tone, write_wav


@pytest.fixture
def stereo_wav(tmp_path):
    return write_wav(tmp_path / "call.wav", [tone(1.0, 440), np.zeros(8000)])


def test_stereo_channels_are_kept_apart_and_resampled(stereo_wav):
    audio = decode_audio(stereo_wav)
    assert len(audio.channels) == 2 and audio.sample_rate_hz == 16000 and audio.source_sample_rate_hz == 8000
    assert abs(audio.duration_s - 1.0) < 0.01
    assert np.abs(audio.channels[0]).max() > 0.2 and np.abs(audio.channels[1]).max() < 1e-3


@pytest.mark.parametrize("codec,ext", [("pcm_alaw", "wav"), ("pcm_mulaw", "wav"), ("libmp3lame", "mp3"),
                                       ("aac", "m4a"), ("libvorbis", "ogg"), ("flac", "flac")])
def test_telephone_and_compressed_formats(tmp_path, stereo_wav, codec, ext):
    out = tmp_path / f"converted-{codec}.{ext}"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(stereo_wav), "-c:a", codec, str(out)], check=True)
    audio = decode_audio(out)
    assert len(audio.channels) == 2 and abs(audio.duration_s - 1.0) < 0.1


def test_amr_goes_through_sox(tmp_path):
    mono = write_wav(tmp_path / "mono.wav", [tone(1.0)])
    out = tmp_path / "call.amr"
    subprocess.run(["sox", str(mono), "-t", "amr-nb", str(out)], check=True)
    audio = decode_audio(out)
    assert audio.codec.startswith("amr") and len(audio.channels) == 1 and abs(audio.duration_s - 1.0) < 0.1


def test_any_sample_rate(tmp_path):
    audio = decode_audio(write_wav(tmp_path / "cd.wav", [tone(0.5, sample_rate_hz=44100)], 44100))
    assert audio.source_sample_rate_hz == 44100 and len(audio.channels[0]) == 8000


@pytest.mark.parametrize("content,message", [
    (b"", "empty file (0 bytes)"),
    (b"this is a text file, not audio\n" * 20, "not a readable audio file"),
])
def test_bad_files_are_one_clear_line(tmp_path, content, message):
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(AudioError) as info:
        decode_audio(path)
    assert message in str(info.value) and str(path) in str(info.value) and "\n" not in str(info.value)


def test_truncated_wav_is_reported(tmp_path, stereo_wav):
    cut = tmp_path / "cut.wav"
    cut.write_bytes(stereo_wav.read_bytes()[:8000])
    with pytest.raises(AudioError, match="truncated or corrupt WAV"):
        decode_audio(cut)


def test_missing_file(tmp_path):
    with pytest.raises(AudioError, match="no such file"):
        decode_audio(tmp_path / "nope.wav")


def test_ffmpeg_is_installed():
    assert shutil.which("ffmpeg") and shutil.which("sox")
