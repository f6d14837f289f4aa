from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Paper(_message.Message):
    __slots__ = ("title", "abbr", "url", "authors", "institutions")
    TITLE_FIELD_NUMBER: _ClassVar[int]
    ABBR_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    AUTHORS_FIELD_NUMBER: _ClassVar[int]
    INSTITUTIONS_FIELD_NUMBER: _ClassVar[int]
    title: str
    abbr: str
    url: str
    authors: _containers.RepeatedScalarFieldContainer[str]
    institutions: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, title: _Optional[str] = ..., abbr: _Optional[str] = ..., url: _Optional[str] = ..., authors: _Optional[_Iterable[str]] = ..., institutions: _Optional[_Iterable[str]] = ...) -> None: ...

class Publication(_message.Message):
    __slots__ = ("where", "year")
    WHERE_FIELD_NUMBER: _ClassVar[int]
    YEAR_FIELD_NUMBER: _ClassVar[int]
    where: str
    year: int
    def __init__(self, where: _Optional[str] = ..., year: _Optional[int] = ...) -> None: ...

class Code(_message.Message):
    __slots__ = ("type", "url")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    type: str
    url: str
    def __init__(self, type: _Optional[str] = ..., url: _Optional[str] = ...) -> None: ...

class Note(_message.Message):
    __slots__ = ("url",)
    URL_FIELD_NUMBER: _ClassVar[int]
    url: str
    def __init__(self, url: _Optional[str] = ...) -> None: ...

class Cover(_message.Message):
    __slots__ = ("url",)
    URL_FIELD_NUMBER: _ClassVar[int]
    url: str
    def __init__(self, url: _Optional[str] = ...) -> None: ...

class Baseline(_message.Message):
    __slots__ = ("methods",)
    METHODS_FIELD_NUMBER: _ClassVar[int]
    methods: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, methods: _Optional[_Iterable[str]] = ...) -> None: ...

class Keyword(_message.Message):
    __slots__ = ("words",)
    class Word(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        none: _ClassVar[Keyword.Word]
        sparse_pruning: _ClassVar[Keyword.Word]
        attention_sparsity: _ClassVar[Keyword.Word]
        activation_sparsity: _ClassVar[Keyword.Word]
        weight_sparsity: _ClassVar[Keyword.Word]
        structured_sparsity: _ClassVar[Keyword.Word]
        quantization: _ClassVar[Keyword.Word]
        kv_cache_quant: _ClassVar[Keyword.Word]
        kv_cache_sparse: _ClassVar[Keyword.Word]
        kv_cache_management: _ClassVar[Keyword.Word]
        overlap: _ClassVar[Keyword.Word]
        speculative_decoding: _ClassVar[Keyword.Word]
        performance_modeling: _ClassVar[Keyword.Word]
        deployment: _ClassVar[Keyword.Word]
        survey: _ClassVar[Keyword.Word]
        structure_design: _ClassVar[Keyword.Word]
        low_rank: _ClassVar[Keyword.Word]
        fusion: _ClassVar[Keyword.Word]
        efficient_training: _ClassVar[Keyword.Word]
        tool: _ClassVar[Keyword.Word]
        benchmark: _ClassVar[Keyword.Word]
        kernel_generation: _ClassVar[Keyword.Word]
    none: Keyword.Word
    sparse_pruning: Keyword.Word
    attention_sparsity: Keyword.Word
    activation_sparsity: Keyword.Word
    weight_sparsity: Keyword.Word
    structured_sparsity: Keyword.Word
    quantization: Keyword.Word
    kv_cache_quant: Keyword.Word
    kv_cache_sparse: Keyword.Word
    kv_cache_management: Keyword.Word
    overlap: Keyword.Word
    speculative_decoding: Keyword.Word
    performance_modeling: Keyword.Word
    deployment: Keyword.Word
    survey: Keyword.Word
    structure_design: Keyword.Word
    low_rank: Keyword.Word
    fusion: Keyword.Word
    efficient_training: Keyword.Word
    tool: Keyword.Word
    benchmark: Keyword.Word
    kernel_generation: Keyword.Word
    WORDS_FIELD_NUMBER: _ClassVar[int]
    words: _containers.RepeatedScalarFieldContainer[Keyword.Word]
    def __init__(self, words: _Optional[_Iterable[_Union[Keyword.Word, str]]] = ...) -> None: ...

class Repo(_message.Message):
    __slots__ = ("url", "stars", "forks", "pushed_at", "archived", "license", "not_found", "stars_changed", "forks_changed")
    URL_FIELD_NUMBER: _ClassVar[int]
    STARS_FIELD_NUMBER: _ClassVar[int]
    FORKS_FIELD_NUMBER: _ClassVar[int]
    PUSHED_AT_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    LICENSE_FIELD_NUMBER: _ClassVar[int]
    NOT_FOUND_FIELD_NUMBER: _ClassVar[int]
    STARS_CHANGED_FIELD_NUMBER: _ClassVar[int]
    FORKS_CHANGED_FIELD_NUMBER: _ClassVar[int]
    url: str
    stars: int
    forks: int
    pushed_at: str
    archived: bool
    license: str
    not_found: bool
    stars_changed: str
    forks_changed: str
    def __init__(self, url: _Optional[str] = ..., stars: _Optional[int] = ..., forks: _Optional[int] = ..., pushed_at: _Optional[str] = ..., archived: _Optional[bool] = ..., license: _Optional[str] = ..., not_found: _Optional[bool] = ..., stars_changed: _Optional[str] = ..., forks_changed: _Optional[str] = ...) -> None: ...

class SourceDates(_message.Message):
    __slots__ = ("arxiv", "openreview", "semantic_scholar", "github", "openalex")
    ARXIV_FIELD_NUMBER: _ClassVar[int]
    OPENREVIEW_FIELD_NUMBER: _ClassVar[int]
    SEMANTIC_SCHOLAR_FIELD_NUMBER: _ClassVar[int]
    GITHUB_FIELD_NUMBER: _ClassVar[int]
    OPENALEX_FIELD_NUMBER: _ClassVar[int]
    arxiv: str
    openreview: str
    semantic_scholar: str
    github: str
    openalex: str
    def __init__(self, arxiv: _Optional[str] = ..., openreview: _Optional[str] = ..., semantic_scholar: _Optional[str] = ..., github: _Optional[str] = ..., openalex: _Optional[str] = ...) -> None: ...

class Enrichment(_message.Message):
    __slots__ = ("abstract", "arxiv_id", "openreview_id", "semantic_scholar_id", "doi", "citation_count", "influential_citation_count", "venue", "tldr", "repo", "changed", "citation_count_changed", "influential_citation_count_changed", "venue_year", "openalex_cited_by_count", "openalex_cited_by_count_changed")
    ABSTRACT_FIELD_NUMBER: _ClassVar[int]
    ARXIV_ID_FIELD_NUMBER: _ClassVar[int]
    OPENREVIEW_ID_FIELD_NUMBER: _ClassVar[int]
    SEMANTIC_SCHOLAR_ID_FIELD_NUMBER: _ClassVar[int]
    DOI_FIELD_NUMBER: _ClassVar[int]
    CITATION_COUNT_FIELD_NUMBER: _ClassVar[int]
    INFLUENTIAL_CITATION_COUNT_FIELD_NUMBER: _ClassVar[int]
    VENUE_FIELD_NUMBER: _ClassVar[int]
    TLDR_FIELD_NUMBER: _ClassVar[int]
    REPO_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    CITATION_COUNT_CHANGED_FIELD_NUMBER: _ClassVar[int]
    INFLUENTIAL_CITATION_COUNT_CHANGED_FIELD_NUMBER: _ClassVar[int]
    VENUE_YEAR_FIELD_NUMBER: _ClassVar[int]
    OPENALEX_CITED_BY_COUNT_FIELD_NUMBER: _ClassVar[int]
    OPENALEX_CITED_BY_COUNT_CHANGED_FIELD_NUMBER: _ClassVar[int]
    abstract: str
    arxiv_id: str
    openreview_id: str
    semantic_scholar_id: str
    doi: str
    citation_count: int
    influential_citation_count: int
    venue: str
    tldr: str
    repo: Repo
    changed: SourceDates
    citation_count_changed: str
    influential_citation_count_changed: str
    venue_year: int
    openalex_cited_by_count: int
    openalex_cited_by_count_changed: str
    def __init__(self, abstract: _Optional[str] = ..., arxiv_id: _Optional[str] = ..., openreview_id: _Optional[str] = ..., semantic_scholar_id: _Optional[str] = ..., doi: _Optional[str] = ..., citation_count: _Optional[int] = ..., influential_citation_count: _Optional[int] = ..., venue: _Optional[str] = ..., tldr: _Optional[str] = ..., repo: _Optional[_Union[Repo, _Mapping]] = ..., changed: _Optional[_Union[SourceDates, _Mapping]] = ..., citation_count_changed: _Optional[str] = ..., influential_citation_count_changed: _Optional[str] = ..., venue_year: _Optional[int] = ..., openalex_cited_by_count: _Optional[int] = ..., openalex_cited_by_count_changed: _Optional[str] = ...) -> None: ...

class PaperInfo(_message.Message):
    __slots__ = ("paper", "pub", "code", "note", "keyword", "cover", "baseline", "update_time", "rating", "enrichment")
    PAPER_FIELD_NUMBER: _ClassVar[int]
    PUB_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    KEYWORD_FIELD_NUMBER: _ClassVar[int]
    COVER_FIELD_NUMBER: _ClassVar[int]
    BASELINE_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    ENRICHMENT_FIELD_NUMBER: _ClassVar[int]
    paper: Paper
    pub: Publication
    code: Code
    note: Note
    keyword: Keyword
    cover: Cover
    baseline: Baseline
    update_time: int
    rating: int
    enrichment: Enrichment
    def __init__(self, paper: _Optional[_Union[Paper, _Mapping]] = ..., pub: _Optional[_Union[Publication, _Mapping]] = ..., code: _Optional[_Union[Code, _Mapping]] = ..., note: _Optional[_Union[Note, _Mapping]] = ..., keyword: _Optional[_Union[Keyword, _Mapping]] = ..., cover: _Optional[_Union[Cover, _Mapping]] = ..., baseline: _Optional[_Union[Baseline, _Mapping]] = ..., update_time: _Optional[int] = ..., rating: _Optional[int] = ..., enrichment: _Optional[_Union[Enrichment, _Mapping]] = ...) -> None: ...

class SearchWord(_message.Message):
    __slots__ = ("background_words", "key_words", "exclude_words")
    BACKGROUND_WORDS_FIELD_NUMBER: _ClassVar[int]
    KEY_WORDS_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_WORDS_FIELD_NUMBER: _ClassVar[int]
    background_words: _containers.RepeatedScalarFieldContainer[str]
    key_words: _containers.RepeatedScalarFieldContainer[str]
    exclude_words: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, background_words: _Optional[_Iterable[str]] = ..., key_words: _Optional[_Iterable[str]] = ..., exclude_words: _Optional[_Iterable[str]] = ...) -> None: ...

class RepoList(_message.Message):
    __slots__ = ("repo_url",)
    REPO_URL_FIELD_NUMBER: _ClassVar[int]
    repo_url: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, repo_url: _Optional[_Iterable[str]] = ...) -> None: ...
