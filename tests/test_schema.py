"""The committed generated module matches paper.proto, and the schema is a superset of upstream's."""

from google.protobuf import descriptor_pb2

from enrich.schema import generate, paper_pb2


def test_generated_module_matches_proto(tmp_path):
    descriptor_set = tmp_path / "paper.desc"
    generate.compile_proto(tmp_path, descriptor_set)
    compiled = descriptor_pb2.FileDescriptorSet.FromString(descriptor_set.read_bytes()).file[0]
    committed = descriptor_pb2.FileDescriptorProto.FromString(paper_pb2.DESCRIPTOR.serialized_pb)
    for message in compiled.message_type:  # protoc adds json_name to descriptor sets only
        for field in message.field:
            field.ClearField("json_name")
    assert committed == compiled, "run `python -m enrich.schema.generate` and commit paper_pb2.py"


UPSTREAM_FIELDS = {
    "PaperInfo": {
        "paper": 1,
        "pub": 2,
        "code": 3,
        "note": 4,
        "keyword": 5,
        "cover": 6,
        "baseline": 7,
        "update_time": 8,
        "rating": 9,
    },
    "Paper": {"title": 1, "abbr": 2, "url": 3, "authors": 4, "institutions": 5},
    "Publication": {"where": 1, "year": 2},
    "Code": {"type": 1, "url": 2},
    "Note": {"url": 1},
    "Cover": {"url": 1},
    "Baseline": {"methods": 1},
    "Keyword": {"words": 1},
    "SearchWord": {"background_words": 1, "key_words": 2, "exclude_words": 3},
    "RepoList": {"repo_url": 1},
}
UPSTREAM_WORDS = {
    "none": 1,
    "sparse_pruning": 2,
    "attention_sparsity": 3,
    "activation_sparsity": 4,
    "weight_sparsity": 5,
    "structured_sparsity": 6,
    "quantization": 10,
    "kv_cache_quant": 20,
    "kv_cache_sparse": 21,
    "kv_cache_management": 22,
    "overlap": 30,
    "speculative_decoding": 31,
    "performance_modeling": 40,
    "deployment": 41,
    "survey": 42,
    "structure_design": 43,
    "low_rank": 44,
    "fusion": 45,
    "efficient_training": 46,
    "tool": 47,
    "benchmark": 48,
    "kernel_generation": 50,
}


def test_schema_is_a_superset_of_upstream():
    assert paper_pb2.DESCRIPTOR.package == "efficient_paper"
    for message, fields in UPSTREAM_FIELDS.items():
        descriptor = paper_pb2.DESCRIPTOR.message_types_by_name[message]
        for name, number in fields.items():
            assert descriptor.fields_by_name[name].number == number, (message, name)
    words = paper_pb2.Keyword.Word
    assert {name: words.Value(name) for name in UPSTREAM_WORDS} == UPSTREAM_WORDS
    assert paper_pb2.Paper().title == "paper title" and paper_pb2.Publication().where == "arXiv"


def test_enrichment_lives_far_above_upstream_numbers():
    field = paper_pb2.PaperInfo.DESCRIPTOR.fields_by_name["enrichment"]
    assert field.number >= 100
    names = set(paper_pb2.Enrichment.DESCRIPTOR.fields_by_name)
    assert {
        "abstract",
        "arxiv_id",
        "openreview_id",
        "semantic_scholar_id",
        "doi",
        "citation_count",
        "influential_citation_count",
        "venue",
        "tldr",
        "repo",
        "changed",
    } <= names
    assert {"url", "stars", "forks", "pushed_at", "archived", "license"} <= set(
        paper_pb2.Repo.DESCRIPTOR.fields_by_name
    )
