import pytest

from qc.errors import ManifestError
from qc.sources.files import collect_calls, discover, meta_from_filename, read_manifest

HEADER = "call_id,file,agent_id,agent_name,team,started_at,channels_layout\n"


def test_discover_is_recursive_and_filters_audio(tmp_path):
    (tmp_path / "night" / "team-a").mkdir(parents=True)
    for name in ("night/a.wav", "night/team-a/b.MP3", "night/notes.txt", "night/team-a/c.amr"):
        (tmp_path / name).write_bytes(b"x")
    found = sorted(p.name for p in discover([tmp_path / "night"]))
    assert found == ["a.wav", "b.MP3", "c.amr"]


def test_manifest_rows_and_unlisted_files(tmp_path):
    (tmp_path / "a.wav").write_bytes(b"x")
    (tmp_path / "20261121-093000_A7_C9.wav").write_bytes(b"x")
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(HEADER + "call-1,a.wav,A1,王芳,宽带组,2026-11-21T09:00:00,stereo-agent-right\n")
    calls = {c.call_id: c for c in collect_calls([tmp_path], manifest)}
    assert calls["call-1"].agent_name == "王芳" and calls["call-1"].layout == "stereo-agent-right"
    assert calls["C9"].agent_id == "A7" and calls["C9"].started_at == "2026-11-21T09:30:00"


def linked_night(tmp_path, *links):
    """A recording in store/ and a night/ folder of links to it."""
    store, night = tmp_path / "store", tmp_path / "night"
    store.mkdir()
    night.mkdir()
    (store / "rec-0001.wav").write_bytes(b"x")
    for name in links:
        (night / name).symlink_to(store / "rec-0001.wav")
    return store, night


def test_a_linked_recording_gets_the_manifest_row_that_names_the_link(tmp_path):
    # PBX exports and staging folders often hold symbolic links to the recordings: the row that
    # names the link must apply (it was silently ignored: language, layout and agent lost)
    store, night = linked_night(tmp_path, "a.wav")
    manifest = night / "manifest.csv"
    manifest.write_text(HEADER + "call-1,a.wav,A1,王芳,宽带组,2026-11-21T09:00:00,stereo-agent-right\n")
    [call] = collect_calls([night], manifest)
    assert call.call_id == "call-1" and call.agent_name == "王芳" and call.layout == "stereo-agent-right"


def test_two_calls_that_share_one_recording_each_keep_their_own_row(tmp_path):
    # a transferred call exported once per agent, as links to one recording: each row is a call
    # (both used to get the last row's agent, under invented ids "call-2" and "call-2-1")
    store, night = linked_night(tmp_path, "a.wav", "b.wav")
    manifest = night / "manifest.csv"
    manifest.write_text(HEADER + "call-1,a.wav,A1,王芳,宽带组,2026-11-21T09:00:00,\n"
                                 "call-2,b.wav,A2,李雷,宽带组,2026-11-21T09:05:00,\n")
    calls = collect_calls([night], manifest)
    assert sorted((c.call_id, c.agent_id) for c in calls) == [("call-1", "A1"), ("call-2", "A2")]
    # and the same when the manifest names the recording itself twice
    twice = night / "twice.csv"
    twice.write_text(HEADER + "call-1,../store/rec-0001.wav,A1,,,,\ncall-2,../store/rec-0001.wav,A2,,,,\n")
    calls = collect_calls([store], twice)
    assert sorted((c.call_id, c.agent_id) for c in calls) == [("call-1", "A1"), ("call-2", "A2")]


def test_manifest_alone_lists_missing_files_so_they_fail_visibly(tmp_path):
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(HEADER + "gone,gone.wav,A1,,,,\n")
    [call] = collect_calls([], manifest)
    assert call.call_id == "gone" and call.path.endswith("gone.wav")


def test_manifest_direction_is_read_in_any_case_and_may_be_blank(tmp_path):
    manifest = tmp_path / "m.csv"
    manifest.write_text("call_id,file,direction\nin,a.wav,Inbound\nout,b.wav, outbound\nx,c.wav,\n")
    assert {m.call_id: m.direction for m in read_manifest(manifest).values()} == {"in": "inbound", "out": "outbound",
                                                                                  "x": ""}


@pytest.mark.parametrize("body,message", [
    ("call_id,file\nx,a.wav\n", None),
    ("call_id,agent_id\nx,A\n", r"missing column\(s\) file"),
    (HEADER + "x,a.wav,A,,,,sideways\n", "unknown channels_layout 'sideways'"),
    (HEADER + "x,a.wav,A,,,,\nx,b.wav,A,,,,\n", "duplicate call_id 'x'"),
    (HEADER + ",a.wav,A,,,,\n", "call_id and file are required"),
    ("call_id,file,direction\nx,a.wav,incoming\n", "unknown direction 'incoming'; expected one of inbound, outbound"),
])
def test_manifest_errors(tmp_path, body, message):
    manifest = tmp_path / "m.csv"
    manifest.write_text(body)
    if message is None:
        assert len(read_manifest(manifest)) == 1
    else:
        with pytest.raises(ManifestError, match=message):
            read_manifest(manifest)


def test_custom_filename_pattern(tmp_path):
    meta = meta_from_filename(tmp_path / "teamB-0042-callXYZ.wav", r"(?P<team>[^-]+)-(?P<agent_id>\d+)-(?P<call_id>.+)")
    assert (meta.team, meta.agent_id, meta.call_id) == ("teamB", "0042", "callXYZ")


def test_unmatched_filename_uses_the_stem():
    from pathlib import Path

    meta = meta_from_filename(Path("whatever name.wav"))
    assert meta.call_id == "whatever name" and meta.agent_id == "unknown"


def test_manifest_keeps_direction_and_every_other_column_as_extra_metadata(tmp_path):
    manifest = tmp_path / "m.csv"
    manifest.write_text("call_id,file,team,direction,queue,customer tier,note\n"
                        "x,a.wav,sales,outbound,vip, gold ,\n", encoding="utf-8")
    [meta] = read_manifest(manifest).values()
    assert meta.direction == "outbound" and meta.team == "sales"
    assert meta.extra == {"queue": "vip", "customer tier": "gold"}  # blank cells are no value


def test_extra_named_groups_of_the_filename_pattern_are_extra_metadata(tmp_path):
    meta = meta_from_filename(tmp_path / "vip-out-C1.wav", r"(?P<queue>[^-]+)-(?P<direction>[^-]+)-(?P<call_id>.+)")
    assert (meta.call_id, meta.direction, meta.extra) == ("C1", "out", {"queue": "vip"})
