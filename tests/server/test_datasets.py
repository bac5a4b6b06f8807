"""The dataset API over real HTTP and a real SQLite database: import with bad rows by line, operators with what
they dropped, split, publish (then immutable), preview, delete, and the statuses of each refusal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from server.errors import ConflictError
from tests.server.conftest import asgi_client, running_app


def chat(question: str, answer: str) -> str:
    return json.dumps({"messages": [{"role": "user", "content": question},
                                    {"role": "assistant", "content": answer}]}, ensure_ascii=False)


GOOD = [chat(f"question {n}", f"answer number {n}") for n in range(1, 9)]
FILE = "\n".join([GOOD[0], GOOD[1], '{"messages": [{"role": "user", "content": "hi"}]}', GOOD[2], GOOD[0],
                  GOOD[3], json.dumps({"messages": [{"role": "assistant", "content": "first"}]})] + GOOD[4:]) + "\n"


async def upload(client: httpx.AsyncClient, name: str = "support", content: str = FILE,
                 filename: str = "support.jsonl", **form: str) -> httpx.Response:
    return await client.post("/api/datasets", data={"name": name, **form},
                             files={"file": (filename, content.encode(), "application/octet-stream")})


async def test_import_operators_split_publish_and_preview(data_dir: Path) -> None:
    async with running_app(data_dir) as app, asgi_client(app) as client:
        response = await upload(client)
        assert response.status_code == 201, response.text
        raw = response.json()
        assert (raw["number"], raw["stage"], raw["format"], raw["source"]) == (1, "raw", "messages", "support.jsonl")
        assert raw["rows"] == 9 and raw["report"]["rows"] == 11  # good rows; every row
        bad = raw["report"]["bad"]
        assert [b["line"] for b in bad] == [3, 7]
        assert "assistant" in bad[0]["reason"] and "role order" in bad[1]["reason"]
        stats = raw["report"]["stats"]
        assert stats["rows"] == 9 and stats["exact_duplicates"] == [[1, 5]]
        assert sum(bucket["rows"] for bucket in stats["histogram"]) == 9
        dataset = raw["dataset_id"]

        preview = (await client.get(f"/api/datasets/{dataset}/versions/1/rows",
                                    params={"offset": 3, "limit": 2})).json()
        assert preview["total"] == 9
        assert [item["line"] for item in preview["items"]] == [5, 6]  # lines of the uploaded file, bad ones skipped
        assert preview["items"][0]["row"] == json.loads(GOOD[0])

        response = await client.post(f"/api/datasets/{dataset}/versions/1/operators",
                                     json={"steps": [{"operator": "remove_exact_duplicates"},
                                                     {"operator": "mask_pii", "params": {"kinds": ["email"]}}]})
        assert response.status_code == 201, response.text
        processed = response.json()
        got = (processed["number"], processed["stage"], processed["parent"], processed["rows"])
        assert got == (2, "processed", 1, 8)
        assert processed["operations"]["dropped"] == [{"line": 5, "reason": "exact duplicate of line 1"}]
        assert processed["operations"]["steps"][1] == {"operator": "mask_pii", "params": {"kinds": ["email"]}}

        # publishing needs a split
        assert (await client.post(f"/api/datasets/{dataset}/versions/2/publish")).status_code == 409
        response = await client.post(f"/api/datasets/{dataset}/versions/2/split", json={"validation": 0.2, "seed": 1})
        assert response.status_code == 201, response.text
        split = response.json()
        assert (split["number"], split["train_rows"], split["validation_rows"]) == (3, 6, 2)
        valid = (await client.get(f"/api/datasets/{dataset}/versions/3/rows", params={"part": "validation"})).json()
        train = (await client.get(f"/api/datasets/{dataset}/versions/3/rows", params={"part": "train"})).json()
        lines = [i["line"] for i in valid["items"]] + [i["line"] for i in train["items"]]
        assert sorted(lines) == [1, 2, 4, 6, 8, 9, 10, 11]

        response = await client.post(f"/api/datasets/{dataset}/versions/3/publish")
        assert response.status_code == 200, response.text
        assert response.json()["stage"] == "published" and response.json()["published_at"]
        # immutable once published: no second publish, no delete
        assert (await client.post(f"/api/datasets/{dataset}/versions/3/publish")).status_code == 409
        assert (await client.delete(f"/api/datasets/{dataset}/versions/3")).status_code == 409
        # an unpublished version can go
        assert (await client.delete(f"/api/datasets/{dataset}/versions/2")).status_code == 204
        listed = (await client.get("/api/datasets")).json()["items"]
        assert [(d["name"], [(v["number"], v["stage"]) for v in d["versions"]]) for d in listed] == [
            ("support", [(1, "raw"), (3, "published")])]
        by_name = (await client.get("/api/datasets/support")).json()
        assert by_name["id"] == dataset
        # the published version still reads after its parent went
        assert (await client.get(f"/api/datasets/{dataset}/versions/3/rows")).json()["total"] == 8

        # a second raw version of the same dataset, from CSV
        csv_file = 'text\n"one row"\n"another row"\n'
        response = await client.post(f"/api/datasets/{dataset}/versions",
                                     files={"file": ("more.csv", csv_file.encode(), "text/csv")})
        assert response.status_code == 201, response.text
        assert (response.json()["number"], response.json()["format"], response.json()["rows"]) == (4, "text", 2)

        assert (await client.delete(f"/api/datasets/{dataset}")).status_code == 204
        assert (await client.get(f"/api/datasets/{dataset}")).status_code == 404
        assert not (data_dir / "datasets" / dataset).exists()


async def test_refusals_answer_deliberate_statuses(data_dir: Path) -> None:
    async with running_app(data_dir, max_upload_bytes=2_000) as app, asgi_client(app) as client:
        assert (await upload(client, filename="notes.txt")).status_code == 415
        assert (await upload(client, content="x" * 3_000)).status_code == 413
        response = await upload(client, content='[{"text": "a"}]', filename="array.json")
        assert response.status_code == 400 and "JSONL" in response.json()["detail"]
        response = await client.post("/api/datasets", data={"name": "latin"},
                                     files={"file": ("latin.jsonl", '{"text": "café"}\n'.encode("latin-1"))})
        assert response.status_code == 400 and "UTF-8" in response.json()["detail"]
        assert (await client.get("/api/datasets")).json()["items"] == []  # nothing saved by a refused file
        assert (await upload(client, name="dup", content=GOOD[0])).status_code == 201
        assert (await upload(client, name="dup", content=GOOD[0])).status_code == 409
        assert (await client.get("/api/datasets/nope")).status_code == 404
        assert (await client.get("/api/datasets/dup/versions/9")).status_code == 404
        steps: dict[str, Any] = {"steps": [{"operator": "no_such_thing"}]}
        response = await client.post("/api/datasets/dup/versions/1/operators", json=steps)
        assert response.status_code == 400 and "remove_exact_duplicates" in response.json()["detail"]
        response = await client.post("/api/datasets/dup/versions/1/operators",
                                     json={"steps": [{"operator": "mask_pii", "params": {"colour": "red"}}]})
        assert response.status_code == 400
        # one row cannot be split
        response = await client.post("/api/datasets/dup/versions/1/split", json={"validation": 0.5})
        assert response.status_code == 400 and "at least 2" in response.json()["detail"]
        operators = (await client.get("/api/datasets/operators")).json()["items"]
        assert {"remove_exact_duplicates", "remove_near_duplicates", "mask_pii"} <= {o["name"] for o in operators}


async def test_dataset_routes_are_admin_guarded(data_dir: Path) -> None:
    async with running_app(data_dir, admin_token="sekrit") as app:
        async with asgi_client(app) as client:
            assert (await client.get("/api/datasets")).status_code == 401
        async with asgi_client(app, token="sekrit") as client:
            assert (await client.get("/api/datasets")).status_code == 200


async def test_only_published_versions_hand_out_their_training_files(data_dir: Path) -> None:
    async with running_app(data_dir) as app, asgi_client(app) as client:
        dataset = (await upload(client)).json()["dataset_id"]
        await client.post(f"/api/datasets/{dataset}/versions/1/split", json={"validation": 0.25})
        store = app.state.datasets
        split = store.get_version(dataset, 2)
        try:
            store.file(split)
        except ConflictError as exc:
            assert "not published" in str(exc)
        else:
            raise AssertionError("an unpublished version handed out its training file")
        await client.post(f"/api/datasets/{dataset}/versions/2/publish")
        published = store.get_version(dataset, 2)
        train = [json.loads(line) for line in store.file(published).read_text().splitlines()]
        validation = store.file(published, "validation").read_text().splitlines()
        assert (len(train), len(validation)) == (7, 2)
        assert all(row["messages"][-1]["role"] == "assistant" for row in train)


async def test_training_files_of_a_published_version_and_refusals_naming_it(data_dir: Path) -> None:
    async with running_app(data_dir) as app, asgi_client(app) as client:
        dataset = (await upload(client)).json()["dataset_id"]
        await client.post(f"/api/datasets/{dataset}/versions/1/split", json={"validation": 0.25})
        store = app.state.datasets
        for ident, number, words in [("nope", 1, ["'nope'"]), ("support", 9, ["'support'", "version 9"]),
                                     ("support", 2, ["'support'", "version 2", "not published"])]:
            try:
                store.training_files(ident, number)
            except ValueError as exc:
                assert all(word in str(exc) for word in words), str(exc)
            else:
                raise AssertionError(f"{ident} v{number} handed out training files")
        await client.post(f"/api/datasets/{dataset}/versions/2/publish")
        files = store.training_files("support", 2)
        assert files == store.training_files(dataset, 2)  # by name or by id
        assert (files.format, files.rows) == ("messages", 7)
        assert len(files.train.read_text().splitlines()) == 7
        assert files.validation is not None and len(files.validation.read_text().splitlines()) == 2


def word_tokenizer(folder: Path) -> Path:
    """A word-level tokenizer saved the way ``transformers`` saves one (no download): one token per word."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    words = "question answer number 1 2 3 4 5 6 7 8".split()
    raw = Tokenizer(models.WordLevel({"[UNK]": 0, **{word: i + 1 for i, word in enumerate(words)}}, unk_token="[UNK]"))
    raw.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    PreTrainedTokenizerFast(tokenizer_object=raw, unk_token="[UNK]").save_pretrained(folder)  # type: ignore[no-untyped-call]
    return folder


async def test_stats_with_a_registered_base_models_tokenizer_or_the_character_estimate(data_dir: Path,
                                                                                      tmp_path: Path) -> None:
    async with running_app(data_dir) as app, asgi_client(app) as client:
        dataset = (await upload(client)).json()["dataset_id"]
        chars = (await client.get(f"/api/datasets/{dataset}/versions/1/stats")).json()
        assert chars["model"] is None and chars["stats"]["unit"] == "characters"
        assert chars["stats"]["measure"].startswith("characters, not tokens")
        assert chars["stats"]["length_max"] == len("question 1") + len("answer number 1")

        folder = word_tokenizer(tmp_path / "tiny-base")
        response = await client.post("/api/models", json={"kind": "base", "name": "tiny", "source": str(folder)})
        assert response.status_code == 201, response.text
        response = await client.get(f"/api/datasets/{dataset}/versions/1/stats", params={"model": "tiny", "epochs": 30})
        assert response.status_code == 200, response.text
        tokens = response.json()
        assert tokens["model"] == "tiny" and tokens["stats"]["unit"] == "tokens"
        assert tokens["stats"]["measure"] == "tokens of tiny's tokenizer"
        # "question N" + "answer number N": 5 words
        assert (tokens["stats"]["length_min"], tokens["stats"]["length_max"]) == (5, 5)
        assert tokens["stats"]["context_length"] == 128
        assert sum(bucket["rows"] for bucket in tokens["stats"]["histogram"]) == 9
        advice = {item["code"]: item["message"] for item in tokens["stats"]["advice"]}
        assert advice["epochs"].startswith("too few rows for 30 epochs") and "too_few_rows" in advice

        await client.post("/api/models", json={"kind": "endpoint", "name": "remote", "base_url": "http://x/v1",
                                               "model": "m"})
        for model, words in [("missing", "no registered model named 'missing'"), ("remote", "not a base model")]:
            response = await client.get(f"/api/datasets/{dataset}/versions/1/stats", params={"model": model})
            assert response.status_code == 400 and words in response.text, response.text
        assert (await client.get(f"/api/datasets/{dataset}/versions/7/stats")).status_code == 404


async def test_export_and_convert_between_formats(data_dir: Path) -> None:
    async with running_app(data_dir) as app, asgi_client(app) as client:
        dataset = (await upload(client)).json()["dataset_id"]
        response = await client.get(f"/api/datasets/{dataset}/versions/1/export", params={"format": "context-target"})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/x-ndjson")
        assert 'filename="support-v1.jsonl"' in response.headers["content-disposition"]
        rows = [json.loads(line) for line in response.text.splitlines()]
        assert len(rows) == 9 and rows[0] == {"context": ["question 1"], "target": "answer number 1"}

        response = await client.post(f"/api/datasets/{dataset}/versions/1/convert", json={"format": "text"})
        assert response.status_code == 201, response.text
        text = response.json()
        assert (text["number"], text["format"], text["parent"], text["rows"]) == (2, "text", 1, 9)
        assert text["operations"]["convert"] == {"from": "messages", "to": "text"}
        preview = (await client.get(f"/api/datasets/{dataset}/versions/2/rows", params={"limit": 1})).json()
        assert preview["items"][0] == {"line": 1, "row": {"text": "question 1\nanswer number 1"}}

        # pre-training text has no question and answer: refused, naming the first row that cannot convert
        for response in [await client.post(f"/api/datasets/{dataset}/versions/2/convert", json={"format": "messages"}),
                         await client.get(f"/api/datasets/{dataset}/versions/2/export", params={"format": "messages"})]:
            assert response.status_code == 400 and "line 1: a pre-training text" in response.text, response.text
        response = await client.post(f"/api/datasets/{dataset}/versions/2/convert", json={"format": "text"})
        assert response.status_code == 400 and "already in the text format" in response.text

        # a split version stays split, and each part exports on its own
        await client.post(f"/api/datasets/{dataset}/versions/1/split", json={"validation": 0.25})
        converted = (await client.post(f"/api/datasets/{dataset}/versions/3/convert",
                                       json={"format": "context-target"})).json()
        assert (converted["train_rows"], converted["validation_rows"]) == (7, 2)
        part = await client.get(f"/api/datasets/{dataset}/versions/4/export", params={"part": "validation"})
        assert len(part.text.splitlines()) == 2 and "target" in part.text
        assert 'filename="support-v4-validation.jsonl"' in part.headers["content-disposition"]

        # a name outside latin-1 travels as RFC 5987 filename*
        chinese = (await upload(client, name="客服问答")).json()["dataset_id"]
        response = await client.get(f"/api/datasets/{chinese}/versions/1/export")
        assert response.status_code == 200, response.text
        disposition = response.headers["content-disposition"]
        assert "filename*=UTF-8''%E5%AE%A2%E6%9C%8D%E9%97%AE%E7%AD%94-v1.jsonl" in disposition


async def test_operators_list_their_parameters(data_dir: Path) -> None:
    async with running_app(data_dir) as app, asgi_client(app) as client:
        items = {item["name"]: item for item in (await client.get("/api/datasets/operators")).json()["items"]}
        assert items["remove_near_duplicates"]["params"] == [{"name": "threshold", "type": "number", "default": 0.8}]
        assert items["mask_pii"]["params"][0]["choices"] == ["url", "email", "id", "phone"]
