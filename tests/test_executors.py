"""Executors: the automatic worker count, and a pool of worker processes that records every
call once, carries each failure back with its reason and survives a worker that dies."""

import pytest

from qc.run.executors import InProcessExecutor, ProcessExecutor
from qc.run.plan import Task
from qc.run.workers import plan_workers
from qc.schema import CallMeta

from executor_work import AllocatorWork, EchoWork, PidWork


def tasks(*ids):
    return [Task(CallMeta(i, f"/calls/{i}.wav"), f"key-{i}", "zh", "audio", f"uid-{i}", f"content-{i}", "sha")
            for i in ids]


@pytest.mark.parametrize("requested,cores,todo,device,expected", [
    (None, 2, 10, "cpu", (2, 1)),  # two cores: two single-threaded workers (measured faster than one with two)
    (None, 8, 10, "cpu", (4, 2)),  # more cores: a worker per core pair
    (None, 8, 3, "cpu", (3, 2)),  # never more workers than calls
    (None, 8, 1, "cpu", (1, 8)),  # one call: in this process, every core
    (None, 16, 50, "cuda", (4, 4)),  # a GPU: a worker per four cores, at most four, sharing the card
    (None, 4, 50, "cuda", (1, 4)),
    (None, 64, 50, "cuda", (4, 16)),
    (None, 16, 1, "cuda", (1, 16)),
    (3, 2, 10, "cpu", (3, 1)),  # asked for: as many as asked, at least one thread each
    (1, 4, 10, "cpu", (1, 4)),
])
def test_automatic_workers(requested, cores, todo, device, expected):
    assert plan_workers(requested, cores, todo, device) == expected


@pytest.mark.parametrize("free_gib,expected", [(None, 4), (140.0, 4), (13.0, 2), (7.9, 1), (2.0, 1)])
def test_workers_on_a_gpu_are_as_many_as_its_free_memory_holds(free_gib, expected):
    """Each worker loads its own models on the card: six GiB each (large-v3 in float16 at batch 8
    with pyannote), so a small card gets fewer workers and never none."""
    assert plan_workers(None, 16, 50, "cuda", gpu_free_gib=free_gib)[0] == expected
    assert plan_workers(3, 16, 50, "cuda", gpu_free_gib=2.0)[0] == 3  # asked for: as many as asked


def test_free_gpu_memory_is_read_from_nvidia_smi_or_unknown():
    from qc.analysis.gpu import free_memory_gib

    class Done:
        def __init__(self, out, code=0):
            self.stdout, self.returncode = out, code

    assert free_memory_gib(lambda *a, **k: Done("143000\n")) == pytest.approx(139.6, abs=0.1)
    assert free_memory_gib(lambda *a, **k: Done("8000\n4000\n")) == pytest.approx(7.8, abs=0.1)  # the first GPU
    assert free_memory_gib(lambda *a, **k: Done("", 9)) is None

    def missing(*a, **k):
        raise FileNotFoundError("nvidia-smi")

    assert free_memory_gib(missing) is None


def run(executor, batch):
    started = []
    outcomes = list(executor.execute(batch, EchoWork(), lambda task: started.append(task.meta.call_id)))
    return started, {o.task.meta.call_id: o for o in outcomes}


def test_a_pool_of_workers_gives_every_call_one_outcome_with_its_failure_reason():
    batch = tasks("a", "b", "bad", "c", "d")
    started, outcomes = run(ProcessExecutor(2, 1), batch)
    assert sorted(started) == sorted(outcomes) == sorted(t.meta.call_id for t in batch)
    assert str(outcomes["bad"].error) == "this recording is unreadable" and outcomes["bad"].analysis is None
    done = [o for o in outcomes.values() if o.error is None]
    assert len(done) == 4 and all(o.analysis.meta.call_id == o.task.meta.call_id for o in done)
    assert all(o.stages is not None for o in done)


def test_a_worker_that_dies_fails_its_call_and_the_rest_of_the_batch_completes():
    batch = tasks("a", "dies", "b", "c", "d", "e")
    _, outcomes = run(ProcessExecutor(2, 1, ahead=0), batch)
    assert set(outcomes) == {"a", "dies", "b", "c", "d", "e"}
    assert "stopped" in str(outcomes["dies"].error)
    # at most the call that shared the pool when it broke fails with it; the pool is restarted for the rest
    failed = [o for o in outcomes.values() if o.error is not None]
    assert len(failed) <= 2 and all("stopped" in str(o.error) for o in failed)


def test_in_process_and_pool_give_the_same_analyses():
    batch = tasks("a", "b", "c")
    _, local = run(InProcessExecutor(), batch)
    _, pooled = run(ProcessExecutor(2, 1), batch)
    assert {k: o.analysis for k, o in local.items()} == {k: o.analysis for k, o in pooled.items()}


def test_threads_give_every_call_one_outcome_with_its_failure_reason():
    from qc.run.executors import ThreadExecutor

    batch = tasks("a", "b", "bad", "c", "d")
    started, outcomes = run(ThreadExecutor(2), batch)
    assert sorted(started) == sorted(outcomes) == sorted(t.meta.call_id for t in batch)
    assert str(outcomes["bad"].error) == "this recording is unreadable" and outcomes["bad"].analysis is None
    assert "CallError" in outcomes["bad"].traceback
    done = [o for o in outcomes.values() if o.error is None]
    assert len(done) == 4 and all(o.analysis.meta.call_id == o.task.meta.call_id for o in done)


def test_threads_run_calls_at_once_and_hand_out_at_most_workers_plus_ahead():
    import threading
    import time

    from qc.run.executors import ThreadExecutor

    inside, most, lock = [0], [0], threading.Lock()
    handed_out, finished = [], []

    def work(task):
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.05)
        with lock:
            inside[0] -= 1
        return EchoWork()(task)

    executor = ThreadExecutor(2, ahead=1)
    for outcome in executor.execute(tasks(*"abcdef"), work, lambda task: handed_out.append(task.meta.call_id)):
        finished.append(outcome.task.meta.call_id)
        assert len(handed_out) - len(finished) <= 2  # workers + ahead, less the one just yielded
    assert most[0] == 2 and sorted(finished) == list("abcdef")


def test_threads_build_the_batch_work_for_that_many_calls_at_once():
    from dataclasses import dataclass

    from qc.run.executors import ThreadExecutor

    @dataclass
    class Work:
        shared: tuple = ()

        def shared_by(self, calls, cpu_threads):
            return Work((calls, cpu_threads))

        def __call__(self, task):
            assert self.shared == (3, 1), "the work was not rebuilt for three threads"
            return EchoWork()(task)

    outcomes = list(ThreadExecutor(3, 1).execute(tasks("a", "b"), Work(), lambda task: None))
    assert [o.error for o in outcomes] == [None, None]


def test_worker_processes_hand_freed_memory_back_as_the_batch_process_does():
    """Spawned workers start with glibc's defaults; without the batch's allocator setting a worker
    grew from 0.4 to 0.7 GB over 150 two-minute calls (bench/throughput.py --repeat)."""
    outcomes = list(ProcessExecutor(2, 1).execute(tasks("a", "b"), AllocatorWork(), lambda task: None))
    assert [str(o.error) if o.error else None for o in outcomes] == [None, None]


@pytest.mark.parametrize("ahead", [0, 1])
def test_a_worker_process_is_replaced_after_its_share_of_calls(ahead):
    """Whatever a worker's heap keeps from call to call (bench/throughput.py --repeat saw slow
    growth), a new process after ``calls_per_worker`` calls starts from its first call's size."""
    executor = ProcessExecutor(1, 1, ahead=ahead, calls_per_worker=2)
    outcomes = list(executor.execute(tasks("a", "b", "c", "d", "e"), PidWork(), lambda task: None))
    assert [o.error for o in outcomes] == [None] * 5
    pids = [o.analysis.audio.path for o in sorted(outcomes, key=lambda o: o.task.meta.call_id)]
    assert len(set(pids)) == 3 and pids[0] == pids[1] != pids[2] == pids[3] != pids[4]


def test_a_finished_batch_lets_its_workers_exit_so_nothing_they_hold_leaks(tmp_path):
    """qc run printed "resource_tracker: There appear to be 1 leaked semaphore objects" at the end of
    most batches: the workers were killed rather than let exit, so what they held was never
    released. A worker that takes a moment to exit must be waited for once every call is done."""
    import subprocess
    import sys
    from pathlib import Path

    script = tmp_path / "batch.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from qc.run.executors import ProcessExecutor\n"
        "from qc.run.plan import Task\n"
        "from qc.schema import CallMeta\n"
        "from executor_work import SemaphoreWork\n"
        "if __name__ == '__main__':\n"
        "    tasks = [Task(CallMeta(i, f'/calls/{i}.wav'), f'key-{i}', 'zh', 'audio', f'uid-{i}', f'content-{i}',\n"
        "                  'sha') for i in 'abcd']\n"
        "    outcomes = list(ProcessExecutor(2, 1).execute(tasks, SemaphoreWork(), lambda task: None))\n"
        "    print(len([o for o in outcomes if o.error is None]))\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "4", done.stderr
    assert "leaked" not in done.stderr, done.stderr
