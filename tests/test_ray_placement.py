"""``--executor ray`` with Whisper on CUDA: every actor Ray is asked for must fit the cluster's GPUs,
or the calls handed to an actor that is never placed wait forever (the batch hangs)."""

import concurrent.futures
from types import SimpleNamespace

import pytest

from qc.errors import ConfigError
from qc.run.ray_executor import RayExecutor, actor_layout


def test_cpu_actors_take_the_cores_as_before():
    assert actor_layout(cpus=8, gpus=0, threads=2, workers=None, tasks=100, gpu=False) == (4, 0)
    assert actor_layout(cpus=8, gpus=0, threads=2, workers=None, tasks=3, gpu=False) == (3, 0)


def test_gpu_actors_share_the_cards_they_have():
    count, share = actor_layout(cpus=16, gpus=1, threads=2, workers=None, tasks=100, gpu=True)
    assert count == 4 and count * share <= 1  # four to a card, like --workers auto on a GPU
    count, share = actor_layout(cpus=16, gpus=2, threads=2, workers=None, tasks=100, gpu=True)
    assert count == 8 and count * share <= 2
    count, share = actor_layout(cpus=16, gpus=1, threads=2, workers=3, tasks=100, gpu=True)
    assert count == 3 and 3 * share <= 1 and share > 0.3
    assert actor_layout(cpus=16, gpus=4, threads=2, workers=None, tasks=2, gpu=True) == (2, 1)


def test_cuda_on_a_cluster_without_a_gpu_says_so():
    with pytest.raises(ConfigError, match="no GPU"):
        actor_layout(cpus=4, gpus=0, threads=2, workers=None, tasks=5, gpu=True)


def test_one_gpu_and_more_cores_than_actors_per_card_analyses_every_call():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=4, num_gpus=1, include_dashboard=False, log_to_driver=False)  # a declared, not a real, GPU
    try:
        recipe = SimpleNamespace(audio=SimpleNamespace(asr=SimpleNamespace(device="cuda")), cpu_threads=1)
        executor = RayExecutor(recipe)
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            running = pool.submit(lambda: list(executor.execute(list(range(6)), lambda task: task, lambda task: None)))
            outcomes = running.result(timeout=120)
        assert sorted(outcome.analysis for outcome in outcomes) == list(range(6))
    finally:
        ray.shutdown()
